import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { badRequest } from '../lib/problem.js';

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
