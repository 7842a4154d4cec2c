import { describe, expect, it } from 'vitest';
import { blankTicketType } from '../blank-type';
import {
  EVENT_KEYS,
  TEMPLATE_KEY,
  freeKey,
  hasBuiltIn,
  insertAt,
  preview,
  sampleContext,
  starterTemplate,
  templateProblems,
} from './notifications-editor';

const draft = blankTicketType('it.printer', { 'zh-CN': '打印机', en: 'Printer' }, 'it');
const sample = { data: { floor: 3 }, requester: {}, channel: 'portal', title: '' };
const AT = Date.parse('2026-10-09T02:00:00Z');

describe('notifications editor', () => {
  it('offers the events the server notifies of, with their built-in texts', () => {
    expect(EVENT_KEYS).toEqual(expect.arrayContaining(['sla-warning', 'sla-breach', 'assigned', 'survey']));
    expect(hasBuiltIn('sla-breach')).toBe(true);
    expect(templateProblems(starterTemplate('sla-breach'), 'sla-breach')).toEqual([]);
    expect(templateProblems(starterTemplate('my-own'), 'my-own')).toEqual([]);
    for (const key of EVENT_KEYS) expect(TEMPLATE_KEY.test(key)).toBe(true);
  });

  it('previews a template on the sample ticket with the runtime', () => {
    const context = sampleContext(draft, sample, 'zh-CN', AT);
    expect((context.ticket as { number: string }).number).toBe('PRINTER-2026-00042');
    const rendered = preview(
      {
        subject: { 'zh-CN': '{{ticket.number}} 在 {{ticket.data.floor}} 楼', en: '{{ticket.number}}' },
        body: { 'zh-CN': '<p>{{ticket.title}} {{field "floor"}} {{link ticket.url "看"}}</p>', en: '' },
      },
      context,
      {
        locale: 'zh-CN',
        zone: 'Asia/Shanghai',
        fields: [{ field: 'floor', widget: 'number', label: { 'zh-CN': '楼层', en: 'Floor' } }],
        key: 'custom',
        baseUrl: 'https://ordo.example',
      },
    );
    expect(rendered.subject).toBe('PRINTER-2026-00042 在 3 楼');
    expect(rendered.body).toBe(
      '<p>示例工单：三楼打印机无法打印 楼层 <a href="https://ordo.example/tickets/sample">看</a></p>',
    );
    expect(rendered.fallback).toBe(false);
    const english = sampleContext(draft, { ...sample, title: 'Paper jam' }, 'en', AT);
    expect((english.ticket as { title: string }).title).toBe('Paper jam');
  });

  it('shows the runtime refusing unsafe templates', () => {
    const unsafe = {
      subject: { 'zh-CN': '{{> header}}', en: 'ok' },
      body: { 'zh-CN': '<p>{{{ticket.title}}}</p>', en: '{{lookup ticket "title"}}' },
    };
    const problems = templateProblems(unsafe, 'bad');
    expect(problems.map((problem) => problem.path)).toEqual([
      '/notifications/bad/subject/zh-CN',
      '/notifications/bad/body/zh-CN',
      '/notifications/bad/body/en',
    ]);
    expect(problems.every((problem) => problem.code === 'notify.templateInvalid')).toBe(true);
    const rendered = preview(unsafe, sampleContext(draft, sample, 'zh-CN', AT), {
      locale: 'zh-CN',
      zone: 'Asia/Shanghai',
      fields: [],
      key: 'bad',
      baseUrl: '',
    });
    expect(rendered.fallback).toBe(true);
    expect(rendered.body).not.toContain('<p>');
  });

  it('inserts a variable at the caret and finds free keys', () => {
    expect(insertAt('ab', 'X', 1, 1)).toEqual({ value: 'aXb', caret: 2 });
    expect(insertAt('abc', 'X', 1, 2)).toEqual({ value: 'aXc', caret: 2 });
    expect(insertAt('ab', 'X', undefined, undefined)).toEqual({ value: 'abX', caret: 3 });
    expect(freeKey('custom', ['custom', 'custom-2'])).toBe('custom-3');
    expect(freeKey('custom', [])).toBe('custom');
  });
});
