import { describe, expect, it } from 'vitest';
import exampleTicketType from '../definitions/fixtures/it-incident.ticket-type.json' with { type: 'json' };
import { compileValidator } from '../definitions/ajv.js';
import {
  MAX_TEMPLATE_BYTES,
  checkNotificationTemplate,
  notificationTemplateSchema,
  notificationTemplatesSchema,
  renderNotification,
  type NotificationTemplate,
  type RenderOptions,
} from './index.js';

const zh: RenderOptions = { locale: 'zh-CN', zone: 'Asia/Shanghai' };
const en: RenderOptions = { locale: 'en', zone: 'Asia/Shanghai' };
const dueAt = Date.parse('2026-10-08T11:00:00+08:00');
const context = {
  ticket: {
    number: 'INC-2026-000042',
    dueAt,
    url: '/tickets/42',
    tags: ['vpn', 'vip'],
    data: { title: '<script>alert("x")</script> VPN 断线', service: 'vpn' },
  },
  recipient: { name: '王芳' },
};

function body(text: string): NotificationTemplate {
  return { subject: { 'zh-CN': 's', en: 's' }, body: { 'zh-CN': text, en: text } };
}

describe('renderNotification', () => {
  it('renders the example template in both languages, escaping values in the body', () => {
    const template = exampleTicketType.notifications['change-rejected'];
    expect(renderNotification(template, context, zh)).toEqual({
      locale: 'zh-CN',
      subject: '变更被拒绝：INC-2026-000042',
      body: '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; VPN 断线 的变更申请未获批准，请重新处理。',
      fallback: false,
      problems: [],
    });
    expect(renderNotification(template, context, en).subject).toBe('Change rejected: INC-2026-000042');
  });

  it.each([
    {
      name: 'date in the recipient zone, Chinese',
      text: '{{date ticket.dueAt}}',
      options: zh,
      output: '2026年10月8日 11:00',
    },
    { name: 'date only, English', text: '{{date ticket.dueAt "date"}}', options: en, output: 'Oct 8, 2026' },
    {
      name: 'time in another zone',
      text: '{{date ticket.dueAt "time"}}',
      options: { ...en, zone: 'Europe/Paris' },
      output: '5:00 AM',
    },
    {
      name: 'date from ISO text',
      text: '{{date "2026-10-08T03:00:00Z" "date"}}',
      options: zh,
      output: '2026年10月8日',
    },
    {
      name: 'unknown style falls back to date and time',
      text: '{{date ticket.dueAt "weird"}}',
      options: en,
      output: 'Oct 8, 2026, 11:00 AM',
    },
    { name: 'not a date renders nothing', text: '[{{date ticket.nothing}}]', options: zh, output: '[]' },
    {
      name: 'bad zone renders nothing',
      text: '[{{date ticket.dueAt}}]',
      options: { ...zh, zone: 'Mars/Base' },
      output: '[]',
    },
    {
      name: 'field label',
      text: '{{field "service"}}',
      options: { ...zh, fields: { service: { 'zh-CN': '服务', en: 'Service' } } },
      output: '服务',
    },
    { name: 'unknown field shows its key', text: '{{field "nope"}}', options: zh, output: 'nope' },
    { name: 'field with no key', text: '[{{field ticket.nothing}}]', options: zh, output: '[]' },
    {
      name: 'relative link on the base address',
      text: '{{link ticket.url "查看"}}',
      options: { ...zh, baseUrl: 'https://ordo.example.cn/' },
      output: '<a href="https://ordo.example.cn/tickets/42">查看</a>',
    },
    {
      name: 'relative link without base',
      text: '{{link ticket.url}}',
      options: zh,
      output: '<a href="/tickets/42">/tickets/42</a>',
    },
    {
      name: 'absolute link, escaped',
      text: '{{link "https://x.cn/?a=1&b=<2>" "go"}}',
      options: zh,
      output: '<a href="https://x.cn/?a&#x3D;1&amp;b&#x3D;&lt;2&gt;">go</a>',
    },
    {
      name: 'javascript: link is only text',
      text: '{{link "javascript:alert(1)" "<b>x</b>"}}',
      options: zh,
      output: '&lt;b&gt;x&lt;/b&gt;',
    },
    {
      name: 'protocol-relative link is only text',
      text: '{{link "//evil.example"}}',
      options: zh,
      output: '//evil.example',
    },
    {
      name: 'each and if',
      text: '{{#each ticket.tags}}{{#if @first}}{{else}},{{/if}}{{this}}{{/each}}',
      options: zh,
      output: 'vpn,vip',
    },
    {
      name: 'with and unless',
      text: '{{#with recipient}}{{name}}{{/with}}{{#unless ticket.closed}}!{{/unless}}',
      options: zh,
      output: '王芳!',
    },
    {
      name: 'prototype properties do not resolve',
      text: '[{{ticket.constructor}}{{ticket.__proto__}}{{ticket.data.hasOwnProperty}}{{ticket.tags.constructor.name}}]',
      options: zh,
      output: '[]',
    },
  ])('$name', ({ text, options, output }) => {
    const rendered = renderNotification(body(text), context, options);
    expect(rendered.problems).toEqual([]);
    expect(rendered.body).toBe(output);
  });

  it('keeps the subject plain text on one line, unescaped', () => {
    const template: NotificationTemplate = {
      subject: { 'zh-CN': '{{ticket.data.title}}\n{{ticket.number}}', en: '' },
      body: { 'zh-CN': '', en: '' },
    };
    expect(renderNotification(template, context, zh).subject).toBe(
      '<script>alert("x")</script> VPN 断线 INC-2026-000042',
    );
  });

  it('never calls functions found in the context', () => {
    let called = false;
    const sneaky = { ticket: { number: () => ((called = true), 'boom') } };
    const rendered = renderNotification(body('[{{ticket.number}}]'), sneaky, zh);
    expect(called).toBe(false);
    expect(rendered.body).toBe('[]');
  });

  it.each([
    { name: 'syntax error', text: '{{#if}}', code: 'notify.templateInvalid', reason: 'Parse error' },
    {
      name: 'helper off the allow-list',
      text: '{{lookup ticket "number"}}',
      code: 'notify.templateInvalid',
      reason: 'lookup',
    },
    { name: 'log helper', text: '{{log "x"}}', code: 'notify.templateInvalid', reason: 'log' },
    {
      name: 'unknown helper with arguments',
      text: '{{shout ticket.number}}',
      code: 'notify.templateInvalid',
      reason: 'shout',
    },
    { name: 'partial', text: '{{> header}}', code: 'notify.templateInvalid', reason: 'partials' },
    {
      name: 'partial block',
      text: '{{#> layout}}x{{/layout}}',
      code: 'notify.templateInvalid',
      reason: 'partials',
    },
    {
      name: 'inline decorator',
      text: '{{#*inline "p"}}x{{/inline}}',
      code: 'notify.templateInvalid',
      reason: 'decorators',
    },
    {
      name: 'triple-stash in the body',
      text: '{{{ticket.data.title}}}',
      code: 'notify.templateInvalid',
      reason: 'unescaped',
    },
    {
      name: 'ampersand in the body',
      text: '{{& ticket.data.title}}',
      code: 'notify.templateInvalid',
      reason: 'unescaped',
    },
    {
      name: 'too large',
      text: 'x'.repeat(MAX_TEMPLATE_BYTES + 1),
      code: 'notify.templateTooLarge',
      reason: undefined,
    },
    {
      name: 'too much work',
      text: '{{#each a}}{{#each ../a}}{{#each ../../a}}x{{/each}}{{/each}}{{/each}}',
      code: 'notify.budgetExceeded',
      reason: undefined,
    },
  ])('a failing body renders the safe fallback and says why: $name', ({ text, code, reason }) => {
    const rendered = renderNotification(
      body(text),
      { ...context, a: Array.from({ length: 30 }, (_, i) => i) },
      {
        ...zh,
        templateKey: 'change-rejected',
        basePath: '/notifications/change-rejected',
      },
    );
    expect(rendered.fallback).toBe(true);
    expect(rendered.subject).toBe('s');
    expect(rendered.body).toBe('您关注的工单 INC-2026-000042 有新的动态，请登录系统查看详情。');
    expect(rendered.problems).toHaveLength(1);
    expect(rendered.problems[0]).toMatchObject({ code, path: '/notifications/change-rejected/body/zh-CN' });
    expect(rendered.problems[0]?.text['zh-CN']).toContain('“change-rejected”');
    if (reason) expect(String(rendered.problems[0]?.params?.reason)).toContain(reason);
  });

  it('falls back in English too, and without a ticket number', () => {
    const rendered = renderNotification(
      { subject: { 'zh-CN': '{{#if}}', en: '{{#if}}' }, body: { 'zh-CN': '{{#if}}', en: '{{#if}}' } },
      {},
      en,
    );
    expect(rendered).toMatchObject({
      subject: 'Ticket update',
      body: 'There is news on the ticket you follow; please sign in to see the details.',
      fallback: true,
    });
    expect(rendered.problems[0]?.text.en).toContain('(unnamed)');
  });

  it('limits output size and can use a clock budget', () => {
    const big = renderNotification(
      body('{{#each a}}xxxxxxxxxx{{/each}}'),
      { a: Array.from({ length: 50 }) },
      {
        ...zh,
        budget: { maxOutputChars: 100 },
      },
    );
    expect(big.problems.map((problem) => problem.code)).toEqual(['notify.outputTooLarge']);

    let fakeNow = 0;
    const slow = renderNotification(
      body('{{#each a}}{{this}}{{/each}}'),
      { a: [1, 2, 3] },
      {
        ...zh,
        budget: { clock: () => (fakeNow += 40), maxMs: 100 },
      },
    );
    expect(slow.problems.map((problem) => problem.code)).toEqual(['notify.budgetExceeded']);
  });

  it('refuses a context that cannot be turned into plain data', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const rendered = renderNotification(body('x'), cyclic, zh);
    expect(rendered.problems.map((problem) => problem.code)).toEqual([
      'notify.renderFailed',
      'notify.renderFailed',
    ]);
    expect(renderNotification(body('x'), { huge: 'x'.repeat(1_000_001) }, zh).fallback).toBe(true);
  });

  it('reports a helper failing while rendering', () => {
    const rendered = renderNotification(body('{{#each 5}}{{/each}}{{#with}}{{/with}}'), context, zh);
    expect(rendered.problems.map((problem) => problem.code)).toEqual(['notify.renderFailed']);
  });

  it('treats a missing text as empty', () => {
    const rendered = renderNotification(
      { subject: { en: 'x' }, body: {} } as unknown as NotificationTemplate,
      context,
      zh,
    );
    expect(rendered).toMatchObject({ subject: '', body: '', fallback: false });
  });
});

