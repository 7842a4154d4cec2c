/**
 * Every SLA explanation and problem: a stable code and a sentence per language, for the agent, the supervisor
 * and the analyst reading why a clock says what it says.
 */
import { formatMessageIn, type Explanation, type LocalizedText } from '../common/types.js';

export const slaMessages = {
  'sla.target.selected': {
    'zh-CN': '适用 SLA 目标“{target}”（第 {position} 条）：{terms}。',
    en: 'SLA target “{target}” (number {position}) applies: {terms}.',
  },
  'sla.target.none': {
    'zh-CN': '没有任何 SLA 目标适用于该工单，不计时。',
    en: 'No SLA target applies to this ticket, so no clock runs.',
  },
  'sla.target.rule-failed': {
    'zh-CN': 'SLA 目标“{target}”的适用条件无法计算，已跳过：{reason}',
    en: 'The condition of SLA target “{target}” could not be evaluated and was skipped: {reason}',
  },
  'sla.clock.started': {
    'zh-CN': '{clock}开始计时：目标 {target}，预计 {due} 到期。',
    en: 'The {clock} clock started: target {target}, due {due}.',
  },
  'sla.clock.started-never-due': {
    'zh-CN': '{clock}开始计时：目标 {target}，但工作日历“{calendar}”没有工作时间，永不到期。',
    en: 'The {clock} clock started: target {target}, but calendar “{calendar}” has no working time, so it never falls due.',
  },
  'sla.clock.paused': {
    'zh-CN': '工单进入“{status}”类状态，{clock}暂停计时（已用 {elapsed}）。',
    en: 'The ticket moved to a “{status}” status: the {clock} clock is paused ({elapsed} used).',
  },
  'sla.clock.resumed': {
    'zh-CN': '{clock}恢复计时：暂停期间计入的工作时间为 {paused}，到期时间顺延至 {due}。',
    en: 'The {clock} clock resumed: it was paused for {paused} of its time, so it is now due {due}.',
  },
  'sla.clock.stopped-met': {
    'zh-CN': '{clock}已停止（{reason}）：用时 {elapsed}，在目标 {target}内达成。',
    en: 'The {clock} clock stopped ({reason}): {elapsed} used, within the target of {target}.',
  },
  'sla.clock.stopped-breached': {
    'zh-CN': '{clock}已停止（{reason}）：用时 {elapsed}，超出目标 {target}（{breached} 超时）。',
    en: 'The {clock} clock stopped ({reason}): {elapsed} used, over the target of {target} (breached {breached}).',
  },
  'sla.clock.reopened-resumed': {
    'zh-CN': '工单重新打开，{clock}从已用的 {elapsed}继续计时，预计 {due} 到期。',
    en: 'The ticket was reopened: the {clock} clock carries on from the {elapsed} already used and is due {due}.',
  },
  'sla.clock.reopened-restarted': {
    'zh-CN': '工单重新打开，{clock}重新开始第 {cycle} 轮计时：目标 {target}，预计 {due} 到期。',
    en: 'The ticket was reopened: the {clock} clock starts cycle {cycle} with the full target of {target}, due {due}.',
  },
  'sla.clock.retargeted': {
    'zh-CN': 'SLA 目标改变，{clock}改为目标 {target}（已用 {elapsed}），预计 {due} 到期。',
    en: 'The SLA target changed: the {clock} clock now aims at {target} ({elapsed} used), due {due}.',
  },
  'sla.clock.dropped': {
    'zh-CN': '新的 SLA 目标不含{clock}，该计时已取消。',
    en: 'The new SLA target has no {clock} target, so that clock was dropped.',
  },
  'sla.calendar.missing': {
    'zh-CN': '找不到工作日历“{calendar}”，暂按 7×24 小时计时，请管理员检查日历设置。',
    en: 'The business calendar “{calendar}” was not found; the clock counts around the clock (24×7) until an admin fixes it.',
  },
  'sla.step.warning': {
    'zh-CN': '{clock}已用去目标 {target}的 {percent}%，将于 {due} 到期。',
    en: '{percent}% of the {clock} target of {target} is used; it falls due {due}.',
  },
  'sla.step.breach': {
    'zh-CN': '{clock}超时：目标 {target}已于 {due} 到期。',
    en: 'The {clock} target of {target} was breached at {due}.',
  },
  'sla.step.escalation': {
    'zh-CN': '{clock}{moment}，升级处理：{actions}。',
    en: 'The {clock} clock {moment}: escalating — {actions}.',
  },
} satisfies Record<string, LocalizedText>;

export type SlaMessageCode = keyof typeof slaMessages;

/**
 * An explanation with its texts. A param that is a LocalizedText is read in each language; every param is kept
 * as given for machines.
 */
export function slaExplanation(code: SlaMessageCode, params: Record<string, unknown> = {}): Explanation {
  const template = slaMessages[code];
  return {
    code,
    params,
    text: {
      'zh-CN': formatMessageIn('zh-CN', template['zh-CN'], params),
      en: formatMessageIn('en', template.en, params),
    },
  };
}

export const CLOCK_NAMES: Record<'firstResponse' | 'resolution', LocalizedText> = {
  firstResponse: { 'zh-CN': '首次响应', en: 'first-response' },
  resolution: { 'zh-CN': '解决', en: 'resolution' },
};

export const STOP_REASONS: Record<'responded' | 'resolved' | 'closed' | 'cancelled', LocalizedText> = {
  responded: { 'zh-CN': '已首次响应', en: 'first response given' },
  resolved: { 'zh-CN': '已解决', en: 'resolved' },
  closed: { 'zh-CN': '已关闭', en: 'closed' },
  cancelled: { 'zh-CN': '已取消', en: 'cancelled' },
};

export const STATUS_CATEGORY_NAMES: Record<string, LocalizedText> = {
  new: { 'zh-CN': '新建', en: 'new' },
  open: { 'zh-CN': '处理中', en: 'open' },
  pending: { 'zh-CN': '等待中', en: 'pending' },
  resolved: { 'zh-CN': '已解决', en: 'resolved' },
  closed: { 'zh-CN': '已关闭', en: 'closed' },
  cancelled: { 'zh-CN': '已取消', en: 'cancelled' },
};
