import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  fillTemplate,
  formatMessage,
  formatMessageIn,
  formatMessageInLayers,
  localize,
  partsOfTemplate,
} from './types.js';

/** What formatMessage did before templates were cut once: one regex replace per call. */
function formatByRegex(template: string, params: Record<string, unknown>): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) =>
    Object.prototype.hasOwnProperty.call(params, name) ? String(params[name]) : whole,
  );
}

const templateText = fc
  .array(fc.constantFrom('{a}', '{b}', '{', '}', '{{a}}', '{a b}', '{}', 'x', '路由', ' ', '$&', '{c_1}'), {
    maxLength: 12,
  })
  .map((pieces) => pieces.join(''));
const paramsOf = fc.dictionary(
  fc.constantFrom('a', 'b', 'c_1', 'd'),
  fc.oneof(fc.string(), fc.integer(), fc.constant(null), fc.constant(undefined), fc.constant('{b}')),
);

describe('formatMessage', () => {
  it('fills like a regex replace of every {name}, leaving unknown names as written', () => {
    fc.assert(
      fc.property(templateText, paramsOf, (template, params) => {
        expect(formatMessage(template, params)).toBe(formatByRegex(template, params));
      }),
    );
  });

  it('reads a template cut once as often as it is used, whatever params come', () => {
    const template = '命中 {rule}：{team}';
    expect(formatMessage(template, { rule: 'vip', team: 'it-desk' })).toBe('命中 vip：it-desk');
    expect(formatMessage(template, { rule: 'default' })).toBe('命中 default：{team}');
    expect(partsOfTemplate(template)).toBe(partsOfTemplate(template));
    expect(partsOfTemplate(template)).toEqual(['命中 ', 'rule', '：', 'team', '']);
  });

  it('does not read inherited properties as params', () => {
    expect(formatMessage('{toString} {a}', { a: 1 })).toBe('{toString} 1');
  });

  it('keeps filling correctly after the template cache is full and cleared', () => {
    for (let index = 0; index < 5000; index += 1) formatMessage(`t${index} {a}`, { a: index });
    expect(formatMessage('t1 {a}', { a: 'x' })).toBe('t1 x');
  });

  it('fills parts with a lookup, a name without a value staying as written', () => {
    expect(fillTemplate(['a ', 'x', ' b ', 'y', ''], (name) => (name === 'x' ? 'X' : undefined))).toBe(
      'a X b {y}',
    );
  });
});

describe('formatMessageIn', () => {
  const localized = fc.record({ 'zh-CN': fc.string(), en: fc.string() });

  it('reads a LocalizedText param in the language asked for, like filling a per-language copy of the params', () => {
    fc.assert(
      fc.property(
        templateText,
        fc.dictionary(fc.constantFrom('a', 'b', 'c_1'), fc.oneof(fc.string(), fc.integer(), localized)),
        fc.constantFrom('zh-CN' as const, 'en' as const),
        (template, params, locale) => {
          const copy = Object.fromEntries(
            Object.entries(params).map(([name, value]) => [
              name,
              typeof value === 'object' ? value[locale] : value,
            ]),
          );
          expect(formatMessageIn(locale, template, params)).toBe(formatByRegex(template, copy));
        },
      ),
    );
  });

  it('ignores a non-enumerable own property, as a copy of the entries would', () => {
    const params = Object.defineProperty({ a: 1 }, 'b', { value: 2, enumerable: false });
    expect(formatMessageIn('en', '{a} {b}', params)).toBe('1 {b}');
  });

  it('fills both languages like localize when no param is localized', () => {
    const messages = { 'zh-CN': '团队“{team}”', en: 'team “{team}”' };
    expect({
      'zh-CN': formatMessageIn('zh-CN', messages['zh-CN'], { team: 'ops' }),
      en: formatMessageIn('en', messages.en, { team: 'ops' }),
    }).toEqual(localize(messages, { team: 'ops' }));
  });
});

describe('formatMessageInLayers', () => {
  const localized = fc.record({ 'zh-CN': fc.string(), en: fc.string() });
  const layer = fc.dictionary(
    fc.constantFrom('a', 'b', 'c_1', '__proto__'),
    fc.oneof(fc.string(), fc.integer(), fc.constant(undefined), localized),
  );

  it('fills like formatMessageIn over the spread { ...params, ...overrides }', () => {
    fc.assert(
      fc.property(templateText, layer, layer, (template, params, overrides) => {
        for (const locale of ['zh-CN', 'en'] as const) {
          expect(formatMessageInLayers(locale, template, params, overrides)).toBe(
            formatMessageIn(locale, template, { ...params, ...overrides }),
          );
        }
      }),
    );
  });

  it('skips non-enumerable properties of either layer, as the spread would', () => {
    const params = Object.defineProperty({ a: 'shown' }, 'b', { value: 'hidden', enumerable: false });
    const overrides = Object.defineProperty({}, 'a', { value: 'hidden', enumerable: false });
    expect(formatMessageInLayers('en', '{a} {b}', params, overrides)).toBe('shown {b}');
  });
});
