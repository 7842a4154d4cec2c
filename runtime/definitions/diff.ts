/**
 * A readable list of what changed between two versions of a definition, for the analyst who reviews a publish:
 * lists of nodes, edges, rules, statuses, sections and fields are matched by their id (not their position), each
 * change says where it is in words (“节点“分诊处理” › 结果”), and canvas-only details (node positions, zoom) are
 * left out unless asked for.
 */
import type { LocalizedText } from '../common/types.js';
import { messageText, settingLabels } from './messages.js';
import { joinPointer } from './pointer.js';

export type DefinitionChangeKind = 'added' | 'removed' | 'changed' | 'moved';

export interface DefinitionChange {
  /** Pointer into the newer version (into the older one for a removal). */
  path: string;
  kind: DefinitionChangeKind;
  /** For `moved`, the 1-based positions; otherwise the values. */
  before?: unknown;
  after?: unknown;
  /** Where the change is, in words. */
  where: LocalizedText;
  /** One sentence describing the change. */
  text: LocalizedText;
}

export interface DiffOptions {
  /** Also report canvas-only changes: node positions, sizes, the viewport. */
  includeLayout?: boolean;
}

/** Item properties that identify an item of a list, in the order they are tried. */
const IDENTITY_KEYS = ['id', 'key', 'field', 'section'] as const;
/** Settings that hold one rule or one text: shown whole, not property by property. */
const ATOMIC_KEYS = new Set([
  'when',
  'visibleWhen',
  'requiredWhen',
  'readOnlyWhen',
  'rows',
  'columns',
  'body',
  'subject',
]);
const LAYOUT_KEYS = new Set([
  'position',
  'viewport',
  'width',
  'height',
  'dimensions',
  'computedPosition',
  'handleBounds',
  'selected',
  'dragging',
  'style',
  'class',
  'zIndex',
]);
const MAX_VALUE_TEXT = 80;

type Json = unknown;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isLocalizedText(value: unknown): value is LocalizedText {
  return isRecord(value) && typeof value['zh-CN'] === 'string' && typeof value.en === 'string';
}

function equal(a: Json, b: Json): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((item, index) => equal(item, b[index]));
  if (isRecord(a) && isRecord(b)) {
    const keys = Object.keys(a);
    return (
      keys.length === Object.keys(b).length &&
      keys.every((key) => Object.hasOwn(b, key) && equal(a[key], b[key]))
    );
  }
  return false;
}

function describeValue(value: Json): LocalizedText {
  // Both languages, so a change made in only one of them still shows in either reading.
  if (isLocalizedText(value)) {
    const both = `“${value['zh-CN']}” / “${value.en}”`;
    return { 'zh-CN': both, en: both };
  }
  let text: string;
  if (typeof value === 'string') text = `“${value}”`;
  else {
    try {
      text = JSON.stringify(value) ?? String(value);
    } catch {
      text = String(value);
    }
  }
  if (text.length > MAX_VALUE_TEXT) text = text.slice(0, MAX_VALUE_TEXT - 1) + '…';
  return { 'zh-CN': text, en: text };
}

/** The property that identifies each item of both lists (unique within each list), if there is one. */
function identityKeyOf(before: Json[], after: Json[]): (typeof IDENTITY_KEYS)[number] | undefined {
  if (before.length + after.length === 0) return undefined;
  const identifies = (items: Json[], key: string) => {
    const seen = new Set<string>();
    return items.every((item) => {
      if (!isRecord(item) || typeof item[key] !== 'string' || seen.has(item[key])) return false;
      seen.add(item[key]);
      return true;
    });
  };
  return IDENTITY_KEYS.find((key) => identifies(before, key) && identifies(after, key));
}

