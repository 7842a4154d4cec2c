/**
 * Every message the definition checks can produce: a stable code and a template in each shipped language.
 * Templates are written for the business analyst who designs the ticket type, not for a programmer. `{name}`
 * placeholders are filled from the problem's params; a param that is itself a LocalizedText is read in the
 * template's language, and a list is joined the way that language joins lists.
 */
import type { Locale, LocalizedText, Problem } from '../common/types.js';
import { formatMessage } from '../common/types.js';

export const definitionMessages = {
  // ---- Shape problems translated from JSON Schema (ajv) errors -------------------------------------------------
  'definition.required': { 'zh-CN': '缺少必填项“{label}”{at}', en: 'The {label} is required{at}.' },
  'definition.type': { 'zh-CN': '“{label}”应为{expected}{at}', en: 'The {label} must be {expected}{at}.' },
  'definition.enum': {
    'zh-CN': '“{label}”的值“{value}”不在可选范围内{at}，可选：{allowed}',
    en: 'The value “{value}” of the {label} is not one of the allowed values{at}: {allowed}.',
  },
  'definition.const': { 'zh-CN': '“{label}”只能是 {allowed}{at}', en: 'The {label} must be {allowed}{at}.' },
  'definition.additionalProperty': {
    'zh-CN': '“{property}”不是“{label}”中可用的设置项{at}，请删除或检查拼写',
    en: '“{property}” is not a known setting of the {label}{at}; remove it or check its spelling.',
  },
  'definition.propertyName': {
    'zh-CN': '“{property}”不能用作“{label}”中的名称{at}',
    en: '“{property}” cannot be used as a name in the {label}{at}.',
  },
  'definition.pattern': {
    'zh-CN': '“{label}”的写法不正确{at}：{hint}',
    en: 'The {label} is not written correctly{at}: {hint}.',
  },
  'definition.format': {
    'zh-CN': '“{label}”不是有效的{format}{at}',
    en: 'The {label} is not a valid {format}{at}.',
  },
  'definition.minLength': {
    'zh-CN': '“{label}”至少需要 {limit} 个字符{at}',
    en: 'The {label} must have at least {limit} character(s){at}.',
  },
  'definition.maxLength': {
    'zh-CN': '“{label}”最多 {limit} 个字符{at}',
    en: 'The {label} must have at most {limit} character(s){at}.',
  },
  'definition.minimum': {
    'zh-CN': '“{label}”不能小于 {limit}{at}',
    en: 'The {label} must be at least {limit}{at}.',
  },
  'definition.maximum': {
    'zh-CN': '“{label}”不能大于 {limit}{at}',
    en: 'The {label} must be at most {limit}{at}.',
  },
  'definition.exclusiveMinimum': {
    'zh-CN': '“{label}”必须大于 {limit}{at}',
    en: 'The {label} must be greater than {limit}{at}.',
  },
  'definition.exclusiveMaximum': {
    'zh-CN': '“{label}”必须小于 {limit}{at}',
    en: 'The {label} must be less than {limit}{at}.',
  },
  'definition.multipleOf': {
    'zh-CN': '“{label}”必须是 {limit} 的整数倍{at}',
    en: 'The {label} must be a multiple of {limit}{at}.',
  },
  'definition.minItems': {
    'zh-CN': '“{label}”至少需要 {limit} 项{at}',
    en: 'The {label} needs at least {limit} item(s){at}.',
  },
  'definition.maxItems': {
    'zh-CN': '“{label}”最多 {limit} 项{at}',
    en: 'The {label} allows at most {limit} item(s){at}.',
  },
  'definition.uniqueItems': {
    'zh-CN': '“{label}”中第 {first} 项与第 {second} 项重复{at}',
    en: 'Items {first} and {second} of the {label} are the same{at}.',
  },
  'definition.minProperties': {
    'zh-CN': '“{label}”至少需要 {limit} 个设置项{at}',
    en: 'The {label} needs at least {limit} entry(ies){at}.',
  },
  'definition.maxProperties': {
    'zh-CN': '“{label}”最多 {limit} 个设置项{at}',
    en: 'The {label} allows at most {limit} entry(ies){at}.',
  },
  'definition.dependentRequired': {
    'zh-CN': '填写了“{property}”时，还需要填写“{label}”{at}',
    en: 'When “{property}” is set, the {label} is required too{at}.',
  },
  'definition.anyOf': {
    'zh-CN': '“{label}”的写法不符合任何一种允许的形式{at}',
    en: 'The {label} does not match any of the allowed forms{at}.',
  },
  'definition.oneOf': {
    'zh-CN': '“{label}”应当恰好符合一种允许的形式{at}',
    en: 'The {label} must match exactly one of the allowed forms{at}.',
  },
  'definition.not': {
    'zh-CN': '“{label}”不允许取这个值{at}',
    en: 'The {label} may not have this value{at}.',
  },
  'definition.notAllowed': {
    'zh-CN': '这里不允许设置“{label}”{at}',
    en: 'The {label} is not allowed here{at}.',
  },
  'definition.contains': {
    'zh-CN': '“{label}”中缺少符合要求的项{at}',
    en: 'The {label} has no item of the required kind{at}.',
  },
  'definition.invalid': {
    'zh-CN': '“{label}”的值无效{at}（{detail}）',
    en: 'The {label} is invalid{at} ({detail}).',
  },
  'definition.notJson': {
    'zh-CN': '“{label}”中含有无法保存的值（如非数字、无穷大或函数）{at}',
    en: 'The {label} holds a value that cannot be stored (such as NaN, infinity or a function){at}.',
  },
  'definition.dataSchemaUnknownKeyword': {
    'zh-CN': '表单的数据结构中有无法识别的设置“{keyword}”，请检查拼写',
    en: 'The form’s data schema uses the unknown setting “{keyword}”; check its spelling.',
  },
  'definition.dataSchemaInvalid': {
    'zh-CN': '表单的数据结构定义有误：{detail}',
    en: 'The form’s data schema is not valid: {detail}.',
  },

  // ---- Ticket-type envelope -------------------------------------------------------------------------------------
  'definition.notObject': {
    'zh-CN': '工单类型定义应为一个对象（JSON 对象）',
    en: 'A ticket type definition must be an object (a JSON object).',
  },
  'definition.numberFormat.unknownPlaceholder': {
    'zh-CN': '编号格式中的占位符“{placeholder}”无法识别，可用：{allowed}',
    en: 'The number format placeholder “{placeholder}” is not recognised; use one of: {allowed}.',
  },
  'definition.numberFormat.noSequence': {
    'zh-CN': '编号格式必须包含一个序号占位符，例如 {example}，否则工单编号会重复',
    en: 'The number format needs a sequence placeholder such as {example}, otherwise ticket numbers repeat.',
  },
  'definition.numberFormat.multipleSequences': {
    'zh-CN': '编号格式中只能有一个序号占位符',
    en: 'The number format may contain only one sequence placeholder.',
  },
  'definition.numberFormat.sequenceWidth': {
    'zh-CN': '序号位数“{width}”无效，应为 1 到 {max} 之间的整数',
    en: 'The sequence width “{width}” is not valid; use a whole number from 1 to {max}.',
  },
  'definition.numberFormat.unbalancedBrace': {
    'zh-CN': '编号格式中第 {position} 个字符处的花括号没有配对',
    en: 'The brace at character {position} of the number format has no partner.',
  },
  'definition.numberFormat.whitespace': {
    'zh-CN': '编号格式中不能包含空格',
    en: 'The number format must not contain spaces.',
  },
  'definition.zone': {
    'zh-CN': '时区“{zone}”无法识别，请使用 IANA 时区名称，例如 Asia/Shanghai',
    en: 'The time zone “{zone}” is not recognised; use an IANA zone name such as Asia/Shanghai.',
  },
  'definition.statuses.categoryEmpty': {
    'zh-CN': '状态类别“{category}”下至少需要一个状态',
    en: 'Add at least one status to the “{category}” category.',
  },
  'definition.statuses.duplicateKey': {
    'zh-CN': '状态标识“{key}”重复使用了（在“{first}”和“{second}”中），每个状态标识只能用一次',
    en: 'The status key “{key}” is used twice (in “{first}” and “{second}”); each status key must be unique.',
  },
  'definition.fieldKey.empty': {
    'zh-CN': '字段标识不能为空',
    en: 'A field key must not be empty.',
  },
  'definition.fieldKey.dot': {
    'zh-CN': '字段标识“{field}”不能包含英文句点“.”',
    en: 'The field key “{field}” must not contain a dot “.”.',
  },
  'definition.fieldKey.dollar': {
    'zh-CN': '字段标识“{field}”不能以“$”开头',
    en: 'The field key “{field}” must not start with “$”.',
  },
  'definition.fieldKey.reserved': {
    'zh-CN': '字段标识“{field}”是保留字，请换一个名称',
    en: 'The field key “{field}” is reserved; choose another name.',
  },
  'definition.fieldKey.tooLong': {
    'zh-CN': '字段标识“{field}”太长，最多 {max} 个字符',
    en: 'The field key “{field}” is too long; use at most {max} characters.',
  },
  'definition.unexpectedError': {
    'zh-CN': '检查“{part}”时出现意外错误，请联系管理员（{detail}）',
    en: 'An unexpected error occurred while checking the {part}; please contact an administrator ({detail}).',
  },

  // ---- References -------------------------------------------------------------------------------------------------
  'definition.ref.unknownField': {
    'zh-CN': '{where}引用了不存在的表单字段“{field}”',
    en: '{where} refers to the form field “{field}”, which does not exist.',
  },
  'definition.ref.unknownVariable': {
    'zh-CN': '{where}使用了无法识别的变量“{variable}”，可用：{allowed}',
    en: '{where} uses the unknown variable “{variable}”; use one of: {allowed}.',
  },
  'definition.ref.unknownNode': {
    'zh-CN': '{where}引用了流程中不存在的步骤“{node}”',
    en: '{where} refers to the flow step “{node}”, which does not exist.',
  },
  'definition.ref.unknownTeam': {
    'zh-CN': '{where}引用了不存在的团队“{team}”',
    en: '{where} refers to the team “{team}”, which does not exist.',
  },
  'definition.ref.unknownCalendar': {
    'zh-CN': '{where}引用了不存在的工作日历“{calendar}”',
    en: '{where} refers to the business calendar “{calendar}”, which does not exist.',
  },
  'definition.ref.unknownTemplate': {
    'zh-CN': '{where}引用了不存在的通知模板“{template}”',
    en: '{where} refers to the notification template “{template}”, which does not exist.',
  },
  'definition.ref.unknownRole': {
    'zh-CN': '{where}引用了不存在的角色“{role}”',
    en: '{where} refers to the role “{role}”, which does not exist.',
  },
  'definition.ref.unknownUser': {
    'zh-CN': '{where}引用了不存在的用户“{user}”',
    en: '{where} refers to the user “{user}”, which does not exist.',
  },
  'definition.ref.unknownTicketType': {
    'zh-CN': '{where}引用了不存在的工单类型“{ticketType}”',
    en: '{where} refers to the ticket type “{ticketType}”, which does not exist.',
  },
  'definition.ref.unknownStatus': {
    'zh-CN': '{where}引用了不存在的状态或状态类别“{status}”',
    en: '{where} refers to the status or status category “{status}”, which does not exist.',
  },

  // ---- Flow graph -------------------------------------------------------------------------------------------------
  'flow.notObject': {
    'zh-CN': '流程应包含节点列表（nodes）和连线列表（edges）',
    en: 'A flow must have a list of nodes and a list of edges.',
  },
  'flow.start.missing': { 'zh-CN': '流程缺少开始节点', en: 'The flow has no start node.' },
  'flow.start.multiple': {
    'zh-CN': '流程只能有一个开始节点，“{node}”是多余的',
    en: 'A flow may have only one start node; “{node}” is one too many.',
  },
  'flow.start.incoming': {
    'zh-CN': '开始节点“{node}”不能有指向它的连线',
    en: 'No connection may lead into the start node “{node}”.',
  },
  'flow.end.missing': { 'zh-CN': '流程缺少结束节点', en: 'The flow has no end node.' },
  'flow.end.outgoing': {
    'zh-CN': '结束节点“{node}”之后不能再有连线',
    en: 'No connection may leave the end node “{node}”.',
  },
  'flow.node.duplicateId': {
    'zh-CN': '节点标识“{id}”重复使用了',
    en: 'The node id “{id}” is used more than once.',
  },
  'flow.node.unknownType': {
    'zh-CN': '节点“{node}”的类型“{type}”无法识别，可用：{allowed}',
    en: 'The node “{node}” has the unknown type “{type}”; use one of: {allowed}.',
  },
  'flow.node.unreachable': {
    'zh-CN': '从开始节点无法到达节点“{node}”',
    en: 'The node “{node}” cannot be reached from the start.',
  },
  'flow.node.deadEnd': {
    'zh-CN': '节点“{node}”之后没有连线，流程会停在这里而无法结束',
    en: 'Nothing follows the node “{node}”: the flow would stop there without ending.',
  },
  'flow.node.ambiguousExit': {
    'zh-CN': '节点“{node}”有 {count} 条出线，但它只能走一条；请用排他网关或结果来区分',
    en: 'The node “{node}” has {count} outgoing connections but can only follow one; use an exclusive gateway or outcomes.',
  },
  'flow.loop.noExit': {
    'zh-CN': '节点 {nodes} 构成的循环没有出口，流程无法结束',
    en: 'The loop through {nodes} has no way out; the flow could never end.',
  },
  'flow.cycle.automatic': {
    'zh-CN': '节点 {nodes} 构成的循环中没有人工步骤或等待步骤，会无限自动循环',
    en: 'The loop through {nodes} has no human or wait step, so it would repeat forever on its own.',
  },
  'flow.edge.duplicateId': {
    'zh-CN': '连线标识“{id}”重复使用了',
    en: 'The connection id “{id}” is used more than once.',
  },
  'flow.edge.unknownSource': {
    'zh-CN': '连线“{edge}”的起点“{node}”不存在',
    en: 'The connection “{edge}” starts at “{node}”, which does not exist.',
  },
  'flow.edge.unknownTarget': {
    'zh-CN': '连线“{edge}”的终点“{node}”不存在',
    en: 'The connection “{edge}” leads to “{node}”, which does not exist.',
  },
  'flow.edge.conditionIgnored': {
    'zh-CN': '连线“{edge}”设置了条件或默认标记，但只有排他网关的出线才会使用它们',
    en: 'The connection “{edge}” has a condition or default mark, but only connections leaving an exclusive gateway use them.',
  },
  'flow.edge.unknownHandle': {
    'zh-CN': '连线“{edge}”从节点“{node}”的结果“{handle}”出发，但该节点没有这个结果，可用：{allowed}',
    en: 'The connection “{edge}” leaves the node “{node}” by the outcome “{handle}”, which it does not have; use one of: {allowed}.',
  },
  'flow.edge.missingHandle': {
    'zh-CN': '连线“{edge}”没有指明它对应节点“{node}”的哪个结果，可用：{allowed}',
    en: 'The connection “{edge}” does not say which outcome of the node “{node}” it is for; use one of: {allowed}.',
  },
  'flow.edge.duplicateHandle': {
    'zh-CN': '节点“{node}”的结果“{handle}”有多条出线，只能有一条',
    en: 'The outcome “{handle}” of the node “{node}” has more than one connection; keep one.',
  },
  'flow.exclusive.noDefault': {
    'zh-CN': '排他网关“{node}”需要一条默认出线，以便所有条件都不满足时仍能继续',
    en: 'The exclusive gateway “{node}” needs a default connection, taken when no condition holds.',
  },
  'flow.exclusive.multipleDefaults': {
    'zh-CN': '排他网关“{node}”只能有一条默认出线，现在有 {count} 条',
    en: 'The exclusive gateway “{node}” may have only one default connection; it has {count}.',
  },
  'flow.exclusive.missingCondition': {
    'zh-CN': '排他网关“{node}”的出线“{edge}”既没有条件也不是默认出线',
    en: 'The connection “{edge}” leaving the exclusive gateway “{node}” has neither a condition nor the default mark.',
  },
  'flow.exclusive.defaultWithCondition': {
    'zh-CN': '排他网关“{node}”的默认出线“{edge}”不应再设置条件',
    en: 'The default connection “{edge}” of the exclusive gateway “{node}” must not have a condition.',
  },
  'flow.parallel.splitAndJoin': {
    'zh-CN': '并行网关“{node}”不能同时汇合和拆分，请拆成两个网关',
    en: 'The parallel gateway “{node}” cannot both join and split; use two gateways.',
  },
  'flow.parallel.unmatchedJoin': {
    'zh-CN': '并行汇合“{node}”没有对应的并行拆分',
    en: 'The parallel join “{node}” has no matching parallel split.',
  },
  'flow.parallel.incompleteJoin': {
    'zh-CN': '并行汇合“{node}”只收到并行拆分“{split}”的部分分支，缺少：{missing}',
    en: 'The parallel join “{node}” receives only some branches of the split “{split}”; missing: {missing}.',
  },
  'flow.parallel.crossedBranches': {
    'zh-CN': '不同的并行分支在“{node}”处相遇，但这里不是它们的并行汇合',
    en: 'Different parallel branches meet at “{node}”, which is not their parallel join.',
  },
  'flow.parallel.branchJoinsTwice': {
    'zh-CN':
      '并行拆分“{split}”经“{branch}”的分支有多条连线进入汇合“{node}”，但每次只会走其中一条，汇合将一直等待；请先用排他网关合并这些路径',
    en: 'The branch of the split “{split}” through “{branch}” enters the join “{node}” by several connections, but only one is ever taken, so the join would wait forever; merge those paths first.',
  },
  'flow.parallel.unmatchedSplit': {
    'zh-CN': '并行拆分“{node}”的分支没有在任何并行汇合处汇合',
    en: 'The branches of the parallel split “{node}” never meet at a parallel join.',
  },
  'flow.task.missingOutcomeEdge': {
    'zh-CN': '节点“{node}”的结果“{outcome}”没有出线',
    en: 'The outcome “{outcome}” of the node “{node}” has no connection.',
  },
  'flow.approval.missingResultEdge': {
    'zh-CN': '审批节点“{node}”缺少“{outcome}”结果的出线（或在其后接一个排他网关）',
    en: 'The approval “{node}” needs a connection for the result “{outcome}” (or an exclusive gateway right after it).',
  },
  'flow.approval.noDecision': {
    'zh-CN':
      '审批“{node}”的结果没有被使用：请为“通过”和“驳回”分别连线（开启“按结果分支”），或在其后接一个排他网关',
    en: 'The result of the approval “{node}” is never used: connect “approved” and “rejected” separately (turn on separate paths), or put an exclusive gateway right after it.',
  },
  'flow.config.unchecked': {
    'zh-CN': '暂时无法检查节点“{node}”的设置：该节点类型的校验规则尚未提供',
    en: 'The settings of the node “{node}” cannot be checked yet: the rules for its type are not available.',
  },

  // ---- Differences between two versions -----------------------------------------------------------------------
  'diff.added': { 'zh-CN': '新增了{where}：{after}', en: 'Added {where}: {after}' },
  'diff.addedItem': { 'zh-CN': '新增了{where}', en: 'Added {where}' },
  'diff.removedItem': { 'zh-CN': '删除了{where}', en: 'Removed {where}' },
  'diff.removed': { 'zh-CN': '删除了{where}（原为 {before}）', en: 'Removed {where} (was {before})' },
  'diff.changed': { 'zh-CN': '修改了{where}：{before} → {after}', en: 'Changed {where}: {before} → {after}' },
  'diff.moved': {
    'zh-CN': '调整了{where}的顺序：第 {before} 项 → 第 {after} 项',
    en: 'Moved {where}: from position {before} to {after}',
  },
} as const satisfies Record<string, LocalizedText>;

