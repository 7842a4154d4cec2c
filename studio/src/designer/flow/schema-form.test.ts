import { describe, expect, it } from 'vitest';
import { NODE_KINDS, nodeConfigSchemas } from '../../../../runtime/flow/registry';
import { choiceIndexOf, describeSchema, emptyValueOf, panelOf, type FieldModel } from './schema-form';
import { rightOf, withRight } from './step-rights';

const field = (kind: keyof typeof nodeConfigSchemas, key: string): FieldModel => {
  const found = panelOf(nodeConfigSchemas[kind]).find((property) => property.key === key);
  if (!found) throw new Error(`${kind}.${key} missing`);
  return found.model;
};

describe('property panels from the node kinds’ config schemas', () => {
  it('gives every kind of the registry a panel, the step name first', () => {
    for (const kind of NODE_KINDS) {
      const panel = panelOf(nodeConfigSchemas[kind]);
      expect(panel.length, kind).toBeGreaterThan(0);
      expect(panel[0]!.key, kind).toBe('name');
      expect(panel[0]!.model.kind).toBe('localized');
    }
  });

  it('reads the approval: approvers as a group of sources, mode as one of four words', () => {
    const approvers = field('approval', 'approvers');
    expect(approvers.kind).toBe('object');
    if (approvers.kind !== 'object') return;
    expect(
      approvers.fields.map((f) => [f.key, f.model.kind, 'ref' in f.model ? f.model.ref : undefined]),
    ).toEqual([
      ['users', 'tags', 'user'],
      ['role', 'string', 'role'],
      ['team', 'string', 'team'],
      ['requesterManager', 'boolean', undefined],
      ['field', 'string', 'field'],
    ]);
    expect(field('approval', 'mode')).toMatchObject({
      kind: 'enum',
      options: ['single', 'sequential', 'any-of', 'all-of'],
      default: 'single',
    });
    expect(panelOf(nodeConfigSchemas.approval).find((f) => f.key === 'approvers')!.required).toBe(true);
  });

  it('reads the task assignee as a choice of a word or a team / person / form field', () => {
    const assign = field('task', 'assign');
    expect(assign.kind).toBe('choice');
    if (assign.kind !== 'choice') return;
    expect(assign.options.map((option) => option.title)).toEqual([
      'routing',
      'requester-manager',
      'Team',
      'Person',
      'Person from a form field',
    ]);
    expect(choiceIndexOf(assign.options, 'routing')).toBe(0);
    expect(choiceIndexOf(assign.options, { team: 'it', strategy: 'round-robin' })).toBe(2);
    expect(choiceIndexOf(assign.options, { user: 'u1' })).toBe(3);
    expect(choiceIndexOf(assign.options, { field: 'manager' })).toBe(4);
    expect(choiceIndexOf(assign.options, undefined)).toBeUndefined();
    const team = assign.options[2]!;
    expect(team.kind === 'model' && emptyValueOf(team.model)).toEqual({ team: '' });
  });

  it('reads durations, references, lists of choices, maps and expressions', () => {
    expect(field('confirm', 'autoCloseAfter')).toMatchObject({
      kind: 'duration',
      units: ['minutes', 'hours', 'calendarDays', 'businessHours', 'businessDays'],
    });
    const sla = field('task', 'sla');
    expect(sla.kind === 'duration' && sla.extra.map((f) => f.key)).toEqual(['calendar']);
    expect(field('notify', 'template')).toMatchObject({ kind: 'string', ref: 'template' });
    expect(field('confirm', 'reopenTo')).toMatchObject({ kind: 'string', ref: 'node' });
    expect(field('notify', 'channels')).toMatchObject({ kind: 'tags', options: ['email', 'in-app'] });
    const to = field('notify', 'to');
    expect(to.kind === 'list' && to.item.kind).toBe('choice');
    expect(field('task', 'outcomes')).toMatchObject({ kind: 'tags' });
    const webhook = field('action', 'webhook');
    expect(webhook.kind === 'object' && webhook.fields.map((f) => [f.key, f.model.kind])).toEqual([
      ['url', 'string'],
      ['method', 'enum'],
      ['headers', 'map'],
      ['body', 'json'],
    ]);
    expect(field('action', 'set')).toMatchObject({ kind: 'map', value: { kind: 'json' } });
    expect(field('wait', 'for')).toMatchObject({ kind: 'enum', options: ['duration', 'reply'] });
  });

  it('a kind it has never seen still gets a panel', () => {
    const panel = panelOf({
      type: 'object',
      properties: {
        level: { type: 'integer', minimum: 1, title: 'Level' },
        mood: {
          anyOf: [
            { const: 'calm', title: 'Calm' },
            { type: 'object', title: 'Custom', properties: { text: { type: 'string' } }, required: ['text'] },
          ],
        },
      },
    });
    expect(panel.map((property) => property.model.kind)).toEqual(['number', 'choice']);
    const mood = panel[1]!.model;
    expect(mood.kind === 'choice' && mood.options.map((option) => option.title)).toEqual(['Calm', 'Custom']);
    expect(describeSchema(undefined)).toEqual({ kind: 'json' });
  });

  it('starts empty settings with what the schema asks for', () => {
    expect(emptyValueOf(field('approval', 'approvers'))).toEqual({});
    expect(emptyValueOf(field('action', 'webhook'))).toEqual({ url: '' });
    expect(emptyValueOf(field('approval', 'mode'))).toBe('single');
    expect(emptyValueOf(field('confirm', 'autoCloseAfter'))).toEqual({ amount: 1, unit: 'hours' });
  });
});

describe('step field rights', () => {
  it('keeps one choice per field and drops what is empty', () => {
    let rights = withRight(undefined, 'reason', 'read');
    expect(rights).toEqual({ readOnly: ['reason'] });
    rights = withRight(rights, 'days', 'edit');
    rights = withRight(rights, 'reason', 'hidden');
    expect(rights).toEqual({ editable: ['days'], hidden: ['reason'] });
    expect(rightOf(rights, 'reason')).toBe('hidden');
    expect(rightOf(rights, 'days')).toBe('edit');
    expect(rightOf(rights, 'other')).toBe('inherit');
    rights = withRight(rights, 'reason', 'inherit');
    rights = withRight(rights, 'days', 'inherit');
    expect(rights).toBeUndefined();
  });
});