describe('checking templates when they are saved', () => {
  it('finds nothing wrong with the example templates', () => {
    for (const [key, template] of Object.entries(exampleTicketType.notifications)) {
      expect(checkNotificationTemplate(template, `/notifications/${key}`, key)).toEqual([]);
    }
  });

  it('reports each bad text with its path', () => {
    const problems = checkNotificationTemplate(
      { subject: { 'zh-CN': '{{lookup a b}}', en: 'ok' }, body: { 'zh-CN': 'ok', en: '{{{raw}}}' } },
      '/notifications/x',
    );
    expect(problems.map((problem) => [problem.code, problem.path])).toEqual([
      ['notify.templateInvalid', '/notifications/x/subject/zh-CN'],
      ['notify.templateInvalid', '/notifications/x/body/en'],
    ]);
  });

  it('schemas accept the example and refuse malformed templates', () => {
    const validateOne = compileValidator(notificationTemplateSchema);
    const validateAll = compileValidator(notificationTemplatesSchema);
    expect(validateAll(exampleTicketType.notifications)).toEqual([]);
    expect(
      validateOne({ subject: { 'zh-CN': 'x' }, body: { 'zh-CN': 'y', en: 'y' } }).length,
    ).toBeGreaterThan(0);
    expect(
      validateAll({ 'bad key!': exampleTicketType.notifications['change-rejected'] }).length,
    ).toBeGreaterThan(0);
  });
});
