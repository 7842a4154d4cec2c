import { describe, expect, it } from 'vitest';
import { definitionMessages, definitionProblem, messageText, patternHint } from './messages.js';

const placeholders = (template: string) =>
  [...template.matchAll(/\{(\w+)\}/g)].map((match) => match[1]).sort();

describe('definitionMessages', () => {
  it.each(Object.entries(definitionMessages))(
    '%s has both languages with the same placeholders',
    (_code, texts) => {
      expect(texts['zh-CN'].trim()).not.toBe('');
      expect(texts.en.trim()).not.toBe('');
      expect(placeholders(texts['zh-CN'])).toEqual(placeholders(texts.en));
    },
  );
});

describe('messageText', () => {
  it('reads localized params in each language and joins lists the way each language does', () => {
    expect(
      messageText('flow.node.unknownType', {
        node: { 'zh-CN': '分诊', en: 'Triage' },
        type: 'robot',
        allowed: ['task', 'end'],
      }),
    ).toEqual({
      'zh-CN': '节点“分诊”的类型“robot”无法识别，可用：task、end',
      en: 'The node “Triage” has the unknown type “robot”; use one of: task, end.',
    });
  });

  it('shows numbers, booleans and objects, and leaves missing params empty', () => {
    expect(messageText('definition.invalid', { label: 'x', detail: { a: 1 } }).en).toBe(
      'The x is invalid ({"a":1}).',
    );
    expect(messageText('flow.node.ambiguousExit', { node: null, count: 2 }).en).toContain('“” has 2');
    expect(messageText('definition.const', { label: 'flag', allowed: true, at: undefined }).en).toBe(
      'The flag must be true.',
    );
  });
});

describe('definitionProblem', () => {
  it('keeps params and the node or edge it is about', () => {
    expect(definitionProblem('flow.start.missing', '/flow/nodes')).toEqual({
      code: 'flow.start.missing',
      path: '/flow/nodes',
      text: { 'zh-CN': '流程缺少开始节点', en: 'The flow has no start node.' },
    });
    expect(
      definitionProblem(
        'flow.edge.duplicateId',
        '/flow/edges/1/id',
        { id: 'e1' },
        { edgeId: 'e1', nodeId: 'n' },
      ),
    ).toMatchObject({
      params: { id: 'e1' },
      edgeId: 'e1',
      nodeId: 'n',
    });
  });
});

describe('patternHint', () => {
  it('explains an unknown pattern by showing it', () => {
    expect(patternHint('^x+$').en).toBe('it must match the pattern ^x+$');
  });
});