/** Longest common subsequence of two id lists: the ids outside it changed position. */
function stableIds(before: string[], after: string[]): Set<string> {
  const lengths = Array.from({ length: before.length + 1 }, () =>
    new Array<number>(after.length + 1).fill(0),
  );
  for (let i = before.length - 1; i >= 0; i -= 1) {
    for (let j = after.length - 1; j >= 0; j -= 1) {
      const row = lengths[i] as number[];
      row[j] =
        before[i] === after[j]
          ? ((lengths[i + 1] as number[])[j + 1] as number) + 1
          : Math.max((lengths[i + 1] as number[])[j] as number, row[j + 1] as number);
    }
  }
  const stable = new Set<string>();
  let i = 0;
  let j = 0;
  while (i < before.length && j < after.length) {
    if (before[i] === after[j]) {
      stable.add(before[i] as string);
      i += 1;
      j += 1;
    } else if (((lengths[i + 1] as number[])[j] as number) >= ((lengths[i] as number[])[j + 1] as number))
      i += 1;
    else j += 1;
  }
  return stable;
}

class Differ {
  readonly changes: DefinitionChange[] = [];
  private readonly fieldLabels = new Map<string, LocalizedText>();

  constructor(
    before: Json,
    after: Json,
    private readonly options: DiffOptions,
  ) {
    // Field labels live in the form layout; the newer version's wording wins.
    for (const definition of [before, after]) {
      const layout = isRecord(definition) && isRecord(definition.form) ? definition.form.layout : undefined;
      if (!Array.isArray(layout)) continue;
      for (const section of layout) {
        if (!isRecord(section) || !Array.isArray(section.fields)) continue;
        for (const field of section.fields) {
          if (isRecord(field) && typeof field.field === 'string' && isLocalizedText(field.label)) {
            this.fieldLabels.set(field.field, field.label);
          }
        }
      }
    }
  }

  private record(
    kind: DefinitionChangeKind,
    path: string,
    trail: LocalizedText[],
    before: Json,
    after: Json,
    wholeItem = false,
  ): void {
    const where: LocalizedText = {
      'zh-CN': trail.map((step) => step['zh-CN']).join(' › ') || '定义',
      en: trail.map((step) => step.en).join(' › ') || 'definition',
    };
    const params: Record<string, unknown> = { where };
    const change: DefinitionChange = { path, kind, where, text: { 'zh-CN': '', en: '' } };
    if (kind !== 'added') {
      change.before = before;
      params.before = kind === 'moved' ? before : describeValue(before);
    }
    if (kind !== 'removed') {
      change.after = after;
      params.after = kind === 'moved' ? after : describeValue(after);
    }
    // A whole node, rule or status is named in `where`; its JSON would only be noise.
    change.text =
      wholeItem && (kind === 'added' || kind === 'removed')
        ? messageText(kind === 'added' ? 'diff.addedItem' : 'diff.removedItem', params)
        : messageText(`diff.${kind}`, params);
    this.changes.push(change);
  }

  private keyLabel(key: string, parentKey: string | undefined): LocalizedText {
    if (parentKey === 'properties' || parentKey === 'set') {
      const label = this.fieldLabels.get(key);
      return label
        ? { 'zh-CN': `字段“${label['zh-CN']}”`, en: `field “${label.en}”` }
        : { 'zh-CN': `字段“${key}”`, en: `field “${key}”` };
    }
    if (parentKey === 'notifications') return { 'zh-CN': `通知模板“${key}”`, en: `template “${key}”` };
    return settingLabels[key] ?? { 'zh-CN': key, en: key };
  }

  private itemLabel(
    item: Record<string, unknown>,
    identity: string,
    listKey: string | undefined,
  ): LocalizedText {
    const id = String(item[identity]);
    const named = [item.name, isRecord(item.data) ? item.data.name : undefined, item.label, item.title].find(
      isLocalizedText,
    );
    const fieldLabel = identity === 'field' ? this.fieldLabels.get(id) : undefined;
    const shown = named ?? fieldLabel ?? { 'zh-CN': id, en: id };
    const noun: LocalizedText =
      listKey === 'nodes'
        ? { 'zh-CN': '节点', en: 'node' }
        : listKey === 'edges'
          ? { 'zh-CN': '连线', en: 'connection' }
          : listKey === 'routing'
            ? { 'zh-CN': '分派规则', en: 'routing rule' }
            : identity === 'field'
              ? { 'zh-CN': '字段', en: 'field' }
              : identity === 'section'
                ? { 'zh-CN': '分区', en: 'section' }
                : STATUS_LISTS.has(listKey ?? '')
                  ? { 'zh-CN': '状态', en: 'status' }
                  : { 'zh-CN': '项', en: 'item' };
    return { 'zh-CN': `${noun['zh-CN']}“${shown['zh-CN']}”`, en: `${noun.en} “${shown.en}”` };
  }

