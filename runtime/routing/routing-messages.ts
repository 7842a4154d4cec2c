import type { LocalizedText, Priority } from '../common/types.js';
import type { AssignmentStrategy } from './routing-rules.schema.js';

export const PRIORITY_NAMES: Record<Priority, LocalizedText> = {
  urgent: { 'zh-CN': '紧急', en: 'urgent' },
  high: { 'zh-CN': '高', en: 'high' },
  medium: { 'zh-CN': '中', en: 'medium' },
  low: { 'zh-CN': '低', en: 'low' },
};

export const STRATEGY_NAMES: Record<AssignmentStrategy, LocalizedText> = {
  'round-robin': { 'zh-CN': '轮流分配', en: 'round robin' },
  'least-loaded': { 'zh-CN': '负载最少者优先', en: 'least loaded first' },
  skills: { 'zh-CN': '按技能匹配', en: 'matching skills' },
  direct: { 'zh-CN': '指定人员', en: 'a named person' },
  'requester-manager': { 'zh-CN': '提单人的直属上级', en: "the requester's manager" },
};

export const routingMessages = {
  'routing.matched': {
    'zh-CN':
      '命中第 {position} 条分派规则“{ruleId}”：{reason}；交给团队“{team}”，分配方式：{strategyName}。{skippedNote}',
    en: 'Matched routing rule #{position} “{ruleId}”: {reason}; sent to team “{team}”, assigned by {strategyName}.{skippedNote}',
  },
  'routing.reason.condition': {
    'zh-CN': '条件成立',
    en: 'its condition holds',
  },
  'routing.reason.conditionWithValues': {
    'zh-CN': '条件成立（{values}）',
    en: 'its condition holds ({values})',
  },
  'routing.reason.default': {
    'zh-CN': '前面的规则都不适用，使用默认规则',
    en: 'no earlier rule applied, so the default rule is used',
  },
  'routing.skippedNote': {
    'zh-CN': '（无法计算、已跳过的规则：{ruleIds}）',
    en: ' (rules that could not be evaluated and were skipped: {ruleIds})',
  },
  'routing.noRules': {
    'zh-CN': '没有配置分派规则',
    en: 'No routing rules are configured',
  },
  'routing.noMatch': {
    'zh-CN': '没有任何分派规则适用于这张工单（缺少默认规则，或默认规则无法计算）',
    en: 'No routing rule applies to this ticket (the default rule is missing or could not be evaluated)',
  },
  'routing.ruleFailed': {
    'zh-CN': '分派规则“{ruleId}”无法计算，已跳过：{reason}',
    en: 'Routing rule “{ruleId}” could not be evaluated and was skipped: {reason}',
  },
  'routing.skillUnresolved': {
    'zh-CN': '分派规则“{ruleId}”的第 {position} 项技能要求没有得到技能名称，已忽略',
    en: 'Skill requirement #{position} of routing rule “{ruleId}” did not give a skill name and was ignored',
  },
  'routing.noDefault': {
    'zh-CN': '分派规则的最后一条必须是默认规则（条件为“总是”），以保证每张工单都有去处',
    en: 'The last routing rule must be a default rule (condition “always”) so every ticket goes somewhere',
  },
  'routing.unreachable': {
    'zh-CN': '分派规则“{ruleId}”永远不会被用到：它前面的默认规则“{defaultId}”已经适用于所有工单',
    en: 'Routing rule “{ruleId}” is never used: the default rule “{defaultId}” before it already applies to every ticket',
  },
  'routing.duplicateId': {
    'zh-CN': '分派规则标识“{ruleId}”重复出现（第 {first} 条和第 {second} 条）',
    en: 'The routing rule id “{ruleId}” is used twice (rules #{first} and #{second})',
  },
  'routing.directNeedsUser': {
    'zh-CN': '分派规则“{ruleId}”选择了“指定人员”，但没有指定人员',
    en: 'Routing rule “{ruleId}” assigns to a named person but names nobody',
  },
  'priority.matrix': {
    'zh-CN': '按影响×紧急度矩阵：{rowName}为 {row}，{columnName}为 {column}，优先级为“{priorityName}”。',
    en: 'From the impact × urgency matrix: {rowName} is {row} and {columnName} is {column}, so the priority is {priorityName}.',
  },
  'priority.matrixNoCell': {
    'zh-CN': '影响×紧急度矩阵中没有“{row} × {column}”这一格，使用默认优先级“{priorityName}”。',
    en: 'The impact × urgency matrix has no cell for {row} × {column}; the default priority {priorityName} is used.',
  },
  'priority.rule': {
    'zh-CN': '命中第 {position} 条优先级规则“{ruleId}”，优先级为“{priorityName}”。{skippedNote}',
    en: 'Priority rule #{position} “{ruleId}” applies, so the priority is {priorityName}.{skippedNote}',
  },
  'priority.default': {
    'zh-CN': '没有优先级规则适用，使用默认优先级“{priorityName}”。{skippedNote}',
    en: 'No priority rule applies; the default priority {priorityName} is used.{skippedNote}',
  },
  'priority.ruleFailed': {
    'zh-CN': '优先级规则“{ruleId}”无法计算，已跳过：{reason}',
    en: 'Priority rule “{ruleId}” could not be evaluated and was skipped: {reason}',
  },
  'priority.matrixFailed': {
    'zh-CN': '影响×紧急度矩阵无法计算：{reason}',
    en: 'The impact × urgency matrix could not be evaluated: {reason}',
  },
  'priority.setByRouting': {
    'zh-CN': '分派规则“{ruleId}”将优先级设为“{priorityName}”（原为“{previousName}”）。',
    en: 'Routing rule “{ruleId}” sets the priority to {priorityName} (it was {previousName}).',
  },
  'priority.raised': {
    'zh-CN': '分派规则“{ruleId}”要求优先级至少为“{atLeastName}”，已从“{previousName}”提升。',
    en: 'Routing rule “{ruleId}” requires at least {atLeastName} priority, so it was raised from {previousName}.',
  },
  'priority.alreadyAtLeast': {
    'zh-CN': '分派规则“{ruleId}”要求优先级至少为“{atLeastName}”，当前“{priorityName}”已满足。',
    en: 'Routing rule “{ruleId}” requires at least {atLeastName} priority; the current {priorityName} already meets it.',
  },
  'priority.unchanged': {
    'zh-CN': '分派规则“{ruleId}”没有改变优先级，保持“{priorityName}”。',
    en: 'Routing rule “{ruleId}” does not change the priority; it stays {priorityName}.',
  },
  'priority.duplicateId': {
    'zh-CN': '优先级规则标识“{ruleId}”重复出现（第 {first} 条和第 {second} 条）',
    en: 'The priority rule id “{ruleId}” is used twice (rules #{first} and #{second})',
  },
} satisfies Record<string, LocalizedText>;

export type RoutingMessageCode = keyof typeof routingMessages;