export type DefinitionMessageCode = keyof typeof definitionMessages;

/** Labels of setting names an analyst meets in definitions; unknown names are shown as written. */
export const settingLabels: Record<string, LocalizedText> = {
  key: { 'zh-CN': '标识', en: 'key' },
  name: { 'zh-CN': '名称', en: 'name' },
  'zh-CN': { 'zh-CN': '中文', en: 'Chinese text' },
  en: { 'zh-CN': '英文', en: 'English text' },
  category: { 'zh-CN': '类别', en: 'category' },
  numberFormat: { 'zh-CN': '编号格式', en: 'number format' },
  statuses: { 'zh-CN': '状态', en: 'statuses' },
  new: { 'zh-CN': '新建', en: 'new' },
  open: { 'zh-CN': '处理中', en: 'open' },
  pending: { 'zh-CN': '挂起', en: 'pending' },
  resolved: { 'zh-CN': '已解决', en: 'resolved' },
  closed: { 'zh-CN': '已关闭', en: 'closed' },
  cancelled: { 'zh-CN': '已取消', en: 'cancelled' },
  form: { 'zh-CN': '表单', en: 'form' },
  flow: { 'zh-CN': '流程', en: 'flow' },
  routing: { 'zh-CN': '分派规则', en: 'routing rules' },
  priority: { 'zh-CN': '优先级规则', en: 'priority rules' },
  sla: { 'zh-CN': 'SLA 策略', en: 'SLA policy' },
  notifications: { 'zh-CN': '通知模板', en: 'notification templates' },
  nodes: { 'zh-CN': '节点', en: 'nodes' },
  edges: { 'zh-CN': '连线', en: 'connections' },
  id: { 'zh-CN': '标识', en: 'id' },
  type: { 'zh-CN': '类型', en: 'type' },
  position: { 'zh-CN': '位置', en: 'position' },
  x: { 'zh-CN': '横坐标', en: 'x position' },
  y: { 'zh-CN': '纵坐标', en: 'y position' },
  data: { 'zh-CN': '设置', en: 'settings' },
  source: { 'zh-CN': '起点', en: 'source' },
  target: { 'zh-CN': '终点', en: 'target' },
  sourceHandle: { 'zh-CN': '出发结果', en: 'source outcome' },
  targetHandle: { 'zh-CN': '到达端口', en: 'target handle' },
  when: { 'zh-CN': '条件', en: 'condition' },
  default: { 'zh-CN': '默认', en: 'default mark' },
  label: { 'zh-CN': '显示名称', en: 'label' },
  outcomes: { 'zh-CN': '结果', en: 'outcomes' },
  description: { 'zh-CN': '说明', en: 'description' },
  schema: { 'zh-CN': '数据结构', en: 'data schema' },
  layout: { 'zh-CN': '布局', en: 'layout' },
  fields: { 'zh-CN': '字段', en: 'fields' },
  field: { 'zh-CN': '字段', en: 'field' },
  then: { 'zh-CN': '结果', en: 'result' },
  team: { 'zh-CN': '团队', en: 'team' },
  strategy: { 'zh-CN': '分配策略', en: 'assignment strategy' },
  calendar: { 'zh-CN': '工作日历', en: 'calendar' },
  targets: { 'zh-CN': '目标', en: 'targets' },
  template: { 'zh-CN': '通知模板', en: 'notification template' },
  subject: { 'zh-CN': '主题', en: 'subject' },
  body: { 'zh-CN': '正文', en: 'body' },
  amount: { 'zh-CN': '数量', en: 'amount' },
  unit: { 'zh-CN': '单位', en: 'unit' },
  zone: { 'zh-CN': '时区', en: 'time zone' },
  color: { 'zh-CN': '颜色', en: 'colour' },
  // Form (runtime/form) and its data schema.
  properties: { 'zh-CN': '字段定义', en: 'field definitions' },
  required: { 'zh-CN': '必填字段', en: 'required fields' },
  enum: { 'zh-CN': '可选值', en: 'allowed values' },
  minLength: { 'zh-CN': '最少字符数', en: 'minimum length' },
  maxLength: { 'zh-CN': '最多字符数', en: 'maximum length' },
  minimum: { 'zh-CN': '最小值', en: 'minimum' },
  maximum: { 'zh-CN': '最大值', en: 'maximum' },
  pattern: { 'zh-CN': '格式', en: 'format pattern' },
  section: { 'zh-CN': '分区', en: 'section' },
  widget: { 'zh-CN': '控件', en: 'widget' },
  help: { 'zh-CN': '帮助文字', en: 'help text' },
  placeholder: { 'zh-CN': '占位提示', en: 'placeholder' },
  visibleWhen: { 'zh-CN': '显示条件', en: 'visibility condition' },
  requiredWhen: { 'zh-CN': '必填条件', en: 'required condition' },
  readOnlyWhen: { 'zh-CN': '只读条件', en: 'read-only condition' },
  options: { 'zh-CN': '选项', en: 'options' },
  steps: { 'zh-CN': '步骤字段权限', en: 'step field rights' },
  // Node settings (runtime/flow/nodes).
  assign: { 'zh-CN': '处理人', en: 'assignee setting' },
  approvers: { 'zh-CN': '审批人', en: 'approvers' },
  mode: { 'zh-CN': '审批方式', en: 'approval mode' },
  users: { 'zh-CN': '人员', en: 'people' },
  user: { 'zh-CN': '人员', en: 'person' },
  role: { 'zh-CN': '角色', en: 'role' },
  to: { 'zh-CN': '收件人', en: 'recipients' },
  channels: { 'zh-CN': '发送渠道', en: 'channels' },
  editable: { 'zh-CN': '可编辑字段', en: 'editable fields' },
  readOnly: { 'zh-CN': '只读字段', en: 'read-only fields' },
  hidden: { 'zh-CN': '隐藏字段', en: 'hidden fields' },
  status: { 'zh-CN': '状态', en: 'status' },
  statusKey: { 'zh-CN': '最终状态', en: 'final status' },
  for: { 'zh-CN': '等待对象', en: 'what to wait for' },
  duration: { 'zh-CN': '时长', en: 'duration' },
  timeout: { 'zh-CN': '等待上限', en: 'time-out' },
  autoCloseAfter: { 'zh-CN': '自动关闭时间', en: 'automatic closing time' },
  survey: { 'zh-CN': '满意度调查', en: 'satisfaction survey' },
  reopenTo: { 'zh-CN': '重新打开后退回的步骤', en: 'step to go back to on reopen' },
  set: { 'zh-CN': '设置字段', en: 'fields to set' },
  webhook: { 'zh-CN': 'Webhook 调用', en: 'webhook call' },
  url: { 'zh-CN': '网址', en: 'URL' },
  method: { 'zh-CN': '请求方法', en: 'method' },
  subticket: { 'zh-CN': '子工单', en: 'sub-ticket' },
  skills: { 'zh-CN': '所需技能', en: 'required skills' },
  watchers: { 'zh-CN': '关注人', en: 'watchers' },
  // SLA policy (runtime/sla).
  pauseIn: { 'zh-CN': '暂停计时的状态类别', en: 'categories that pause the clock' },
  warnAt: { 'zh-CN': '预警比例', en: 'warning threshold' },
  firstResponse: { 'zh-CN': '首次响应时限', en: 'first-response target' },
  resolution: { 'zh-CN': '解决时限', en: 'resolution target' },
  escalations: { 'zh-CN': '升级规则', en: 'escalations' },
  clock: { 'zh-CN': '计时器', en: 'clock' },
  after: { 'zh-CN': '延后时间', en: 'delay' },
  do: { 'zh-CN': '动作', en: 'actions' },
};

