import { describe, expect, it } from 'vitest';
import type { DraftDefinition } from '../designer.types';
import { sampleRuleContext, sampleTicketContext, ticketRuleVariables } from './rule-variables';

const draft = {
  key: 'it.access',
  name: { 'zh-CN': '网络接入', en: 'Network access' },
  category: 'it',
  statuses: { new: [{ key: 'submitted', name: { 'zh-CN': '已提交', en: 'Submitted' } }] },
  form: {
    schema: {
      type: 'object',
      properties: { service: { type: 'string', enum: ['vpn', 'wifi'] }, title: { type: 'string' } },
    },
    layout: [
      {
        section: 'main',
        title: { 'zh-CN': '申请', en: 'Request' },
        fields: [
          { field: 'title', widget: 'text', label: { 'zh-CN': '标题', en: 'Title' } },
          { field: 'service', widget: 'select', label: { 'zh-CN': '服务', en: 'Service' } },
        ],
      },
    ],
  },
  flow: {
    nodes: [
      { id: 'start', type: 'start', data: {} },
      { id: 'boss', type: 'approval', data: { name: { 'zh-CN': '主管审批', en: 'Manager approval' } } },
    ],
    edges: [],
  },
  priority: {
    rules: [{ id: 'vpn', when: { '==': [{ var: 'data.service' }, 'vpn'] }, priority: 'high' }],
    default: 'low',
  },
} as unknown as DraftDefinition;

describe('rule variables and sample contexts', () => {
  it('lists the ticket variables: form data, requester, channel, type, priority, text, steps, now', () => {
    const variables = ticketRuleVariables(draft);
    const paths = variables.map((variable) => variable.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'data.title',
        'data.service',
        'requester.level',
        'requester.department',
        'requester.manager',
        'channel',
        'type',
        'priority',
        'text',
        'status',
        'step.boss.result',
        'now',
      ]),
    );
    const service = variables.find((variable) => variable.path === 'data.service');
    expect(service?.type).toBe('enum');
    expect(service?.options?.map((option) => option.value)).toEqual(['vpn', 'wifi']);
    expect(variables.find((variable) => variable.path === 'requester.manager')?.type).toBe('user');
  });

  it('uses the requester attributes the server lists, with their values as choices', () => {
    const variables = ticketRuleVariables(draft, {
      requesterAttributes: [
        { var: 'requester.level', label: { 'zh-CN': '等级', en: 'Level' }, values: ['vip', 'standard'] },
      ],
    });
    const level = variables.find((variable) => variable.path === 'requester.level');
    expect(level?.type).toBe('enum');
    expect(level?.options?.map((option) => option.value)).toEqual(['vip', 'standard']);
    expect(variables.some((variable) => variable.path === 'requester.department')).toBe(false);
  });

  it('builds the ticket context as the engine does, priority worked out first', () => {
    const sample = {
      data: { title: 'VPN down', service: 'vpn' },
      requester: { level: 'vip' },
      channel: 'email',
      title: '',
    };
    const context = sampleTicketContext(draft, sample, { now: 1_000 });
    expect(context).toMatchObject({
      data: sample.data,
      requester: { level: 'vip', id: 'sample-requester-1' },
      channel: 'email',
      type: 'it.access',
      priority: 'high',
      status: 'submitted',
      text: 'VPN down',
      now: 1_000,
    });
    expect(sampleTicketContext(draft, { ...sample, data: { service: 'wifi' } }, { now: 1 }).priority).toBe(
      'low',
    );
    expect(sampleRuleContext('form', draft, sample, 1)).toEqual(sample.data);
  });
});
