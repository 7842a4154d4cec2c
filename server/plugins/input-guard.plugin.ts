import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { HttpProblem, badRequest } from '../lib/problem.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The body may carry `$`-keys (JSON Schema documents); prototype keys are still refused. */
    allowDollarKeys?: boolean;
  }
}

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
const MAX_DEPTH = 32;

/**
 * Find the first key that must never reach the database or an object merge: MongoDB operators (`$gt`, `$where`),
 * dotted paths, and prototype keys. Returns the field path for the error.
 */
export function findUnsafeKey(value: unknown, path: string, depth = 0): string | undefined {
  if (depth > MAX_DEPTH) return path;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findUnsafeKey(value[i], `${path}.${i}`, depth + 1);
      if (found) return found;
    }
    return undefined;
  }
  if (value === null || typeof value !== 'object') return undefined;
  for (const key of Object.keys(value)) {
    if (key.startsWith('$') || key.includes('.') || FORBIDDEN_KEYS.has(key) || key.includes('\u0000')) {
      return `${path}.${key}`;
    }
    const found = findUnsafeKey((value as Record<string, unknown>)[key], `${path}.${key}`, depth + 1);
    if (found) return found;
  }
  return undefined;
}

/**
 * Every body and query is checked before validation: operator and prototype keys are refused with a 400 naming
 * the field, so nothing built from them is ever stored or merged. Routes whose JSON must carry `$`-keys
 * (JSON Schema documents inside definitions: `$ref`, `$id`) opt out with `config: { allowDollarKeys: true }`
 * and rely on their own validation.
 */
export const inputGuardPlugin = fp(
  async function inputGuardPlugin(app: FastifyInstance) {
    // JSON bodies: only UTF-8 (RFC 8259), a well-formed Content-Type, and a prototype key named as such.
    app.removeContentTypeParser('application/json');
    app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
      try {
        checkJsonContentType(request.headers['content-type']);
        done(null, parseJsonBody(body as string));
      } catch (error) {
        done(error as Error, undefined);
      }
    });
    app.addHook('preValidation', async (request) => {
      const config = request.routeOptions.config;
      const query = findUnsafeKey(request.query, 'query');
      if (query) throw badRequest(query, `The key "${query.split('.').pop()}" is not allowed`, 'unsafe-key');
      if (config?.allowDollarKeys) {
        const proto = findPrototypeKey(request.body, 'body');
        if (proto)
          throw badRequest(proto, `The key "${proto.split('.').pop()}" is not allowed`, 'unsafe-key');
        return;
      }
      const body = findUnsafeKey(request.body, 'body');
      if (body) throw badRequest(body, `The key "${body.split('.').pop()}" is not allowed`, 'unsafe-key');
    });
  },
  { name: 'input-guard' },
);

function findPrototypeKey(value: unknown, path: string, depth = 0): string | undefined {
  if (depth > MAX_DEPTH || value === null || typeof value !== 'object') return undefined;
  for (const key of Object.keys(value)) {
    if (FORBIDDEN_KEYS.has(key)) return `${path}.${key}`;
    const found = findPrototypeKey((value as Record<string, unknown>)[key], `${path}.${key}`, depth + 1);
    if (found) return found;
  }
  return undefined;
}

const unsupportedJson = (detail: { 'zh-CN': string; en: string }) =>
  new HttpProblem(415, 'Unsupported Media Type', {
    field: 'header.content-type',
    code: 'media-type',
    text: detail,
  });

/**
 * `application/json` with nothing after it, or with `charset=utf-8` (any case, quoted or not) — anything else is a
 * 415: another charset would be read as UTF-8 and stored garbled, and a malformed header is not guessed at.
 */
export function checkJsonContentType(header: string | undefined): void {
  const parameters = (header ?? '').split(';').slice(1);
  for (const raw of parameters) {
    const parameter = raw.trim();
    const match = /^([A-Za-z0-9!#$&^_.+-]+)=("?)([^";]*)\2$/.exec(parameter);
    if (!match)
      throw unsupportedJson({
        'zh-CN': `Content-Type 的参数“${parameter}”格式不正确`,
        en: `The Content-Type parameter "${parameter}" is malformed`,
      });
    const [, name, , value] = match as unknown as [string, string, string, string];
    if (name.toLowerCase() !== 'charset') continue;
    if (value.toLowerCase() !== 'utf-8' && value.toLowerCase() !== 'utf8')
      throw unsupportedJson({
        'zh-CN': `不支持字符集 ${value}，请以 UTF-8 发送 JSON`,
        en: `The charset ${value} is not supported; send JSON as UTF-8`,
      });
  }
}

/** Parse a JSON body; a prototype key is refused naming it (not as "not valid JSON"). */
export function parseJsonBody(text: string): unknown {
  if (text.length === 0)
    throw badRequest('body', { 'zh-CN': '请求体为空', en: 'The JSON body is empty' }, 'empty-body');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw badRequest(
      'body',
      {
        'zh-CN': '请求体不是有效的 JSON。',
        en: `Body is not valid JSON: ${(error as Error).message}`,
      },
      'invalid-json',
    );
  }
  // JSON.parse makes `__proto__` an own key (harmless here), but nothing may carry it further.
  const proto = findPrototypeKey(value, 'body');
  if (proto)
    throw badRequest(
      proto,
      {
        'zh-CN': `不允许使用字段名 "${proto.split('.').pop()}"（可能被用于篡改对象原型）`,
        en: `The key "${proto.split('.').pop()}" is not allowed (it could alter object prototypes)`,
      },
      'unsafe-key',
    );
  return value;
}