/** The root of whatever document is being checked. */
export const ROOT_LABEL: LocalizedText = { 'zh-CN': '定义', en: 'definition' };

export const STATUS_CATEGORY_LABELS: Record<string, LocalizedText> = {
  new: { 'zh-CN': '新建', en: 'new' },
  open: { 'zh-CN': '处理中', en: 'open' },
  pending: { 'zh-CN': '挂起', en: 'pending' },
  resolved: { 'zh-CN': '已解决', en: 'resolved' },
  closed: { 'zh-CN': '已关闭', en: 'closed' },
  cancelled: { 'zh-CN': '已取消', en: 'cancelled' },
};

export const JSON_TYPE_LABELS: Record<string, LocalizedText> = {
  string: { 'zh-CN': '文本', en: 'text' },
  number: { 'zh-CN': '数字', en: 'a number' },
  integer: { 'zh-CN': '整数', en: 'a whole number' },
  boolean: { 'zh-CN': '是/否', en: 'yes or no (true/false)' },
  object: { 'zh-CN': '一组设置（对象）', en: 'a group of settings (an object)' },
  array: { 'zh-CN': '列表', en: 'a list' },
  null: { 'zh-CN': '空值', en: 'empty (null)' },
};

export const FORMAT_LABELS: Record<string, LocalizedText> = {
  email: { 'zh-CN': '电子邮件地址', en: 'e-mail address' },
  uri: { 'zh-CN': '网址', en: 'web address' },
  url: { 'zh-CN': '网址', en: 'web address' },
  date: { 'zh-CN': '日期', en: 'date' },
  time: { 'zh-CN': '时间', en: 'time' },
  'date-time': { 'zh-CN': '日期时间', en: 'date and time' },
  uuid: { 'zh-CN': 'UUID', en: 'UUID' },
  ipv4: { 'zh-CN': 'IPv4 地址', en: 'IPv4 address' },
  ipv6: { 'zh-CN': 'IPv6 地址', en: 'IPv6 address' },
  hostname: { 'zh-CN': '主机名', en: 'host name' },
  regex: { 'zh-CN': '正则表达式', en: 'regular expression' },
};

