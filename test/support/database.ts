import { inject } from 'vitest';

/**
 * A connection URI for a database of this test file's own: the same store for the whole run, a different
 * database name per file so files can run in parallel without seeing each other's data.
 */
export function testDatabaseUri(name: string): string {
  const base = new URL(inject('storeUri'));
  const database = `ordo_test_${name.replace(/[^a-zA-Z0-9_]/g, '_')}_${process.pid}`.slice(0, 60);
  base.pathname = `/${database}`;
  return base.toString();
}
