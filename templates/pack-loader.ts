/**
 * Reads scenario packs from disk: `<root>/<id>/pack.json`, the ticket types and calendars it lists, and the sample
 * tickets beside each type (`<name>.samples.json`). Only files and their shapes are checked here; whether a ticket
 * type is valid is `validateTicketType`'s call, made by the pack tests and on install.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { LocalizedText, Problem } from '../runtime/common/types.js';
import { checkPackManifest, type PackManifest } from './pack.schema.js';

/** A ticket to open in a dry run: form values as a requester would send them, and what should come of it. */
export interface PackSample {
  title: string;
  data: Record<string, unknown>;
  /** Requester attributes rules read (level, department); an id and a manager are filled in when absent. */
  requester?: Record<string, unknown>;
  channel?: string;
  expect?: {
    priority?: string;
    team?: string;
    /** Node ids holding a token once the ticket is open, sorted. */
    at?: string[];
  };
}

export interface PackTicketType {
  file: string;
  key: string;
  definition: Record<string, unknown>;
  /** Empty when the type has no samples file. */
  samples: PackSample[];
}

export interface PackCalendar {
  file: string;
  key: string;
  definition: Record<string, unknown>;
}

export interface LoadedPack {
  dir: string;
  manifest: PackManifest;
  ticketTypes: PackTicketType[];
  calendars: PackCalendar[];
}

export type PackLoadResult =
  { ok: true; pack: LoadedPack } | { ok: false; id: string; dir: string; problems: Problem[] };

export const MANIFEST_FILE = 'pack.json';

export function samplesFileOf(ticketTypeFile: string): string {
  return ticketTypeFile.replace(/\.ticket-type\.json$/, '.samples.json');
}

function packProblem(
  code: string,
  path: string,
  text: LocalizedText,
  params: Record<string, unknown>,
): Problem {
  return { code, path, params, text };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

type JsonRead = { ok: true; value: unknown } | { ok: false; problem: Problem };

async function readJson(file: string, pointer: string): Promise<JsonRead> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    const name = path.basename(file);
    return {
      ok: false,
      problem: packProblem(
        'pack.fileMissing',
        pointer,
        {
          'zh-CN': `模板包缺少文件“${name}”`,
          en: `The pack has no file “${name}”.`,
        },
        { file: name },
      ),
    };
  }
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    const name = path.basename(file);
    const detail = error instanceof Error ? error.message : String(error);
    return {
      ok: false,
      problem: packProblem(
        'pack.notJson',
        pointer,
        {
          'zh-CN': `文件“${name}”不是有效的 JSON：${detail}`,
          en: `The file “${name}” is not valid JSON: ${detail}`,
        },
        { file: name, detail },
      ),
    };
  }
}

/** Folders of `root` holding a `pack.json`, sorted by name. */
export async function listPackDirs(root: string): Promise<string[]> {
  let entries: string[];
  try {
    entries = await readdir(root);
  } catch {
    return [];
  }
  const dirs: string[] = [];
  for (const entry of entries.sort()) {
    const dir = path.join(root, entry);
    try {
      if ((await stat(dir)).isDirectory() && (await stat(path.join(dir, MANIFEST_FILE))).isFile())
        dirs.push(dir);
    } catch {
      // Not a pack folder.
    }
  }
  return dirs;
}

