import { describe, expect, it } from 'vitest';
import { WriteGate } from './write-gate.js';

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((done) => (resolve = done));
  return { promise, resolve };
}

describe('WriteGate', () => {
  it('lets one write through at a time with limit 1, the rest in the order they came', async () => {
    const gate = new WriteGate(1);
    const order: string[] = [];
    const first = deferred();
    const a = gate.run(async () => {
      order.push('a start');
      await first.promise;
      order.push('a end');
    });
    const b = gate.run(async () => {
      order.push('b');
    });
    const c = gate.run(async () => {
      order.push('c');
    });
    await Promise.resolve();
    expect(order).toEqual(['a start']);
    first.resolve();
    await Promise.all([a, b, c]);
    expect(order).toEqual(['a start', 'a end', 'b', 'c']);
  });

  it('passes a failure to its caller and lets the next write through', async () => {
    const gate = new WriteGate(1);
    const failing = gate.run(() => Promise.reject(new Error('duplicate key')));
    const next = gate.run(() => Promise.resolve('stored'));
    await expect(failing).rejects.toThrow('duplicate key');
    await expect(next).resolves.toBe('stored');
  });

  it('does not hold writes back without a limit', async () => {
    const gate = new WriteGate();
    const started: number[] = [];
    const hold = deferred();
    const writes = [1, 2, 3].map((n) =>
      gate.run(async () => {
        started.push(n);
        await hold.promise;
      }),
    );
    await Promise.resolve();
    expect(started).toEqual([1, 2, 3]);
    hold.resolve();
    await Promise.all(writes);
  });
});
