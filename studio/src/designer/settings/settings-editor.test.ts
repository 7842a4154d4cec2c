import { describe, expect, it } from 'vitest';
import { formatTicketNumber } from '../../../../runtime/definitions/number-format';
import { isKnownZone, knownZones, numberExample, statusKeyFrom } from './settings-editor';

describe('settings editor', () => {
  it('makes unique status keys from names', () => {
    expect(statusKeyFrom('Waiting for parts', [])).toBe('waiting-for-parts');
    expect(statusKeyFrom('  2nd line review ', [])).toBe('nd-line-review');
    expect(statusKeyFrom('待审批', [])).toBe('status');
    expect(statusKeyFrom('待审批', ['status', 'status-2'])).toBe('status-3');
    expect(statusKeyFrom('Closed', ['closed'])).toBe('closed-2');
  });

  it('shows the numbers the runtime hands out, in the zone', () => {
    // 2026-12-31 20:00 UTC is already 2027-01-01 in Shanghai.
    const at = Date.parse('2026-12-31T20:00:00Z');
    const example = numberExample('INC-{yyyy}-{seq:5}', 'Asia/Shanghai', at);
    expect(example).toEqual({ first: 'INC-2027-00001', later: 'INC-2027-00042', problems: [] });
    expect(example.later).toBe(
      formatTicketNumber('INC-{yyyy}-{seq:5}', { seq: 42, at, zone: 'Asia/Shanghai' }),
    );
    expect(numberExample('INC-{yyyy}-{seq:5}', 'UTC', at).first).toBe('INC-2026-00001');
  });

  it('explains a format that cannot be used', () => {
    const example = numberExample('INC-{yyyy}', 'Asia/Shanghai');
    expect(example.first).toBe('');
    expect(example.problems.map((problem) => problem.code)).toContain('definition.numberFormat.noSequence');
    expect(numberExample('A-{seq}', 'Nowhere/Land').first).toBe('');
  });

  it('knows zones', () => {
    expect(knownZones()[0]).toBe('Asia/Shanghai');
    expect(isKnownZone('Europe/Paris')).toBe(true);
    expect(isKnownZone('Nowhere/Land')).toBe(false);
    expect(isKnownZone('')).toBe(false);
  });
});
