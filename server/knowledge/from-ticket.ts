/**
 * "Create from ticket": a draft article filled from a ticket — its form, its resolution and its public
 * conversation — through the mapping template of its ticket type (Handlebars, one template per article field),
 * or the default mapping when the type has none.
 */
import Handlebars from 'handlebars';
import type { Connection } from 'mongoose';
import type { LocalizedText, Locale } from '../../runtime/common/types.js';
import type { TicketState } from '../../runtime/engine/types.js';
import { badRequest } from '../lib/problem.js';
import { kbSettings, type ArticleContent } from './article.model.js';

export const MAPPING_FIELDS = [
  'title',
  'problem',
  'steps',
  'rootCause',
  'solution',
  'tags',
  'category',
] as const;
export type MappingField = (typeof MAPPING_FIELDS)[number];
export type Mapping = Record<MappingField, string>;

/** Used for every type without a mapping of its own. */
export const DEFAULT_MAPPING: Mapping = {
  title: '{{ticket.title}}',
  problem: '{{#if description}}{{description}}\n\n{{/if}}{{#each fields}}{{label}}: {{value}}\n{{/each}}',
  steps: '{{#each conversation}}{{add @index 1}}. {{body}}\n{{/each}}',
  rootCause: '',
  solution: '{{#if resolution}}{{resolution}}{{else}}{{lastStaffReply}}{{/if}}',
  tags: '{{ticket.type}}{{#each choices}},{{this}}{{/each}}',
  category: '{{ticket.category}}',
};

const handlebars = Handlebars.create();
handlebars.registerHelper('add', (left: unknown, right: unknown) => Number(left) + Number(right));

/** Compiles every field's template, or names the one that does not compile. */
export function checkMapping(mapping: Partial<Mapping>, fieldPrefix: string): void {
  for (const field of MAPPING_FIELDS) {
    const template = mapping[field];
    if (template === undefined) continue;
    try {
      handlebars.precompile(template, { noEscape: true });
    } catch (error) {
      throw badRequest(`${fieldPrefix}.${field}`, {
        'zh-CN': `模板无法解析：${(error as Error).message.split('\n')[0]}`,
        en: `the template does not parse: ${(error as Error).message.split('\n')[0]}`,
      });
    }
  }
}

const mappingId = (typeKey: string) => `mapping:${typeKey}`;

export async function mappingOf(
  db: Connection,
  typeKey: string,
): Promise<{ mapping: Mapping; custom: boolean }> {
  const stored = await kbSettings(db).findOne({ _id: mappingId(typeKey) });
  if (!stored) return { mapping: { ...DEFAULT_MAPPING }, custom: false };
  return { mapping: { ...DEFAULT_MAPPING, ...(stored.value as Partial<Mapping>) }, custom: true };
}

export async function saveMapping(
  db: Connection,
  typeKey: string,
  mapping: Mapping,
  actor: string,
  now: Date,
) {
  await kbSettings(db).replaceOne(
    { _id: mappingId(typeKey) },
    { value: mapping, updatedAt: now, updatedBy: actor },
    { upsert: true },
  );
}

/** Drop a type's own mapping: its tickets use `DEFAULT_MAPPING` again. */
export async function removeMapping(db: Connection, typeKey: string): Promise<void> {
  await kbSettings(db).deleteOne({ _id: mappingId(typeKey) });
}

export interface TicketForArticle {
  state: TicketState;
  number: string;
  title: string;
  typeName: LocalizedText | undefined;
  typeCategory: string;
  /** The form's layout: labels and option labels. */
  layout: {
    fields?: {
      field: string;
      label?: LocalizedText;
      options?: { value: unknown; label?: LocalizedText }[];
    }[];
  }[];
  /** Public comments in order, with whether staff wrote them. */
  conversation: { body: string; byStaff: boolean; at: string }[];
  resolution: string;
}

const text = (value: LocalizedText | undefined, locale: Locale, fallback: string) =>
  value?.[locale] ?? value?.en ?? value?.['zh-CN'] ?? fallback;

/** The values a mapping template sees. */
export function mappingContext(ticket: TicketForArticle, locale: Locale) {
  const data = ticket.state.data ?? {};
  const fields: { key: string; label: string; value: string }[] = [];
  const choices: string[] = [];
  for (const section of ticket.layout) {
    for (const field of section.fields ?? []) {
      if (field.field === 'title' || field.field === 'description' || field.field === 'attachments') continue;
      const raw = data[field.field];
      if (raw === undefined || raw === null || raw === '') continue;
      const values = Array.isArray(raw) ? (raw as unknown[]) : [raw];
      const shown = values.map((value) => {
        const option = field.options?.find((candidate) => candidate.value === value);
        const plain = typeof value === 'string' ? value : JSON.stringify(value);
        if (option) choices.push(plain);
        return option ? text(option.label, locale, plain) : plain;
      });
      fields.push({
        key: field.field,
        label: text(field.label, locale, field.field),
        value: shown.join(', '),
      });
    }
  }
  const staffReplies = ticket.conversation.filter((entry) => entry.byStaff);
  return {
    ticket: {
      id: ticket.state.id,
      number: ticket.number,
      title: ticket.title,
      type: ticket.state.typeKey,
      typeName: text(ticket.typeName, locale, ticket.state.typeKey),
      category: ticket.typeCategory,
      channel: ticket.state.channel,
    },
    data,
    description: typeof data.description === 'string' ? data.description : '',
    fields,
    choices,
    conversation: ticket.conversation,
    resolution: ticket.resolution,
    lastStaffReply: staffReplies[staffReplies.length - 1]?.body ?? '',
  };
}

/** The draft's content from the ticket through the mapping (owner and visibility set by the caller). */
export function draftFromTicket(
  ticket: TicketForArticle,
  mapping: Mapping,
  locale: Locale,
): Pick<ArticleContent, MappingField> {
  const context = mappingContext(ticket, locale);
  const render = (field: MappingField) =>
    handlebars
      .compile(mapping[field], { noEscape: true })(context)
      .replace(/\n{3,}/g, '\n\n')
      .trim();
  const tags = [
    ...new Set(
      render('tags')
        .split(',')
        .map((tag) => tag.trim())
        .filter(Boolean),
    ),
  ].slice(0, 20);
  return {
    title: render('title').slice(0, 200) || ticket.title,
    problem: render('problem'),
    steps: render('steps'),
    rootCause: render('rootCause'),
    solution: render('solution'),
    tags,
    category: render('category').slice(0, 60) || 'general',
  };
}
