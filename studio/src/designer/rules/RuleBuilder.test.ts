// @vitest-environment happy-dom
import { mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { describe, expect, it } from 'vitest';
import { nextTick } from 'vue';
import ElementPlus from 'element-plus';
import { i18n } from '../../modules/i18n';
import RuleBuilder from './RuleBuilder.vue';
import type { RuleVariableInfo } from './rule-builder.types';

const variables: RuleVariableInfo[] = [
  {
    path: 'data.service',
    label: { 'zh-CN': '服务', en: 'Service' },
    type: 'enum',
    options: [
      { value: 'server', label: { 'zh-CN': '服务器', en: 'Server' } },
      { value: 'network', label: { 'zh-CN': '网络', en: 'Network' } },
    ],
  },
  { path: 'data.amount', label: { 'zh-CN': '金额', en: 'Amount' }, type: 'number' },
];

function mountBuilder(modelValue: unknown) {
  const pinia = createPinia();
  setActivePinia(pinia);
  const updates: unknown[] = [];
  const wrapper = mount(RuleBuilder, {
    props: {
      modelValue,
      variables,
      context: 'ticket' as const,
      'onUpdate:modelValue': (value: unknown) => updates.push(value),
    },
    global: { plugins: [pinia, i18n, ElementPlus] },
  });
  return { wrapper, updates };
}

describe('RuleBuilder', () => {
  it('draws a rule it can show as rows, one per condition, without writing anything', async () => {
    const rule = {
      and: [{ '==': [{ var: 'data.service' }, 'server'] }, { '>': [{ var: 'data.amount' }, 5] }],
    };
    const { wrapper, updates } = mountBuilder(rule);
    await nextTick();
    expect(wrapper.findAll('[data-test="rule-row"]')).toHaveLength(2);
    expect(wrapper.find('[data-test="rule-not-visual"]').exists()).toBe(false);
    expect(updates).toEqual([]);
  });

  it('adds a condition to the group and writes the and', async () => {
    const { wrapper, updates } = mountBuilder({ '==': [{ var: 'data.service' }, 'server'] });
    await wrapper.find('[data-test="rule-add-condition"]').trigger('click');
    expect(updates.at(-1)).toEqual({
      and: [{ '==': [{ var: 'data.service' }, 'server'] }, { '==': [{ var: 'data.service' }, null] }],
    });
    expect(wrapper.findAll('[data-test="rule-row"]')).toHaveLength(2);
  });

  it('removing the last condition of a required rule leaves true', async () => {
    const { wrapper, updates } = mountBuilder({ '==': [{ var: 'data.service' }, 'server'] });
    await wrapper.find('[data-test="rule-remove"]').trigger('click');
    expect(updates.at(-1)).toBe(true);
  });

  it('keeps a rule it cannot draw as JSON with a note, and never rewrites it', async () => {
    const rule = { '>': [{ '+': [{ var: 'data.amount' }, 1] }, 10] };
    const { wrapper, updates } = mountBuilder(rule);
    await nextTick();
    expect(wrapper.find('[data-test="rule-not-visual"]').exists()).toBe(true);
    const textarea = wrapper.find('textarea[data-test="rule-json"]');
    expect(JSON.parse((textarea.element as HTMLTextAreaElement).value)).toEqual(rule);
    expect(updates).toEqual([]);
  });

  it('applies valid JSON typed in the JSON tab and reports invalid JSON without writing it', async () => {
    const { wrapper, updates } = mountBuilder(undefined);
    await wrapper.find('[data-test="rule-tab-json"] input').setValue(true);
    await nextTick();
    const textarea = wrapper.find('textarea[data-test="rule-json"]');
    await textarea.setValue('{"==": [{"var": "data.service"}, "network"]}');
    expect(updates.at(-1)).toEqual({ '==': [{ var: 'data.service' }, 'network'] });
    await textarea.setValue('{"==": [');
    expect(updates).toHaveLength(1);
    expect(wrapper.find('[role="alert"]').exists()).toBe(true);
  });
});
