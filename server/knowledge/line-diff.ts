/** A readable diff of two versions of an article: per changed field, its lines kept, removed and added. */
import type { ArticleContent } from './article.model.js';

export interface DiffLine {
  op: 'same' | 'add' | 'del';
  text: string;
}

export interface FieldDiff {
  field: string;
  lines: DiffLine[];
}

/** Longest-common-subsequence line diff; articles are short, so the quadratic table is fine. */
export function diffLines(before: string, after: string): DiffLine[] {
  const a = before === '' ? [] : before.split('\n');
  const b = after === '' ? [] : after.split('\n');
  const rows = a.length + 1;
  const columns = b.length + 1;
  const table = new Uint32Array(rows * columns);
  for (let i = a.length - 1; i >= 0; i--)
    for (let j = b.length - 1; j >= 0; j--)
      table[i * columns + j] =
        a[i] === b[j]
          ? table[(i + 1) * columns + j + 1]! + 1
          : Math.max(table[(i + 1) * columns + j]!, table[i * columns + j + 1]!);
  const lines: DiffLine[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      lines.push({ op: 'same', text: a[i]! });
      i++;
      j++;
    } else if (table[(i + 1) * columns + j]! >= table[i * columns + j + 1]!) {
      lines.push({ op: 'del', text: a[i++]! });
    } else {
      lines.push({ op: 'add', text: b[j++]! });
    }
  }
  while (i < a.length) lines.push({ op: 'del', text: a[i++]! });
  while (j < b.length) lines.push({ op: 'add', text: b[j++]! });
  return lines;
}

function asText(value: string | string[] | null | undefined): string {
  if (Array.isArray(value)) return value.join('\n');
  return value ?? '';
}

/** Fields that differ between two contents (plus status), each as a line diff. */
export function diffArticles(
  before: ArticleContent & { status?: string },
  after: ArticleContent & { status?: string },
): FieldDiff[] {
  const fields = [
    'title',
    'problem',
    'steps',
    'rootCause',
    'solution',
    'tags',
    'category',
    'visibility',
    'owner',
    'reviewAt',
    'status',
  ] as const;
  const diffs: FieldDiff[] = [];
  for (const field of fields) {
    const left = asText(before[field]);
    const right = asText(after[field]);
    if (left !== right) diffs.push({ field, lines: diffLines(left, right) });
  }
  return diffs;
}
