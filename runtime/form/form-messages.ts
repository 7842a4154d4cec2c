import type { LocalizedText } from '../common/types.js';

/**
 * Messages a requester or an agent reads when a form is refused; `{label}` is the field's label in the reader's
 * language, `{where}` says which row or part of the field when the problem is inside it.
 */
export const formMessages = {
  'form.required': { 'zh-CN': '请填写“{label}”{where}', en: '“{label}”{where} is required' },
  'form.type': {
    'zh-CN': '“{label}”{where}的值类型不对，应为{expected}',
    en: '“{label}”{where} must be {expected}',
  },
  'form.minLength': {
    'zh-CN': '“{label}”{where}至少需要 {limit} 个字符',
    en: '“{label}”{where} needs at least {limit} characters',
  },
  'form.maxLength': {
    'zh-CN': '“{label}”{where}最多 {limit} 个字符',
    en: '“{label}”{where} may have at most {limit} characters',
  },
  'form.minimum': {
    'zh-CN': '“{label}”{where}不能小于 {limit}',
    en: '“{label}”{where} must be at least {limit}',
  },
  'form.maximum': {
    'zh-CN': '“{label}”{where}不能大于 {limit}',
    en: '“{label}”{where} must be at most {limit}',
  },
  'form.exclusiveMinimum': {
    'zh-CN': '“{label}”{where}必须大于 {limit}',
    en: '“{label}”{where} must be greater than {limit}',
  },
  'form.exclusiveMaximum': {
    'zh-CN': '“{label}”{where}必须小于 {limit}',
    en: '“{label}”{where} must be less than {limit}',
  },
  'form.multipleOf': {
    'zh-CN': '“{label}”{where}必须是 {limit} 的整数倍',
    en: '“{label}”{where} must be a multiple of {limit}',
  },
  'form.pattern': {
    'zh-CN': '“{label}”{where}的格式不正确',
    en: '“{label}”{where} is not in the expected format',
  },
  'form.format': {
    'zh-CN': '“{label}”{where}不是有效的{format}',
    en: '“{label}”{where} is not a valid {format}',
  },
  'form.enum': {
    'zh-CN': '“{label}”{where}只能从给定选项中选择',
    en: '“{label}”{where} must be one of the offered choices',
  },
  'form.minItems': {
    'zh-CN': '“{label}”{where}至少需要 {limit} 项',
    en: '“{label}”{where} needs at least {limit} items',
  },
  'form.maxItems': {
    'zh-CN': '“{label}”{where}最多 {limit} 项',
    en: '“{label}”{where} may have at most {limit} items',
  },
  'form.uniqueItems': {
    'zh-CN': '“{label}”{where}中有重复项',
    en: '“{label}”{where} has the same item twice',
  },
  'form.invalid': { 'zh-CN': '“{label}”{where}的值无效', en: '“{label}”{where} is not valid' },
  'form.readOnly': {
    'zh-CN': '“{label}”在此处不可修改',
    en: '“{label}” cannot be changed here',
  },
  'form.ruleFailed': {
    'zh-CN': '字段“{label}”的{ruleName}无法计算，已按默认处理：{reason}',
    en: 'The {ruleName} of the field “{label}” could not be evaluated and its default was used: {reason}',
  },
  'form.schemaInvalid': {
    'zh-CN': '表单的数据结构无法使用，填写的值未做格式校验：{detail}',
    en: 'The form’s data schema cannot be used, so values were not checked: {detail}',
  },
  'form.fieldKey': {
    'zh-CN':
      '字段标识“{field}”无效：不能为空，不能包含“.”，不能以“$”开头，也不能是 __proto__、constructor 或 prototype',
    en: 'The field key “{field}” is not valid: it must not be empty, contain “.”, start with “$”, or be __proto__, constructor or prototype',
  },
  'form.unknownField': {
    'zh-CN': '布局中的字段“{field}”没有在数据结构中定义',
    en: 'The layout shows the field “{field}”, which the data schema does not define',
  },
  'form.duplicateField': {
    'zh-CN': '字段“{field}”在表单布局中出现了不止一次',
    en: 'The field “{field}” appears more than once in the form layout',
  },
  'form.duplicateSection': {
    'zh-CN': '分组标识“{section}”重复',
    en: 'The section key “{section}” is used twice',
  },
  'form.widgetMismatch': {
    'zh-CN': '字段“{field}”使用“{widget}”控件，但数据结构中的类型是 {type}（应为 {expected}）',
    en: 'The field “{field}” uses the “{widget}” widget but its data type is {type} (expected {expected})',
  },
  'form.unknownStepField': {
    'zh-CN': '步骤“{stepId}”的字段权限提到了表单中没有的字段“{field}”',
    en: 'The field rights of step “{stepId}” name the field “{field}”, which the form does not have',
  },
} satisfies Record<string, LocalizedText>;

export type FormMessageCode = keyof typeof formMessages;

export const RULE_NAMES: Record<'visibleWhen' | 'requiredWhen' | 'readOnlyWhen', LocalizedText> = {
  visibleWhen: { 'zh-CN': '显示条件', en: 'visibility rule' },
  requiredWhen: { 'zh-CN': '必填条件', en: 'required rule' },
  readOnlyWhen: { 'zh-CN': '只读条件', en: 'read-only rule' },
};

export const TYPE_NAMES: Record<string, LocalizedText> = {
  string: { 'zh-CN': '文字', en: 'a text' },
  number: { 'zh-CN': '数字', en: 'a number' },
  integer: { 'zh-CN': '整数', en: 'a whole number' },
  boolean: { 'zh-CN': '是/否', en: 'yes or no' },
  array: { 'zh-CN': '列表', en: 'a list' },
  object: { 'zh-CN': '对象', en: 'an object' },
  null: { 'zh-CN': '空值', en: 'empty' },
};

export const FORMAT_NAMES: Record<string, LocalizedText> = {
  date: { 'zh-CN': '日期', en: 'date' },
  'date-time': { 'zh-CN': '日期时间', en: 'date and time' },
  time: { 'zh-CN': '时间', en: 'time' },
  email: { 'zh-CN': '电子邮箱地址', en: 'email address' },
  uri: { 'zh-CN': '网址', en: 'web address' },
  url: { 'zh-CN': '网址', en: 'web address' },
  ipv4: { 'zh-CN': 'IPv4 地址', en: 'IPv4 address' },
  ipv6: { 'zh-CN': 'IPv6 地址', en: 'IPv6 address' },
  hostname: { 'zh-CN': '主机名', en: 'host name' },
  uuid: { 'zh-CN': 'UUID', en: 'UUID' },
};
