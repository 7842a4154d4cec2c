import type { LocalizedText } from '../common/types.js';

/** Texts for every problem a rule can report, written for the analyst who wrote the rule. */
export const ruleMessages = {
  'rule.unknownOperation': {
    'zh-CN': '规则中使用了不支持的操作“{operation}”',
    en: 'The rule uses the operation "{operation}", which is not supported',
  },
  'rule.malformedOperation': {
    'zh-CN': '规则中的每个条件对象必须恰好包含一个操作，这里有 {count} 个',
    en: 'Each condition object in a rule must hold exactly one operation; this one holds {count}',
  },
  'rule.forbiddenPath': {
    'zh-CN': '规则引用的字段路径“{path}”不允许使用',
    en: 'The rule refers to the field path "{path}", which is not allowed',
  },
  'rule.tooComplex': {
    'zh-CN': '规则过于复杂（嵌套超过 {maxDepth} 层或超过 {maxNodes} 个元素），请拆分',
    en: 'The rule is too complex (more than {maxDepth} levels or {maxNodes} parts); please split it',
  },
  'rule.wrongArity': {
    'zh-CN': '操作“{operation}”需要 {expected} 个参数，这里给了 {actual} 个',
    en: 'The operation "{operation}" needs {expected} arguments; {actual} were given',
  },
  'rule.evaluationFailed': {
    'zh-CN': '规则无法计算：{reason}',
    en: 'The rule could not be evaluated: {reason}',
  },
  'rule.calendarMissing': {
    'zh-CN': '规则需要工作日历（“{operation}”），但没有提供',
    en: 'The rule needs a business calendar ("{operation}") but none was given',
  },
  'rule.clockMissing': {
    'zh-CN': '规则需要当前时间（“{operation}”），但没有提供',
    en: 'The rule needs the current time ("{operation}") but none was given',
  },
  'rule.invalidDate': {
    'zh-CN': '“{operation}”收到的值“{value}”不是有效的日期时间',
    en: '"{operation}" received "{value}", which is not a valid date and time',
  },
  'rule.invalidUnit': {
    'zh-CN': '“{operation}”不支持时间单位“{unit}”（可用：{allowed}）',
    en: '"{operation}" does not support the time unit "{unit}" (allowed: {allowed})',
  },
  'rule.invalidNumber': {
    'zh-CN': '“{operation}”收到的数量“{value}”不是有效数字',
    en: '"{operation}" received the amount "{value}", which is not a valid number',
  },
  'rule.negativeBusinessAmount': {
    'zh-CN': '“{operation}”不能按工作时间减去时长（收到 {value}）',
    en: '"{operation}" cannot subtract business time (it received {value})',
  },
  'rule.noWorkingTime': {
    'zh-CN': '工作日历“{calendar}”之后再没有工作时间，“{operation}”无法得出结果',
    en: 'The business calendar "{calendar}" has no working time from then on, so "{operation}" has no result',
  },
  'rule.invalidKeywords': {
    'zh-CN': '关键词匹配的关键词列表必须是文字或文字列表',
    en: 'The keyword list of a keyword match must be a text or a list of texts',
  },
} satisfies Record<string, LocalizedText>;

export type RuleMessageCode = keyof typeof ruleMessages;
