import { describe, expect, it } from 'vitest';
import {
  MappingError,
  labelsFingerprint,
  mapAlerts,
  parsePath,
  priorityOf,
  readPath,
  ticketDataOf,
} from './alert-mapping.js';

const refusal = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    if (error instanceof MappingError) return { field: error.field, code: error.code };
    throw error;
  }
  throw new Error('expected a MappingError');
};

describe('JSON paths', () => {
  it.each([
    ['$.alerts', { alerts: [1] }, [1]],
    ['labels.severity', { labels: { severity: 'critical' } }, 'critical'],
    ["$['odd key'].x", { 'odd key': { x: 1 } }, 1],
    ['$.alerts[1].id', { alerts: [{ id: 'a' }, { id: 'b' }] }, 'b'],
    ['$.missing.deeper', { other: 1 }, undefined],
    ['$.toString', {}, undefined],
  ])('%s reads %j', (path, document, expected) => {
    expect(readPath(document, path)).toEqual(expected);
  });

  it.each(['$..x', '$.constructor', '', '$.a[', 'a b'])('refuses %j', (path) => {
    expect(parsePath(path).ok).toBe(false);
  });
});

describe('Alertmanager preset', () => {
  const alert = {
    status: 'firing',
    labels: { alertname: 'DiskFull', instance: 'db-1', severity: 'Warning' },
    annotations: { summary: 'Disk 95% full', description: '/var at 95%' },
    startsAt: '2026-10-08T02:00:00.123Z',
    endsAt: '0001-01-01T00:00:00Z',
    generatorURL: 'http://prometheus/graph',
    fingerprint: 'abc123',
  };

  it('maps each alert: title from the name and summary, no end for the zero time, severity lower case', () => {
    const [mapped] = mapAlerts({ status: 'firing', alerts: [alert] }, 'alertmanager', undefined);
    expect(mapped).toEqual({
      fingerprint: 'abc123',
      status: 'firing',
      title: 'DiskFull: Disk 95% full',
      description: '/var at 95%',
      severity: 'warning',
      startsAt: '2026-10-08T02:00:00.123Z',
      labels: alert.labels,
      annotations: alert.annotations,
      url: 'http://prometheus/graph',
    });
  });

  it('without a fingerprint, hashes the sorted labels (the same alert, the same fingerprint)', () => {
    const { fingerprint: _left, ...unprinted } = alert;
    const [a] = mapAlerts({ alerts: [unprinted] }, 'alertmanager', undefined);
    const [b] = mapAlerts(
      {
        alerts: [{ ...unprinted, labels: { severity: 'Warning', instance: 'db-1', alertname: 'DiskFull' } }],
      },
      'alertmanager',
      undefined,
    );
    expect(a!.fingerprint).toBe(labelsFingerprint(alert.labels));
    expect(b!.fingerprint).toBe(a!.fingerprint);
  });

  it.each([
    [{}, 'body.alerts'],
    [{ alerts: [] }, 'body.alerts'],
    [{ alerts: [{ ...alert, labels: {} }] }, 'body.alerts.0.labels'],
    [{ alerts: [alert, { ...alert, status: 'sleeping' }] }, 'body.alerts.1.status'],
    [{ alerts: [{ ...alert, startsAt: 'yesterday' }] }, 'body.alerts.0.startsAt'],
    [[alert], 'body'],
  ])('refuses %j naming %s', (payload, field) => {
    expect(refusal(() => mapAlerts(payload, 'alertmanager', undefined)).field).toBe(field);
  });
});

describe('generic preset', () => {
  it('takes one alert or a list, with recovered words as resolved', () => {
    expect(
      mapAlerts({ id: 'x1', title: 'Queue backlog', status: 'OK', severity: 'High' }, 'generic', undefined),
    ).toMatchObject([
      { fingerprint: 'x1', status: 'resolved', severity: 'high', description: 'Queue backlog' },
    ]);
    expect(
      mapAlerts(
        {
          alerts: [
            { fingerprint: 'a', title: 'One' },
            { fingerprint: 'b', title: 'Two' },
          ],
        },
        'generic',
        undefined,
      ),
    ).toHaveLength(2);
  });

  it('wants a fingerprint and a title', () => {
    expect(refusal(() => mapAlerts({ title: 'No key' }, 'generic', undefined))).toEqual({
      field: 'body.fingerprint',
      code: 'alert.mapping.missing',
    });
    expect(refusal(() => mapAlerts({ alerts: [{ id: 'k' }] }, 'generic', undefined)).field).toBe(
      'body.alerts.0.title',
    );
  });
});

describe('custom mapping', () => {
  const mapping = {
    items: '$.events',
    fingerprint: { path: '$.check.id' },
    title: { logic: { cat: [{ var: 'check.name' }, ' on ', { var: 'host' }] } },
    status: { logic: { if: [{ '==': [{ var: 'state' }, 0] }, 'resolved', 'firing'] } },
    severity: { path: '$.level' },
    labels: { path: '$.tags' },
  };

  it('maps JSON paths and json-logic per item', () => {
    const alerts = mapAlerts(
      {
        events: [
          { check: { id: 'c1', name: 'ping' }, host: 'gw', state: 2, level: 'P1', tags: { site: 'sh' } },
          { check: { id: 'c2', name: 'http' }, host: 'web', state: 0, level: 'P3' },
        ],
      },
      'custom',
      mapping,
    );
    expect(alerts).toMatchObject([
      { fingerprint: 'c1', title: 'ping on gw', status: 'firing', severity: 'p1', labels: { site: 'sh' } },
      { fingerprint: 'c2', title: 'http on web', status: 'resolved', severity: 'p3', labels: {} },
    ]);
  });

  it('names the payload path a missing value was read from', () => {
    expect(
      refusal(() => mapAlerts({ events: [{ check: { name: 'ping' }, host: 'gw' }] }, 'custom', mapping))
        .field,
    ).toBe('body.events.0.check.id');
    expect(refusal(() => mapAlerts({ other: [] }, 'custom', mapping)).field).toBe('body.events');
  });
});

describe('priority and ticket data', () => {
  it('maps severity to priority: exact, then *, then the default', () => {
    expect(priorityOf('critical', { critical: 'urgent', '*': 'low' }, 'medium')).toBe('urgent');
    expect(priorityOf('odd', { critical: 'urgent', '*': 'low' }, 'medium')).toBe('low');
    expect(priorityOf('odd', {}, 'medium')).toBe('medium');
  });

  it('fills the form from the priority values and the field mapping', () => {
    const [alert] = mapAlerts(
      { fingerprint: 'f', title: 'Disk full', labels: { host: 'db-1' } },
      'generic',
      undefined,
    );
    expect(
      ticketDataOf(
        { alert: alert!, priority: 'high', channel: 'Prometheus' },
        {
          title: { path: '$.alert.title' },
          hostname: { path: '$.alert.labels.host' },
          service: { logic: 'server' },
          missing: { path: '$.alert.labels.nothing' },
        },
        { high: { impact: 'team', urgency: 'high' } },
      ),
    ).toEqual({ impact: 'team', urgency: 'high', title: 'Disk full', hostname: 'db-1', service: 'server' });
  });
});
