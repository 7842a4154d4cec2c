import path from 'node:path';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Locale, LocalizedText } from '../../runtime/common/types.js';
import {
  HttpProblem,
  localeFromAcceptLanguage,
  localizeProblem,
  type ProblemBody,
  type ProblemItem,
} from '../lib/problem.js';
import { databaseUnavailable, isDatabaseUnreachable } from './db.plugin.js';

interface ValidationIssue {
  instancePath: string;
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
}

/** Fastify's validation contexts, named as fields are everywhere else (`query.limit`, `header.x-api-key`). */
const CONTEXT_NAMES: Record<string, string> = { querystring: 'query', headers: 'header' };

/** `body` + `/members/0/userId` + missing property → `body.members.0.userId`. */
function fieldOf(context: string | undefined, issue: ValidationIssue): string {
  const source = context ? (CONTEXT_NAMES[context] ?? context) : 'body';
  const parts = [source, ...issue.instancePath.split('/').filter(Boolean)];
  if (issue.keyword === 'required' && typeof issue.params.missingProperty === 'string') {
    parts.push(issue.params.missingProperty);
  }
  if (issue.keyword === 'additionalProperties' && typeof issue.params.additionalProperty === 'string') {
    parts.push(issue.params.additionalProperty);
  }
  return parts.join('.');
}

/** What a schema violation says, in both languages; `{field}` is the request field it names. */
function schemaText(field: string, issue: ValidationIssue): LocalizedText {
  const params = issue.params;
  const limit = typeof params.limit === 'number' ? String(params.limit) : '';
  switch (issue.keyword) {
    case 'required':
      return { 'zh-CN': `缺少必填项 ${field}`, en: `${field} is required` };
    case 'additionalProperties':
      return { 'zh-CN': `不允许的字段 ${field}`, en: `${field} is not allowed here` };
    case 'type':
      return {
        'zh-CN': `${field} 的类型应为 ${String(params.type)}`,
        en: `${field} must be ${String(params.type)}`,
      };
    case 'minLength':
      return {
        'zh-CN': `${field} 至少需要 ${limit} 个字符`,
        en: `${field} needs at least ${limit} characters`,
      };
    case 'maxLength':
      return {
        'zh-CN': `${field} 最多 ${limit} 个字符`,
        en: `${field} may have at most ${limit} characters`,
      };
    case 'minimum':
      return { 'zh-CN': `${field} 不能小于 ${limit}`, en: `${field} must be at least ${limit}` };
    case 'maximum':
      return { 'zh-CN': `${field} 不能大于 ${limit}`, en: `${field} must be at most ${limit}` };
    case 'minItems':
      return { 'zh-CN': `${field} 至少需要 ${limit} 项`, en: `${field} needs at least ${limit} items` };
    case 'maxItems':
      return { 'zh-CN': `${field} 最多 ${limit} 项`, en: `${field} may have at most ${limit} items` };
    case 'uniqueItems':
      return { 'zh-CN': `${field} 中有重复项`, en: `${field} has the same item twice` };
    case 'minProperties':
      return {
        'zh-CN': `${field} 至少需要 ${limit} 项内容`,
        en: `${field} needs at least ${limit} properties`,
      };
    case 'maxProperties':
      return {
        'zh-CN': `${field} 最多 ${limit} 项内容`,
        en: `${field} may have at most ${limit} properties`,
      };
    case 'enum': {
      const allowed = Array.isArray(params.allowedValues) ? params.allowedValues.join(', ') : '';
      return { 'zh-CN': `${field} 只能是以下之一：${allowed}`, en: `${field} must be one of: ${allowed}` };
    }
    case 'const':
      return {
        'zh-CN': `${field} 只能是 ${String(params.allowedValue)}`,
        en: `${field} must be ${String(params.allowedValue)}`,
      };
    case 'finite':
      return { 'zh-CN': `${field} 必须是有限的数值`, en: `${field} must be a finite number` };
    case 'pattern':
      return { 'zh-CN': `${field} 的格式不正确`, en: `${field} is not in the expected format` };
    case 'format':
      return {
        'zh-CN': `${field} 不是有效的 ${String(params.format)}`,
        en: `${field} is not a valid ${String(params.format)}`,
      };
    default:
      return { 'zh-CN': `${field} 的值无效`, en: `${field} ${issue.message ?? 'is not valid'}` };
  }
}

/** Fastify's own refusals in Chinese (their English is Fastify's message). */
function clientErrorZh(status: number, field: string | undefined, message: string): string | undefined {
  if (status === 429) return '尝试次数过多，请稍后再试。';
  if (status === 413) return '请求内容过大。';
  if (status === 415 || field === 'header.content-type') return '不支持此内容类型，请以 JSON 发送请求体。';
  if (field === 'body' && /proto|constructor/i.test(message)) return '请求体中含有不允许的字段名。';
  if (field === 'body') return '请求体不是有效的 JSON。';
  return undefined;
}

/**
 * The reader's language: a signed-in person's own locale, else the request's Accept-Language, else English (what
 * integrations and scripts read).
 */
function readerLocale(request: FastifyRequest): Locale {
  const principal = request.principal;
  if (principal?.kind === 'user' && principal.locale) return principal.locale;
  const header: string | string[] | undefined = request.headers['accept-language'];
  return localeFromAcceptLanguage(typeof header === 'string' ? header : header?.[0]) ?? 'en';
}

function send(request: FastifyRequest, reply: FastifyReply, body: ProblemBody) {
  // A problem that is worth retrying later says when (the database is unreachable, too many attempts…).
  if (typeof body.retryAfter === 'number') void reply.header('retry-after', String(body.retryAfter));
  return reply
    .status(body.status)
    .type('application/problem+json')
    .header('content-language', readerLocale(request))
    .send(localizeProblem(body, readerLocale(request)));
}

