/**
 * Every message the flow runner and the engine can answer with: a stable code and texts for an analyst, an agent
 * or a requester. `{name}` placeholders are filled from the error params.
 */
import { localize } from '../common/types.js';
import type { LocalizedText } from '../common/types.js';
import type { EngineErrorShape } from './types.js';

export const ENGINE_MESSAGES = {
  'flow.step-limit-exceeded': {
    'zh-CN': '流程在一次处理中运行了超过 {limit} 个节点，可能存在没有人工或等待步骤的循环，已停止。',
    en: 'The flow ran more than {limit} steps in one go; it probably loops without a human or wait step, so it was stopped.',
  },
  'flow.node-missing': {
    'zh-CN': '流程中找不到节点“{nodeId}”。',
    en: 'The flow has no step "{nodeId}".',
  },
  'flow.start-missing': {
    'zh-CN': '流程没有开始节点。',
    en: 'The flow has no start step.',
  },
  'flow.unknown-node-kind': {
    'zh-CN': '节点“{nodeId}”的类型“{kind}”不受支持。',
    en: 'Step "{nodeId}" has the unsupported kind "{kind}".',
  },
  'flow.no-edge-for-outcome': {
    'zh-CN': '节点“{nodeId}”没有与结果“{outcome}”相连的连线。',
    en: 'Step "{nodeId}" has no connection for the outcome "{outcome}".',
  },
  'flow.ambiguous-exit': {
    'zh-CN': '节点“{nodeId}”的结果“{outcome}”连接了多条连线，无法确定下一步。',
    en: 'Step "{nodeId}" has several connections for the outcome "{outcome}"; the next step is ambiguous.',
  },
  'flow.no-branch-matched': {
    'zh-CN': '条件分支“{nodeId}”没有满足的条件，也没有默认分支。',
    en: 'No condition of the decision "{nodeId}" matched and it has no default path.',
  },
  'flow.calendar-unknown': {
    'zh-CN': '找不到工作日历“{calendar}”。',
    en: 'The business calendar "{calendar}" does not exist.',
  },
  'flow.no-earlier-step': {
    'zh-CN': '节点“{nodeId}”之前没有可退回的人工步骤。',
    en: 'There is no earlier human step before "{nodeId}" to go back to.',
  },
  'command.unknown': {
    'zh-CN': '不认识的操作“{command}”。',
    en: 'Unknown action "{command}".',
  },
  'command.invalid': {
    'zh-CN': '操作“{command}”缺少或带有无效的字段“{field}”。',
    en: 'The action "{command}" is missing or has an invalid "{field}".',
  },
  'ticket.already-open': {
    'zh-CN': '工单已经创建，不能再次创建。',
    en: 'This ticket already exists; it cannot be opened again.',
  },
  'open.team-unknown': {
    'zh-CN': '找不到团队“{team}”，工单无法放入它的队列。',
    en: 'There is no team "{team}" to take the ticket.',
  },
  'ticket.not-open': {
    'zh-CN': '工单尚未创建。',
    en: 'This ticket has not been opened yet.',
  },
  'ticket.finished': {
    'zh-CN': '工单已{category}，不能再执行“{command}”。',
    en: 'The ticket is {category}; "{command}" is no longer possible.',
  },
  'ticket.type-mismatch': {
    'zh-CN': '工单类型或版本与定义不一致。',
    en: 'The ticket was opened on another type or version than this definition.',
  },
  'ticket.state-version-unsupported': {
    'zh-CN': '工单数据版本 {stateVersion} 不受支持。',
    en: 'Ticket data version {stateVersion} is not supported.',
  },
  'actor.forbidden': {
    'zh-CN': '你无权对该工单执行“{command}”。',
    en: 'You are not allowed to "{command}" on this ticket.',
  },
  'actor.requester-only': {
    'zh-CN': '只有提单人可以执行“{command}”。',
    en: 'Only the requester can "{command}".',
  },
  'actor.system-only': {
    'zh-CN': '“{command}”只能由系统触发。',
    en: '"{command}" can only be sent by the system.',
  },
  'step.not-waiting': {
    'zh-CN': '当前没有等待“{command}”的步骤。',
    en: 'No current step is waiting for "{command}".',
  },
  'step.ambiguous': {
    'zh-CN': '有多个步骤可以执行“{command}”，请指明步骤。',
    en: 'Several current steps accept "{command}"; say which step.',
  },
  'step.outcome-required': {
    'zh-CN': '请选择一个处理结果：{outcomes}。',
    en: 'Choose an outcome: {outcomes}.',
  },
  'step.outcome-unknown': {
    'zh-CN': '步骤“{nodeId}”没有处理结果“{outcome}”，可选：{outcomes}。',
    en: 'Step "{nodeId}" has no outcome "{outcome}"; choose one of: {outcomes}.',
  },
  'approval.not-approver': {
    'zh-CN': '你不是步骤“{nodeId}”当前的审批人。',
    en: 'You are not a current approver of step "{nodeId}".',
  },
  'approval.send-back-disabled': {
    'zh-CN': '步骤“{nodeId}”不允许退回。',
    en: 'Step "{nodeId}" does not allow sending back.',
  },
  'approval.send-back-target': {
    'zh-CN': '只能退回到本次经过的更早的人工步骤（{allowed}），不能退回到“{target}”。',
    en: 'You can only send back to an earlier human step on the path taken ({allowed}), not to "{target}".',
  },
  'approval.delegate-disabled': {
    'zh-CN': '步骤“{nodeId}”不允许转交审批。',
    en: 'Step "{nodeId}" does not allow delegating.',
  },
  'approval.delegate-target': {
    'zh-CN': '不能把审批转交给“{target}”。',
    en: 'The approval cannot be delegated to "{target}".',
  },
  'timer.unknown': {
    'zh-CN': '没有等待定时器“{key}”的步骤（可能已处理）。',
    en: 'No step waits for the timer "{key}" (it may have been handled already).',
  },
  'subticket.unknown': {
    'zh-CN': '没有等待子工单“{key}”的步骤。',
    en: 'No step waits for the sub-ticket "{key}".',
  },
  'subticket.already-recorded': {
    'zh-CN': '子工单“{key}”已经记录在本工单上。',
    en: 'The sub-ticket "{key}" is already recorded on this ticket.',
  },
  'subticket.too-many': {
    'zh-CN': '一张工单最多记录 {max} 张子工单。',
    en: 'A ticket records at most {max} sub-tickets.',
  },
  'effect.already-reported': {
    'zh-CN': '后续动作“{key}”的失败已经记录过。',
    en: 'The failure of the follow-up "{key}" is already recorded.',
  },
  'form.invalid': {
    'zh-CN': '表单填写有误：{detail}',
    en: 'The form has errors: {detail}',
  },
  'form.not-editable': {
    'zh-CN': '字段“{field}”在当前步骤不可修改。',
    en: 'The field "{field}" cannot be changed at this step.',
  },
  'status.unknown': {
    'zh-CN': '工单类型没有状态“{status}”。',
    en: 'The ticket type has no status "{status}".',
  },
  'status.not-settable': {
    'zh-CN': '不能直接把状态改为“{status}”，请使用解决、关闭或取消操作。',
    en: 'The status cannot be set to "{status}" directly; use resolve, confirm or cancel.',
  },
  'status.unchanged': {
    'zh-CN': '工单已经是状态“{status}”。',
    en: 'The ticket is already in status "{status}".',
  },
  'assign.target-required': {
    'zh-CN': '请指定处理人或团队。',
    en: 'Name a person or a team.',
  },
  'claim.already-assigned': {
    'zh-CN': '工单已由 {assignee} 处理。',
    en: 'The ticket is already assigned to {assignee}.',
  },
  'rate.already': {
    'zh-CN': '该工单已评价过，每张工单只能评价一次。',
    en: 'This ticket has already been rated; one rating per ticket.',
  },
  'rate.not-yet': {
    'zh-CN': '工单解决后才能评价。',
    en: 'The ticket can be rated once it is resolved.',
  },
  'reopen.not-resolved': {
    'zh-CN': '只有待确认的工单可以重新打开。',
    en: 'Only a ticket awaiting confirmation can be reopened.',
  },
  'resolve.not-possible': {
    'zh-CN': '当前状态下不能解决该工单。',
    en: 'The ticket cannot be resolved in its current state.',
  },
  'command.too-long': {
    'zh-CN': '“{field}”最多 {max} 个字符。',
    en: '"{field}" can be at most {max} characters long.',
  },
  'watch.already-watching': {
    'zh-CN': '{user} 已在关注该工单。',
    en: '{user} is already watching this ticket.',
  },
  'watch.not-watching': {
    'zh-CN': '{user} 没有关注该工单。',
    en: '{user} is not watching this ticket.',
  },
  'watch.user-required': {
    'zh-CN': '请指定要关注（或取消关注）工单的用户。',
    en: 'Name the user who should watch (or stop watching) the ticket.',
  },
  'watch.others-forbidden': {
    'zh-CN': '只有正在处理该工单的人员可以替他人关注或取消关注。',
    en: 'Only people working the ticket can make someone else watch it or stop watching it.',
  },
  'watch.too-many': {
    'zh-CN': '一张工单最多 {max} 位关注人。',
    en: 'A ticket can have at most {max} watchers.',
  },
  'link.url-invalid': {
    'zh-CN': '链接地址必须是以 http:// 或 https:// 开头的完整网址，且不能包含用户名或密码。',
    en: 'The link address must be a full web address starting with http:// or https://, without a user name or password.',
  },
  'link.duplicate': {
    'zh-CN': '工单已关联 {system} 的{type}“{id}”，无需重复关联。',
    en: 'The ticket is already linked to {system} {type} "{id}".',
  },
  'link.not-found': {
    'zh-CN': '工单没有关联 {system} 的{type}“{id}”。',
    en: 'The ticket has no link to {system} {type} "{id}".',
  },
  'link.none': {
    'zh-CN': '该工单没有关联其他系统的记录。',
    en: 'This ticket has no links to records in other systems.',
  },
  'link.too-many': {
    'zh-CN': '一张工单最多关联 {max} 条外部记录。',
    en: 'A ticket can link to at most {max} records in other systems.',
  },
  'link.not-yours': {
    'zh-CN': '你只能移除自己添加的关联。',
    en: 'You can only remove links you added yourself.',
  },
  'rule.failed': {
    'zh-CN': '条件“{path}”计算失败，按不满足处理：{reason}',
    en: 'The condition "{path}" failed and counts as not met: {reason}',
  },
} satisfies Record<string, LocalizedText>;

export type EngineMessageCode = keyof typeof ENGINE_MESSAGES;

export function engineError(
  code: EngineMessageCode,
  params: Record<string, unknown> = {},
  field?: string,
): EngineErrorShape {
  const error: EngineErrorShape = { code, message: localize(ENGINE_MESSAGES[code], params) };
  if (field !== undefined) error.field = field;
  return error;
}
