import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { diffDefinitions } from './diff.js';
import type { DefinitionChange } from './diff.js';
import { pointerSegments } from './pointer.js';

const fixtureText = readFileSync(new URL('./fixtures/it-incident.ticket-type.json', import.meta.url), 'utf8');
const itIncident = (): Record<string, unknown> => JSON.parse(fixtureText) as Record<string, unknown>;

function locate(document: unknown, pointer: string): [Record<string, unknown>, string] {
  const segments = pointerSegments(pointer);
  const last = segments.pop() as string;
  let container: unknown = document;
  for (const segment of segments) container = (container as Record<string, unknown>)[segment];
  return [container as Record<string, unknown>, last];
}
const at = (document: unknown, pointer: string): unknown => {
  const [container, key] = locate(document, pointer);
  return container[key];
};
const set = (document: unknown, pointer: string, value: unknown): void => {
  const [container, key] = locate(document, pointer);
  container[key] = value;
};
const remove = (document: unknown, pointer: string): void => {
  const [container, key] = locate(document, pointer);
  if (Array.isArray(container)) container.splice(Number(key), 1);
  else delete container[key];
};

const brief = (change: DefinitionChange) => `${change.kind} ${change.path}`;

describe('diffDefinitions', () => {
  it('finds nothing between equal versions', () => {
    expect(diffDefinitions(itIncident(), itIncident())).toEqual([]);
  });

  it('describes a changed setting with its place in words and both values', () => {
    const after = itIncident();
    set(after, '/sla/targets/0/firstResponse/amount', 10);
    expect(diffDefinitions(itIncident(), after)).toEqual([
      {
        path: '/sla/targets/0/firstResponse/amount',
        kind: 'changed',
        before: 15,
        after: 10,
        where: {
          'zh-CN': 'SLA 策略 › 目标 › 第 1 项 › 首次响应时限 › 数量',
          en: 'SLA policy › targets › item 1 › first-response target › amount',
        },
        text: {
          'zh-CN': '修改了SLA 策略 › 目标 › 第 1 项 › 首次响应时限 › 数量：15 → 10',
          en: 'Changed SLA policy › targets › item 1 › first-response target › amount: 15 → 10',
        },
      },
    ]);
  });

  it('matches nodes by id and names them, whatever their position in the list', () => {
    const after = itIncident();
    const nodes = at(after, '/flow/nodes') as unknown[];
    nodes.reverse();
    set(after, '/flow/nodes/6/data/outcomes', ['fixed', 'needs-change', 'duplicate']);
    const changes = diffDefinitions(itIncident(), after).filter((change) => change.kind !== 'moved');
    expect(changes.map(brief)).toEqual(['changed /flow/nodes/6/data/outcomes']);
    expect(changes[0]?.where.en).toBe('flow › nodes › node “Triage and fix” › settings › outcomes');
    expect(changes[0]?.where['zh-CN']).toBe('流程 › 节点 › 节点“分诊处理” › 设置 › 结果');
  });

  it('names added and removed items instead of printing them, and does not call shifted items moved', () => {
    const after = itIncident();
    remove(after, '/flow/nodes/5');
    remove(after, '/flow/edges/6');
    set(after, '/flow/edges/8', {
      id: 'e10',
      source: 'approved?',
      target: 'triage',
      data: { default: true },
    });
    set(after, '/statuses/open/1', { key: 'on-site', name: { 'zh-CN': '现场处理', en: 'On site' } });
    const changes = diffDefinitions(itIncident(), after);
    expect(changes.map((change) => change.text.en)).toEqual([
      'Added statuses › open › status “On site”',
      'Removed flow › nodes › node “notify-rejected”',
      'Removed flow › connections › connection “e7”',
      'Added flow › connections › connection “e10”',
    ]);
  });

  it('reports a reordered routing rule as moved, since the first match wins', () => {
    const after = itIncident();
    const rules = at(after, '/routing') as unknown[];
    rules.splice(0, 0, rules.splice(1, 1)[0]);
    expect(diffDefinitions(itIncident(), after).map((change) => change.text['zh-CN'])).toEqual([
      '调整了分派规则 › 分派规则“infra”的顺序：第 1 项 → 第 2 项',
    ]);
  });

  it('names form fields by their layout label', () => {
    const after = itIncident();
    set(after, '/form/schema/properties/title/maxLength', 100);
    set(after, '/form/schema/properties/asset', { type: 'string' });
    const changes = diffDefinitions(itIncident(), after);
    expect(changes.map((change) => change.text.en)).toEqual([
      'Changed form › data schema › field definitions › field “Title” › maximum length: 200 → 100',
      'Added form › data schema › field definitions › field “asset”: {"type":"string"}',
    ]);
  });

  it('shows a changed text and a changed rule whole', () => {
    const after = itIncident();
    set(after, '/name/en', 'IT incidents');
    set(after, '/routing/0/when', { in: [{ var: 'data.service' }, ['server']] });
    expect(diffDefinitions(itIncident(), after).map((change) => [brief(change), change.text.en])).toEqual([
      ['changed /name', 'Changed name: “IT 故障报修” / “IT incident” → “IT 故障报修” / “IT incidents”'],
      [
        'changed /routing/0/when',
        'Changed routing rules › routing rule “infra” › condition: {"in":[{"var":"data.service"},["server","network"]]} → {"in":[{"var":"data.service"},["server"]]}',
      ],
    ]);
  });

  it('leaves canvas-only changes out unless asked for', () => {
    const after = itIncident();
    set(after, '/flow/nodes/1/position', { x: 50, y: 120 });
    set(after, '/flow/viewport', { x: 0, y: 0, zoom: 2 });
    expect(diffDefinitions(itIncident(), after)).toEqual([]);
    expect(diffDefinitions(itIncident(), after, { includeLayout: true }).map(brief)).toEqual([
      'changed /flow/nodes/1/position/x',
      'added /flow/viewport',
    ]);
  });

  it('compares lists without ids item by item, and lists of values whole', () => {
    const before = { sla: { targets: [{ when: true }, { when: false }], pauseIn: ['pending'] } };
    const after = { sla: { targets: [{ when: true }], pauseIn: ['pending', 'new'] } };
    expect(diffDefinitions(before, after).map(brief)).toEqual([
      'removed /sla/targets/1',
      'changed /sla/pauseIn',
    ]);
  });

  it('describes a change of type, and documents that are not objects', () => {
    expect(diffDefinitions({ routing: [] }, { routing: {} }).map(brief)).toEqual(['changed /routing']);
    expect(diffDefinitions(1, 2)[0]?.text).toEqual({
      'zh-CN': '修改了定义：1 → 2',
      en: 'Changed definition: 1 → 2',
    });
    expect(diffDefinitions(undefined, { key: 'x' }).map(brief)).toEqual(['added ']);
  });
});