export interface ErrorsPluginOptions {
  /**
   * The studio is served (by @fastify/static): an unknown GET of a page path outside /api, /docs and /health
   * is one of its client-side routes (/tickets/42) and gets its index.html; everything else a problem+json 404.
   */
  studioClientRoutes?: boolean;
}

/** What the built studio serves as files: a miss there is a 404, never the app's page. */
const ASSET_EXTENSIONS = new Set([
  '.js',
  '.mjs',
  '.css',
  '.map',
  '.png',
  '.jpg',
  '.jpeg',
  '.gif',
  '.svg',
  '.ico',
  '.webp',
  '.woff',
  '.woff2',
  '.ttf',
  '.json',
  '.txt',
  '.webmanifest',
]);

function isAssetPath(pathname: string): boolean {
  return pathname.startsWith('/assets/') || ASSET_EXTENSIONS.has(path.extname(pathname).toLowerCase());
}

/** Messages of the multipart parser (@fastify/busboy) about a malformed body. */
const MULTIPART_PARSE_MESSAGE = /boundary|multipart|part header|unexpected end of/i;

function isMultipartParseError(request: FastifyRequest, error: Error): boolean {
  const contentType = request.headers['content-type'] ?? '';
  return /^multipart\//i.test(contentType) && MULTIPART_PARSE_MESSAGE.test(error.message);
}

export const errorsPlugin = fp(
  async function errorsPlugin(app: FastifyInstance, options: ErrorsPluginOptions) {
    app.setErrorHandler((error: FastifyError, request, reply) => {
      if (error instanceof HttpProblem) return send(request, reply, error.toBody());

      if (error.validation) {
        const issues = error.validation as ValidationIssue[];
        const errors: ProblemItem[] = issues.map((issue) => {
          const field = fieldOf(error.validationContext, issue);
          const text = schemaText(field, issue);
          return { field, code: issue.keyword, message: text.en, text };
        });
        const first = errors[0]!;
        return send(request, reply, {
          type: 'urn:ordo:problem:invalid-input',
          title: 'Invalid input',
          status: 400,
          detail: first.message,
          field: first.field,
          text: first.text,
          errors,
        });
      }

      // The database is unreachable (the store is restarting, the network is down): a retry will do, not a bug.
      if (isDatabaseUnreachable(error)) {
        request.log.warn({ err: error }, 'database unreachable');
        // Later requests answer 503 at once, until the driver's next heartbeat reaches the database.
        if (request.server.hasDecorator('noteDatabaseUnreachable')) request.server.noteDatabaseUnreachable();
        return send(request, reply, databaseUnavailable().toBody());
      }

      // The multipart parser's own refusals (no boundary, a body cut short, a malformed part header) carry no
      // status: they are the client's malformed body, not a server fault.
      if (error.statusCode === undefined && isMultipartParseError(request, error)) {
        return send(request, reply, {
          type: 'urn:ordo:problem:malformed-multipart',
          title: 'Bad Request',
          status: 400,
          detail: `The multipart body could not be read: ${error.message}`,
          field: 'body',
          text: {
            'zh-CN': '上传的内容格式不完整或有误，无法读取。',
            en: `The multipart body could not be read: ${error.message}`,
          },
        });
      }

      const status = error.statusCode ?? 500;
      if (status >= 500) {
        request.log.error({ err: error }, 'request failed');
        return send(request, reply, {
          type: 'about:blank',
          title: 'Internal Server Error',
          status,
          detail: 'Something went wrong on the server; the error was logged.',
          text: {
            'zh-CN': '服务器出现错误，已记录在日志中。',
            en: 'Something went wrong on the server; the error was logged.',
          },
        });
      }
      // Fastify's own client errors: malformed JSON, prototype poisoning, body too large, bad content type…
      const field =
        error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' || error.code === 'FST_ERR_CTP_INVALID_CONTENT_LENGTH'
          ? 'header.content-type'
          : error.code?.startsWith('FST_ERR_CTP') ||
              error.message.includes('JSON') ||
              /proto|constructor/i.test(error.message)
            ? 'body'
            : undefined;
      const zh = clientErrorZh(status, field, error.message);
      return send(request, reply, {
        type: `urn:ordo:problem:${(error.code ?? 'client-error').toLowerCase()}`,
        title: status === 429 ? 'Too Many Requests' : status === 413 ? 'Payload Too Large' : 'Bad Request',
        status,
        detail: error.message,
        ...(zh ? { text: { 'zh-CN': zh, en: error.message } } : {}),
        ...(field ? { field } : {}),
      });
    });

    // The one not-found handler of the app (Fastify allows one per prefix).
    app.setNotFoundHandler((request, reply) => {
      const pathname = request.url.split('?')[0] ?? '/';
      if (
        options.studioClientRoutes &&
        request.method === 'GET' &&
        !/^\/(api|docs|health)(\/|$)/.test(pathname) &&
        // A missing asset (/assets/x.js, /favicon.ico) is a 404; pages may carry dots — signed-link tokens,
        // ticket type keys such as /designer/it.incident — yet are pages.
        !isAssetPath(pathname)
      ) {
        return reply.type('text/html').sendFile('index.html');
      }
      return send(request, reply, {
        type: 'urn:ordo:problem:not-found',
        title: 'Not found',
        status: 404,
        detail: `No route ${request.method} ${pathname}`,
        text: {
          'zh-CN': `没有 ${request.method} ${pathname} 这个接口`,
          en: `No route ${request.method} ${pathname}`,
        },
      });
    });
  },
  { name: 'errors' },
);