/** Read one pack folder; every problem names the file (as a pointer into the manifest) it was found in. */
export async function loadPack(dir: string): Promise<PackLoadResult> {
  const folderId = path.basename(dir);
  const fail = (problems: Problem[]): PackLoadResult => ({ ok: false, id: folderId, dir, problems });
  const manifestRead = await readJson(path.join(dir, MANIFEST_FILE), '');
  if (!manifestRead.ok) return fail([manifestRead.problem]);
  const manifestProblems = checkPackManifest(manifestRead.value);
  if (manifestProblems.length > 0) return fail(manifestProblems);
  const manifest = manifestRead.value as PackManifest;
  const problems: Problem[] = [];
  if (manifest.id !== folderId) {
    problems.push(
      packProblem(
        'pack.idMismatch',
        '/id',
        {
          'zh-CN': `模板包标识“${manifest.id}”必须与所在文件夹名“${folderId}”一致`,
          en: `The pack id “${manifest.id}” must match its folder name “${folderId}”.`,
        },
        { id: manifest.id, folder: folderId },
      ),
    );
  }

  const ticketTypes: PackTicketType[] = [];
  for (const [index, file] of manifest.ticketTypes.entries()) {
    const pointer = `/ticketTypes/${index}`;
    const read = await readJson(path.join(dir, file), pointer);
    if (!read.ok) {
      problems.push(read.problem);
      continue;
    }
    if (!isRecord(read.value) || typeof read.value.key !== 'string') {
      problems.push(
        packProblem(
          'pack.notTicketType',
          pointer,
          {
            'zh-CN': `文件“${file}”不是工单类型（缺少 key）`,
            en: `The file “${file}” is not a ticket type (it has no key).`,
          },
          { file },
        ),
      );
      continue;
    }
    const samples = await readSamples(dir, file, pointer, problems);
    ticketTypes.push({ file, key: read.value.key, definition: read.value, samples });
  }

  const calendars: PackCalendar[] = [];
  for (const [index, file] of (manifest.calendars ?? []).entries()) {
    const pointer = `/calendars/${index}`;
    const read = await readJson(path.join(dir, file), pointer);
    if (!read.ok) {
      problems.push(read.problem);
      continue;
    }
    if (!isRecord(read.value) || typeof read.value.key !== 'string') {
      problems.push(
        packProblem(
          'pack.notCalendar',
          pointer,
          {
            'zh-CN': `文件“${file}”不是工作日历（缺少 key）`,
            en: `The file “${file}” is not a business calendar (it has no key).`,
          },
          { file },
        ),
      );
      continue;
    }
    calendars.push({ file, key: read.value.key, definition: read.value });
  }

  const keys = new Set<string>();
  for (const type of ticketTypes) {
    if (keys.has(type.key)) {
      problems.push(
        packProblem(
          'pack.duplicateTicketType',
          '/ticketTypes',
          {
            'zh-CN': `工单类型“${type.key}”在模板包中出现了不止一次`,
            en: `The ticket type “${type.key}” appears more than once in the pack.`,
          },
          { key: type.key },
        ),
      );
    }
    keys.add(type.key);
  }
  if (problems.length > 0) return fail(problems);
  return { ok: true, pack: { dir, manifest, ticketTypes, calendars } };
}

async function readSamples(
  dir: string,
  file: string,
  pointer: string,
  problems: Problem[],
): Promise<PackSample[]> {
  const samplesFile = samplesFileOf(file);
  try {
    await stat(path.join(dir, samplesFile));
  } catch {
    return [];
  }
  const read = await readJson(path.join(dir, samplesFile), pointer);
  if (!read.ok) {
    problems.push(read.problem);
    return [];
  }
  const valid =
    Array.isArray(read.value) &&
    read.value.every(
      (sample) => isRecord(sample) && typeof sample.title === 'string' && isRecord(sample.data),
    );
  if (!valid) {
    problems.push(
      packProblem(
        'pack.badSamples',
        pointer,
        {
          'zh-CN': `文件“${samplesFile}”应为样例列表，每个样例含 title 与 data`,
          en: `The file “${samplesFile}” must be a list of samples, each with a title and data.`,
        },
        { file: samplesFile },
      ),
    );
    return [];
  }
  return read.value as PackSample[];
}

/** Every pack under `root`, loaded; broken ones come back with their problems. */
export async function loadPacks(root: string): Promise<PackLoadResult[]> {
  const dirs = await listPackDirs(root);
  return Promise.all(dirs.map((dir) => loadPack(dir)));
}
