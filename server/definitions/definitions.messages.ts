/**
 * Messages the definitions API adds to the runtime's own (which cover the definition's shape and flow). Each is a
 * stable code with zh-CN and en texts for the analyst reading the designer's problem list.
 */
import { localize, type LocalizedText, type Problem } from '../../runtime/common/types.js';
import { HttpProblem } from '../lib/problem.js';

const messages = {
  'definition.ref.unknownSlaPolicy': {
    'zh-CN': '引用的 SLA 策略“{policy}”不存在，请先在“SLA 策略”中创建，或改用已有的策略',
    en: 'The SLA policy “{policy}” does not exist; create it under SLA policies first or pick an existing one.',
  },
  'definition.noChanges': {
    'zh-CN': '与已发布的第 {version} 版相比没有任何变化，无需再次发布',
    en: 'Nothing changed since version {version}; there is nothing to publish.',
  },
} as const satisfies Record<string, LocalizedText>;

export type DefinitionsMessageCode = keyof typeof messages;

export function definitionsProblem(
  code: DefinitionsMessageCode,
  path: string,
  params: Record<string, unknown> = {},
): Problem {
  return { code, path, params, text: localize(messages[code], params) };
}

/** A definition that fails its checks: 422 with every problem, each naming where it was found. */
export function invalidDefinition(
  problems: Problem[],
  options: { base?: string; detail?: LocalizedText } = {},
): HttpProblem {
  const detail = options.detail ?? { 'zh-CN': '定义有问题', en: 'The definition has problems' };
  const first = problems[0];
  return new HttpProblem(422, 'Invalid definition', {
    code: 'invalid-definition',
    text: first
      ? { 'zh-CN': `${detail['zh-CN']}：${first.text['zh-CN']}`, en: `${detail.en}: ${first.text.en}` }
      : detail,
    // With a base, the first problem is named as a request field (`body.definition.flow.nodes.3`).
    field: first && options.base ? pointerToField(first.path, options.base) : undefined,
    extra: { problems },
  });
}

/** `/flow/nodes/3` inside a body at `body.definition` → `body.definition.flow.nodes.3`. */
export function pointerToField(pointer: string, base = 'body'): string {
  const segments = pointer
    .split('/')
    .slice(1)
    .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'))
    .filter((segment) => segment !== '');
  return [base, ...segments].join('.');
}
