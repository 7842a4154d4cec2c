import { describe, expect, it } from 'vitest';
import { isDatabaseUnreachable } from './db.plugin.js';

/** An error as Node raises it on a socket, with the stack of the code that wrote to it. */
function socketError(code: string, writer: string): Error {
  const error = Object.assign(new Error('This socket has been ended by the other party'), { code });
  error.stack = `Error: This socket has been ended by the other party\n    at Socket.writeAfterFIN (node:net:566:14)\n    at ${writer}`;
  return error;
}

describe('isDatabaseUnreachable', () => {
  it('knows the driver’s network errors by name, and through a cause', () => {
    const network = Object.assign(new Error('connection closed'), { name: 'MongoNetworkError' });
    expect(isDatabaseUnreachable(network)).toBe(true);
    expect(isDatabaseUnreachable(new Error('wrapped', { cause: network }))).toBe(true);
  });

  it('sees the network error a bulk write carries as its errorResponse (the connection closed under it)', () => {
    const network = Object.assign(new Error('connection 6 to 127.0.0.1:35927 closed'), {
      name: 'MongoNetworkError',
    });
    const bulk = Object.assign(new Error(network.message), {
      name: 'MongoBulkWriteError',
      errorResponse: network,
      writeErrors: [],
    });
    expect(isDatabaseUnreachable(bulk)).toBe(true);
    const refused = Object.assign(new Error('E11000 duplicate key'), {
      name: 'MongoBulkWriteError',
      errorResponse: { code: 11000, errmsg: 'E11000 duplicate key' },
    });
    expect(isDatabaseUnreachable(refused)).toBe(false);
  });

  it('takes a socket error the driver let through (the store killed mid-command) as the database unreachable', () => {
    const driver = 'Connection.writeCommand (/srv/ordo/node_modules/mongodb/lib/cmap/connection.js:408:29)';
    expect(isDatabaseUnreachable(socketError('EPIPE', driver))).toBe(true);
    expect(isDatabaseUnreachable(socketError('ECONNRESET', driver))).toBe(true);
  });

  it('leaves another connection’s socket error (mail, a webhook) and other errors alone', () => {
    const mailer =
      'SMTPConnection._send (/srv/ordo/node_modules/nodemailer/lib/smtp-connection/index.js:1:1)';
    expect(isDatabaseUnreachable(socketError('EPIPE', mailer))).toBe(false);
    expect(isDatabaseUnreachable(new Error('something else'))).toBe(false);
    expect(isDatabaseUnreachable(undefined)).toBe(false);
  });
});
