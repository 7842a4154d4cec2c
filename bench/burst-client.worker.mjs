// A load generator on its own thread for the benches: posts every body at once over real sockets and answers each
// status, body and time taken, so the client's own work does not share the event loop of the server it measures
// (as an outside sender such as Alertmanager would not). Plain JavaScript, so the worker needs no loader.
import http from 'node:http';
import { parentPort } from 'node:worker_threads';

const agent = new http.Agent({ keepAlive: true, maxSockets: 1000 });

function post(url, headers, body) {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const request = http.request(
      url,
      {
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          ...headers,
        },
      },
      (response) => {
        const chunks = [];
        response.on('data', (chunk) => chunks.push(chunk));
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            body: Buffer.concat(chunks).toString('utf8'),
            ms: performance.now() - started,
          }),
        );
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

parentPort.on('message', async (message) => {
  if (message === 'close') {
    agent.destroy();
    parentPort.close();
    return;
  }
  const { url, headers, bodies } = message;
  try {
    const started = performance.now();
    const answers = await Promise.all(bodies.map((body) => post(url, headers, body)));
    parentPort.postMessage({ wall: performance.now() - started, answers });
  } catch (error) {
    parentPort.postMessage({ error: String(error) });
  }
});
