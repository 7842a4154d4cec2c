import { localize, type LocalizedText } from '../../runtime/common/types.js';
import { HttpProblem } from '../lib/problem.js';

/**
 * Every refusal about people and access: a stable code, an HTTP status and texts in both languages. The
 * problem body carries `text` so the studio shows the reader's language; `detail` is the English text.
 */
const MESSAGES = {
  'sign-in-required': {
    status: 401,
    title: 'Unauthorized',
    text: { 'zh-CN': '请先登录。', en: 'Sign in first.' },
  },
  'session-invalid': {
    status: 401,
    title: 'Unauthorized',
    text: {
      'zh-CN': '登录已过期或已退出，请重新登录。',
      en: 'Your session has expired or was ended. Sign in again.',
    },
  },
  'api-key-invalid': {
    status: 401,
    title: 'Unauthorized',
    text: { 'zh-CN': 'API 密钥无效或已被吊销。', en: 'The API key is not valid or has been revoked.' },
  },
  'invalid-credentials': {
    status: 401,
    title: 'Unauthorized',
    text: { 'zh-CN': '用户名或密码不正确。', en: 'The username or password is incorrect.' },
  },
  'role-required': {
    status: 403,
    title: 'Forbidden',
    text: {
      'zh-CN': '您的角色无权执行此操作，需要以下角色之一：{roles}。',
      en: 'Your roles do not allow this; it needs one of: {roles}.',
    },
  },
  'scope-required': {
    status: 403,
    title: 'Forbidden',
    text: {
      'zh-CN': '此 API 密钥缺少所需的权限范围：{scopes}。',
      en: 'This API key lacks the scopes it needs: {scopes}.',
    },
  },
  'integration-not-allowed': {
    status: 403,
    title: 'Forbidden',
    text: {
      'zh-CN': '此操作不能使用 API 密钥，请以用户身份登录。',
      en: 'API keys cannot do this; sign in as a person.',
    },
  },
  'username-taken': {
    status: 409,
    title: 'Conflict',
    text: { 'zh-CN': '用户名 {username} 已被使用。', en: 'The username {username} is already taken.' },
  },
  'team-key-taken': {
    status: 409,
    title: 'Conflict',
    text: { 'zh-CN': '团队标识 {key} 已被使用。', en: 'The team key {key} is already taken.' },
  },
  'last-admin': {
    status: 409,
    title: 'Conflict',
    text: {
      'zh-CN': '必须至少保留一名启用的管理员。',
      en: 'At least one active admin must remain.',
    },
  },
  'team-in-use': {
    status: 409,
    title: 'Conflict',
    text: {
      'zh-CN': '团队 {key} 是 {teams} 的后备团队，请先修改这些团队。',
      en: 'Team {key} is the backup team of {teams}; change those teams first.',
    },
  },
  'unknown-user': {
    status: 400,
    title: 'Invalid input',
    text: { 'zh-CN': '找不到编号为 {id} 的用户。', en: 'There is no user with id {id}.' },
  },
  'unknown-team': {
    status: 400,
    title: 'Invalid input',
    text: { 'zh-CN': '找不到标识为 {key} 的团队。', en: 'There is no team with key {key}.' },
  },
  'duplicate-member': {
    status: 400,
    title: 'Invalid input',
    text: { 'zh-CN': '该用户已是团队成员。', en: 'This person is already a member of the team.' },
  },
  'backup-team-self': {
    status: 400,
    title: 'Invalid input',
    text: { 'zh-CN': '团队不能作为自己的后备团队。', en: 'A team cannot be its own backup team.' },
  },
  'manager-self': {
    status: 400,
    title: 'Invalid input',
    text: { 'zh-CN': '用户不能是自己的上级。', en: 'A person cannot be their own manager.' },
  },
  'skill-name-invalid': {
    status: 400,
    title: 'Invalid input',
    text: {
      'zh-CN': '技能名称须为 1 到 64 个字符。',
      en: 'A skill name must be 1 to 64 characters long.',
    },
  },
  'key-mismatch': {
    status: 400,
    title: 'Invalid input',
    text: {
      'zh-CN': '请求体中的标识 {key} 与地址中的 {expected} 不一致。',
      en: 'The key {key} in the body differs from {expected} in the address.',
    },
  },
  'wrong-current-password': {
    status: 400,
    title: 'Invalid input',
    text: { 'zh-CN': '当前密码不正确。', en: 'The current password is incorrect.' },
  },
  'user-not-found': {
    status: 404,
    title: 'Not found',
    text: { 'zh-CN': '找不到该用户。', en: 'User not found.' },
  },
  'team-not-found': {
    status: 404,
    title: 'Not found',
    text: { 'zh-CN': '找不到该团队。', en: 'Team not found.' },
  },
  'mention-unknown': {
    status: 400,
    title: 'Invalid input',
    text: {
      'zh-CN': '提及的人不存在或已停用。',
      en: 'The person mentioned does not exist or is no longer active.',
    },
  },
  'mention-not-staff': {
    status: 422,
    title: 'Command refused',
    text: {
      'zh-CN':
        '内部备注只能提及员工：{name} 不是员工，看不到内部备注。请改在公开回复中提及，或去掉这个提及。',
      en: 'Only staff can be mentioned in an internal note: {name} is not staff and cannot read internal notes. Mention them in a public reply instead, or remove the mention.',
    },
  },
  'api-key-not-found': {
    status: 404,
    title: 'Not found',
    text: { 'zh-CN': '找不到该 API 密钥。', en: 'API key not found.' },
  },
} as const satisfies Record<string, { status: number; title: string; text: LocalizedText }>;

export type AccessMessageCode = keyof typeof MESSAGES;

/** The problem to throw for one of the messages above. */
export function accessProblem(
  code: AccessMessageCode,
  options: { field?: string; params?: Record<string, unknown> } = {},
): HttpProblem {
  const message = MESSAGES[code];
  const text = localize(message.text, options.params);
  return new HttpProblem(message.status, message.title, {
    code,
    detail: text.en,
    field: options.field,
    extra: { text },
  });
}
