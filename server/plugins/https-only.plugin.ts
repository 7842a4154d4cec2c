import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

/** One year, with subdomains: what HSTS preload lists ask for. */
const HSTS = 'max-age=31536000; includeSubDomains';

/**
 * What only means something over https: `Strict-Transport-Security` and the CSP's `upgrade-insecure-requests`.
 * Sent over plain http (a first start on a laptop, an intranet address), they would pin browsers to an https that
 * does not exist there and break every sub-resource. Helmet is told not to send them; this adds them to answers
 * of requests that came over https (directly, or through a trusted proxy's X-Forwarded-Proto).
 */
export const httpsOnlyPlugin = fp(
  async function httpsOnlyPlugin(app: FastifyInstance) {
    app.addHook('onSend', async (request, reply) => {
      if (request.protocol !== 'https') return;
      void reply.header('strict-transport-security', HSTS);
      const csp = reply.getHeader('content-security-policy');
      if (typeof csp === 'string' && !csp.includes('upgrade-insecure-requests'))
        void reply.header('content-security-policy', `${csp};upgrade-insecure-requests`);
    });
  },
  { name: 'https-only' },
);