/**
 * Plain-language explanations of the patterns the runtime's own schemas use; an analyst cannot read a regular
 * expression. Other engineers may register theirs with `registerPatternHint`.
 */
const patternHints = new Map<string, LocalizedText>([
  [
    '^[a-z][a-z0-9-]*(\\.[a-z][a-z0-9-]*)*$',
    {
      'zh-CN': '请用小写字母开头，只使用小写字母、数字和连字符“-”，各段之间用“.”分隔（如 it.incident）',
      en: 'start with a lower-case letter and use only lower-case letters, digits and “-”, with “.” between parts (e.g. it.incident)',
    },
  ],
  [
    '^[a-z][a-z0-9-]*$',
    {
      'zh-CN': '请用小写字母开头，只使用小写字母、数字和连字符“-”',
      en: 'start with a lower-case letter and use only lower-case letters, digits and “-”',
    },
  ],
  [
    '^[^.$][^.]*$',
    {
      'zh-CN': '不能包含“.”，也不能以“$”开头',
      en: 'it must not contain “.” nor start with “$”',
    },
  ],
]);

export function registerPatternHint(pattern: string, hint: LocalizedText): void {
  patternHints.set(pattern, hint);
}

export function patternHint(pattern: string): LocalizedText {
  return (
    patternHints.get(pattern) ?? {
      'zh-CN': `应符合格式 ${pattern}`,
      en: `it must match the pattern ${pattern}`,
    }
  );
}

