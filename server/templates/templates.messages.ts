/**
 * Refusals of the templates API, each a stable code with zh-CN and en texts for the admin reading them. The HTTP
 * problem carries the code (`urn:ordo:problem:<code>`), the English text as `detail`, both texts as `text`, the
 * field at fault and the facts behind it (the types with tickets, the teams missing…).
 */
import { localize, type LocalizedText } from '../../runtime/common/types.js';
import { HttpProblem } from '../lib/problem.js';

const messages = {
  'template-not-found': {
    'zh-CN': '没有标识为“{id}”的模板包',
    en: 'There is no template pack “{id}”.',
  },
  'template-type-not-found': {
    'zh-CN': '模板包“{id}”中没有工单类型“{key}”',
    en: 'The template pack “{id}” has no ticket type “{key}”.',
  },
  'template-not-installed': {
    'zh-CN': '模板包“{id}”尚未安装，无需移除',
    en: 'The template pack “{id}” is not installed, so there is nothing to remove.',
  },
  'template-invalid': {
    'zh-CN': '模板包“{id}”有 {count} 个问题，未做任何更改：{first}',
    en: 'The template pack “{id}” has {count} problem(s); nothing was changed: {first}',
  },
  'template-newer-installed': {
    'zh-CN': '已安装模板包“{id}”的 {installed} 版，比要安装的 {available} 版更新；不支持降级',
    en: 'Version {installed} of “{id}” is installed, newer than {available}; packs are not downgraded.',
  },
  'template-missing-teams': {
    'zh-CN': '模板包需要的团队不存在：{teams}。请先创建这些团队，或允许安装时自动创建',
    en: 'The pack needs teams that do not exist: {teams}. Create them first, or let the install create them.',
  },
  'template-local-changes': {
    'zh-CN':
      '以下工单类型的草稿与模板包上次安装的内容不同（已被修改，或并非由该模板包创建）：{types}。如确认覆盖，请选择“覆盖本地修改”后重试',
    en: 'These ticket types have drafts that differ from what the pack last installed (edited since, or not made by this pack): {types}. Choose to overwrite local changes to replace them.',
  },
  'template-tickets-exist': {
    'zh-CN': '以下工单类型已有工单，不能移除模板包：{types}。可保留模板包，或在工单类型中停止使用',
    en: 'Tickets exist of these types, so the pack cannot be removed: {types}. Keep the pack, or stop using the types instead.',
  },
} as const satisfies Record<string, LocalizedText>;

export type TemplateMessageCode = keyof typeof messages;

const TITLES: Record<number, string> = {
  404: 'Not found',
  409: 'Conflict',
  422: 'Unprocessable template pack',
};

/** A refusal of the templates API, in both languages, naming the field at fault. */
export function templateProblem(
  status: 404 | 409 | 422,
  code: TemplateMessageCode,
  params: Record<string, unknown>,
  options: {
    field?: string;
    extra?: Record<string, unknown>;
    /** Params that are texts themselves (a problem's message): each language gets its own. */
    localizedParams?: Record<string, LocalizedText>;
  } = {},
): HttpProblem {
  const inLocale = (locale: keyof LocalizedText) => ({
    ...params,
    ...Object.fromEntries(
      Object.entries(options.localizedParams ?? {}).map(([name, value]) => [name, value[locale]]),
    ),
  });
  const text: LocalizedText = {
    'zh-CN': localize(messages[code], inLocale('zh-CN'))['zh-CN'],
    en: localize(messages[code], inLocale('en')).en,
  };
  return new HttpProblem(status, TITLES[status] ?? 'Error', {
    code,
    detail: text.en,
    ...(options.field === undefined ? {} : { field: options.field }),
    extra: { text, ...options.extra },
  });
}
