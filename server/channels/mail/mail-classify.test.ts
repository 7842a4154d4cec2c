import { describe, expect, it } from 'vitest';
import {
  classifyMail,
  referencedIds,
  stripQuoted,
  ticketIdOfReference,
  ticketNumbersIn,
  type MailFacts,
} from './mail-classify.js';

type FactsInput = Partial<Omit<MailFacts, 'headers'>> & { headers?: Record<string, string[]> };

const facts = (overrides: FactsInput = {}): MailFacts => ({
  envelopeFrom: 'ann@example.org',
  from: 'ann@example.org',
  contentType: 'text/plain',
  ownAddresses: new Set(['help@ordo.test']),
  ...overrides,
  headers: new Map(Object.entries(overrides.headers ?? {})),
});

describe('classifyMail', () => {
  const cases: [string, FactsInput, string | undefined][] = [
    ['a person’s mail', {}, undefined],
    ['Auto-Submitted: no is a person', { headers: { 'auto-submitted': ['no'] } }, undefined],
    ['the null sender', { envelopeFrom: '' }, 'bounce'],
    ['MAILER-DAEMON', { from: 'mailer-daemon@example.org' }, 'bounce'],
    [
      'a delivery status report',
      { contentType: 'multipart/report; report-type=delivery-status; boundary=x' },
      'bounce',
    ],
    ['Auto-Submitted: auto-replied', { headers: { 'auto-submitted': ['auto-replied'] } }, 'auto-reply'],
    ['Precedence: bulk', { headers: { precedence: ['bulk'] } }, 'auto-reply'],
    ['X-Autoreply: yes', { headers: { 'x-autoreply': ['yes'] } }, 'auto-reply'],
    ['our own mail back', { headers: { 'x-ordo-ticket': ['t1'] } }, 'loop'],
    ['from one of our mailboxes', { from: 'help@ordo.test' }, 'loop'],
    ['too many hops', { headers: { received: Array.from({ length: 26 }, () => 'by x') } }, 'loop'],
  ];
  it.each(cases)('%s', (_name, input, expected) => {
    expect(classifyMail(facts(input)).refusal).toBe(expected);
  });
});

describe('threading helpers', () => {
  it('reads message ids from In-Reply-To and References', () => {
    expect(referencedIds('<b@x>', ['<a@x>', '<ticket-t123456@ordo>'])).toEqual([
      'a@x',
      'ticket-t123456@ordo',
      'b@x',
    ]);
    expect(ticketIdOfReference('ticket-t123456@ordo')).toBe('t123456');
    expect(ticketIdOfReference('ticket-t123456@elsewhere')).toBeUndefined();
  });

  it('finds ticket numbers in subjects, bracketed or bare', () => {
    expect(ticketNumbersIn('Re: [INC-2026-000123] printer')).toEqual(['INC-2026-000123']);
    expect(ticketNumbersIn('回复：关于 CMP-2026-000001 的处理')).toEqual(['CMP-2026-000001']);
    expect(ticketNumbersIn('Lunch at 12-30?')).toEqual([]);
  });

  it('keeps only the new text of a reply', () => {
    expect(stripQuoted('Thanks, works now.\n\nOn Mon, 1 Jun 2026 Ordo wrote:\n> old text')).toBe(
      'Thanks, works now.',
    );
    expect(stripQuoted('好的，已收到。\n\n在 2026年6月1日 Ordo 写道：\n> 旧内容')).toBe('好的，已收到。');
    expect(stripQuoted('> only quoted')).toBe('> only quoted');
  });
});
