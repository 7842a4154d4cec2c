import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import helmet, { type HelmetOptions } from 'helmet';

/** One year, with subdomains: what HSTS preload lists ask for. */
const HSTS = 'max-age=31536000; includeSubDomains';

/** What Ordo serves: its own scripts, styles and images, nothing framed, nothing from elsewhere. */
const HELMET_OPTIONS: HelmetOptions = {
  contentSecurityPolicy: {
    directives: {
      defaultSrc: ["'self'"],
      // Element Plus sets inline styles; the Swagger UI page needs its inline bootstrap.
      styleSrc: ["'self'", "'unsafe-inline'"],
      // 'unsafe-eval' only for ajv: the studio validates definitions and form values with the runtime's own
      // JSON Schemas, which ajv compiles to functions — the same checks the server applies. Scripts still load
      // from this origin only (no inline, no third party), so injected markup cannot run code.
      scriptSrc: ["'self'", "'unsafe-eval'"],
      imgSrc: ["'self'", 'data:', 'blob:'],
      // Added below, and only over https.
      upgradeInsecureRequests: null,
    },
  },
  hsts: false,
};

interface SecurityHeaders {
  /** Header name and value, in the order helmet sets them. */
  set: Array<[string, string]>;
  /** Headers helmet removes (X-Powered-By). */
  removed: string[];
}

/**
 * The headers helmet sends for these options, worked out once: helmet's middleware is run against a recording
 * response. Our options hold no per-request values (no nonces, no functions), so every answer gets the same set.
 */
export function securityHeadersOf(options: HelmetOptions = HELMET_OPTIONS): SecurityHeaders {
  const headers: SecurityHeaders = { set: [], removed: [] };
  const recorder = {
    setHeader(name: string, value: string | number | readonly string[]) {
      headers.set.push([name.toLowerCase(), Array.isArray(value) ? value.join(', ') : String(value)]);
      return recorder;
    },
    removeHeader(name: string) {
      headers.removed.push(name.toLowerCase());
    },
  };
  let failure: Error | undefined;
  helmet(options)({} as IncomingMessage, recorder as unknown as ServerResponse, (error?: unknown) => {
    if (error)
      failure = error instanceof Error ? error : new Error('helmet refused its options', { cause: error });
  });
  if (failure) throw failure;
  return headers;
}

/** The same set over https: with `Strict-Transport-Security`, and the CSP asking to upgrade insecure requests. */
function overHttps(headers: SecurityHeaders): SecurityHeaders {
  const set = headers.set.map(([name, value]): [string, string] =>
    name === 'content-security-policy' ? [name, `${value};upgrade-insecure-requests`] : [name, value],
  );
  return { set: [...set, ['strict-transport-security', HSTS]], removed: headers.removed };
}

/**
 * Helmet's security headers on every answer, computed once at start-up. (`@fastify/helmet` builds helmet's whole
 * middleware chain again for each request — normalising the CSP directives and joining the header — which cost as
 * much as answering a catalog page.)
 *
 * `Strict-Transport-Security` and the CSP's `upgrade-insecure-requests` only mean something over https. Sent over
 * plain http (a first start on a laptop, an intranet address) they would pin browsers to an https that does not
 * exist there and break every sub-resource, so they are added only to requests that came over https (directly, or
 * through a trusted proxy's X-Forwarded-Proto).
 */
export const securityHeadersPlugin = fp(
  async function securityHeadersPlugin(app: FastifyInstance) {
    const plain = securityHeadersOf();
    const secure = overHttps(plain);
    app.addHook('onRequest', (request, reply, done) => {
      const { set, removed } = request.protocol === 'https' ? secure : plain;
      const raw = reply.raw;
      for (const [name, value] of set) raw.setHeader(name, value);
      for (const name of removed) raw.removeHeader(name);
      done();
    });
  },
  { name: 'security-headers' },
);