  diff(before: Json, after: Json, path: string, trail: LocalizedText[], key: string | undefined): void {
    if (equal(before, after)) return;
    // A large added or removed group of settings reads better by its name than by its JSON.
    const large = (value: Json) => isRecord(value) && JSON.stringify(value).length > MAX_VALUE_TEXT;
    if (before === undefined) return this.record('added', path, trail, before, after, large(after));
    if (after === undefined) return this.record('removed', path, trail, before, after, large(before));
    if (isLocalizedText(before) || isLocalizedText(after) || (key !== undefined && ATOMIC_KEYS.has(key))) {
      return this.record('changed', path, trail, before, after);
    }
    if (isRecord(before) && isRecord(after)) {
      const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])];
      for (const child of keys) {
        if (!this.options.includeLayout && LAYOUT_KEYS.has(child)) continue;
        this.diff(
          before[child],
          after[child],
          joinPointer(path, child),
          [...trail, this.keyLabel(child, key)],
          child,
        );
      }
      return;
    }
    if (Array.isArray(before) && Array.isArray(after)) return this.diffList(before, after, path, trail, key);
    this.record('changed', path, trail, before, after);
  }

  private diffList(
    before: Json[],
    after: Json[],
    path: string,
    trail: LocalizedText[],
    key: string | undefined,
  ): void {
    const identity = identityKeyOf(before, after);
    // A list of plain values (outcomes, recipients, editable fields) reads best as a whole.
    if ([...before, ...after].every((item) => typeof item !== 'object' || item === null)) {
      return this.record('changed', path, trail, before, after);
    }
    if (!identity) {
      const length = Math.max(before.length, after.length);
      for (let index = 0; index < length; index += 1) {
        const step = { 'zh-CN': `第 ${index + 1} 项`, en: `item ${index + 1}` };
        this.diff(before[index], after[index], joinPointer(path, index), [...trail, step], key);
      }
      return;
    }
    const idOf = (item: Json) => String((item as Record<string, unknown>)[identity]);
    const beforeIds = before.map(idOf);
    const afterIds = after.map(idOf);
    const commonBefore = beforeIds.filter((id) => afterIds.includes(id));
    const commonAfter = afterIds.filter((id) => beforeIds.includes(id));
    const stable = stableIds(commonBefore, commonAfter);
    // Moved: out of the longest run kept in order, and at another place among the items both versions share.
    const moved = (id: string) => !stable.has(id) && commonBefore.indexOf(id) !== commonAfter.indexOf(id);
    before.forEach((item, index) => {
      if (afterIds.includes(idOf(item))) return;
      const label = this.itemLabel(item as Record<string, unknown>, identity, key);
      this.record('removed', joinPointer(path, index), [...trail, label], item, undefined, true);
    });
    after.forEach((item, index) => {
      const itemPath = joinPointer(path, index);
      const label = this.itemLabel(item as Record<string, unknown>, identity, key);
      const beforeIndex = beforeIds.indexOf(idOf(item));
      if (beforeIndex === -1) return this.record('added', itemPath, [...trail, label], undefined, item, true);
      if (moved(idOf(item))) this.record('moved', itemPath, [...trail, label], beforeIndex + 1, index + 1);
      this.diff(before[beforeIndex], item, itemPath, [...trail, label], key);
    });
  }
}

const STATUS_LISTS = new Set(['new', 'open', 'pending', 'resolved', 'closed', 'cancelled']);

/**
 * What changed from `before` to `after` (two versions of a ticket type, or of any definition document), in
 * document order. Equal documents give an empty list.
 */
export function diffDefinitions(
  before: unknown,
  after: unknown,
  options: DiffOptions = {},
): DefinitionChange[] {
  const differ = new Differ(before, after, options);
  differ.diff(before, after, '', [], undefined);
  return differ.changes;
}
