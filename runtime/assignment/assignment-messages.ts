import type { LocalizedText } from '../common/types.js';

export const assignmentMessages = {
  'assignment.roundRobin': {
    'zh-CN':
      '按轮流分配交给 {assignee}（团队“{team}”的第 {turn} 次轮转，在 {candidates} 位可接单的成员中依次轮到此人）。{skippedNote}',
    en: 'Assigned to {assignee} by round robin (turn {turn} of team “{team}”, taken in order by its {candidates} available members).{skippedNote}',
  },
  'assignment.leastLoaded': {
    'zh-CN':
      '按负载最少交给 {assignee}（当前 {openTickets} 张未结工单，团队“{team}”中最少）。{tieNote}{skippedNote}',
    en: 'Assigned to {assignee}, the least loaded member of team “{team}” ({openTickets} open tickets).{tieNote}{skippedNote}',
  },
  'assignment.skills': {
    'zh-CN':
      '按技能匹配交给 {assignee}：具备所需技能（{skills}），且在 {candidates} 位符合条件的成员中负载最少（{openTickets} 张未结工单）。{tieNote}{skippedNote}',
    en: 'Assigned to {assignee}: holds the required skills ({skills}) and is the least loaded of {candidates} qualifying members ({openTickets} open tickets).{tieNote}{skippedNote}',
  },
  'assignment.direct': {
    'zh-CN': '按规则直接指派给 {assignee}。',
    en: 'Assigned directly to {assignee}, as the rule names.',
  },
  'assignment.requesterManager': {
    'zh-CN': '指派给提单人的直属上级 {assignee}。',
    en: "Assigned to the requester's manager, {assignee}.",
  },
  'assignment.tieNote': {
    'zh-CN': '有多位成员负载相同，由他们依次轮流承接。',
    en: ' Several members had the same load; they take such tickets in turn (the round-robin order decided).',
  },
  'assignment.skippedNote': {
    'zh-CN': '已跳过：{skipped}。',
    en: ' Skipped: {skipped}.',
  },
  'assignment.queued': {
    'zh-CN': '团队“{team}”没有可接单的成员（{reasons}），工单进入团队队列，并通知主管{supervisor}。',
    en: 'No member of team “{team}” can take the ticket ({reasons}); it waits in the team queue and the supervisor{supervisor} is notified.',
  },
  'assignment.queued.noMembers': {
    'zh-CN': '团队“{team}”没有成员，工单进入团队队列，并通知主管{supervisor}。',
    en: 'Team “{team}” has no members; the ticket waits in the team queue and the supervisor{supervisor} is notified.',
  },
  'assignment.queued.noUser': {
    'zh-CN': '规则要求直接指派，但没有指定人员，工单进入团队“{team}”的队列，并通知主管{supervisor}。',
    en: 'The rule assigns directly but names nobody; the ticket waits in the queue of team “{team}” and the supervisor{supervisor} is notified.',
  },
  'assignment.queued.userAway': {
    'zh-CN':
      '指定人员 {user} 暂时不在（至 {awayUntil}），工单进入团队“{team}”的队列，并通知主管{supervisor}。',
    en: 'The named person {user} is away (until {awayUntil}); the ticket waits in the queue of team “{team}” and the supervisor{supervisor} is notified.',
  },
  'assignment.queued.noManager': {
    'zh-CN': '提单人没有登记直属上级，工单进入团队“{team}”的队列，并通知主管{supervisor}。',
    en: 'The requester has no manager on record; the ticket waits in the queue of team “{team}” and the supervisor{supervisor} is notified.',
  },
  'assignment.queued.managerAway': {
    'zh-CN':
      '提单人的直属上级 {user} 暂时不在（至 {awayUntil}），工单进入团队“{team}”的队列，并通知主管{supervisor}。',
    en: "The requester's manager {user} is away (until {awayUntil}); the ticket waits in the queue of team “{team}” and the supervisor{supervisor} is notified.",
  },
  'assignment.reason.away': { 'zh-CN': '{count} 人不在', en: '{count} away' },
  'assignment.reason.atCapacity': { 'zh-CN': '{count} 人已达接单上限', en: '{count} at capacity' },
  'assignment.reason.missingSkills': {
    'zh-CN': '{count} 人技能不足',
    en: '{count} without the required skills',
  },
  'assignment.reason.excluded': { 'zh-CN': '{count} 人被排除', en: '{count} excluded' },
  'assignment.skip.away': { 'zh-CN': '{userId}（不在）', en: '{userId} (away)' },
  'assignment.skip.atCapacity': { 'zh-CN': '{userId}（已达上限）', en: '{userId} (at capacity)' },
  'assignment.skip.missingSkills': { 'zh-CN': '{userId}（技能不足）', en: '{userId} (missing skills)' },
  'assignment.skip.excluded': { 'zh-CN': '{userId}（被排除）', en: '{userId} (excluded)' },
} satisfies Record<string, LocalizedText>;

export type AssignmentMessageCode = keyof typeof assignmentMessages;