const LIST_SEPARATOR: LocalizedText = { 'zh-CN': '、', en: ', ' };

function isLocalizedText(value: unknown): value is LocalizedText {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Record<string, unknown>)['zh-CN'] === 'string' &&
    typeof (value as Record<string, unknown>).en === 'string'
  );
}

function paramInLocale(value: unknown, locale: Locale): string {
  if (isLocalizedText(value)) return value[locale];
  if (Array.isArray(value))
    return value.map((item) => paramInLocale(item, locale)).join(LIST_SEPARATOR[locale]);
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return String(value);
  return JSON.stringify(value) ?? '';
}

/** Fill a message's templates, reading each localized param in the template's language. */
export function messageText(
  code: DefinitionMessageCode,
  params: Record<string, unknown> = {},
): LocalizedText {
  const templates: LocalizedText = definitionMessages[code];
  const fill = (locale: Locale): string => {
    // A placeholder without a param reads as nothing rather than as `{name}` in front of an analyst.
    const localeParams: Record<string, string> = {};
    for (const [, name] of templates[locale].matchAll(/\{(\w+)\}/g)) localeParams[name ?? ''] = '';
    for (const [name, value] of Object.entries(params)) localeParams[name] = paramInLocale(value, locale);
    return formatMessage(templates[locale], localeParams);
  };
  return { 'zh-CN': fill('zh-CN'), en: fill('en') };
}

export interface ProblemPlace {
  nodeId?: string;
  edgeId?: string;
}

/** Build a Problem whose text comes from the message table. */
export function definitionProblem(
  code: DefinitionMessageCode,
  path: string,
  params: Record<string, unknown> = {},
  place: ProblemPlace = {},
): Problem {
  const problem: Problem = { code, path, text: messageText(code, params) };
  if (place.nodeId !== undefined) problem.nodeId = place.nodeId;
  if (place.edgeId !== undefined) problem.edgeId = place.edgeId;
  if (Object.keys(params).length > 0) problem.params = params;
  return problem;
}
