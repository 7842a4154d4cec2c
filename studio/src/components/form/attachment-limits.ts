/**
 * What an attachment field tells people before they upload, and checks in the browser to spare a doomed upload:
 * the size and the kinds of file the server takes (server/tickets/attachments.routes.ts is the judge and answers
 * 413 / 415 with its own sentence, shown on the file), and how many files the field holds.
 */
import { computed, ref } from 'vue';
import { getAttachmentKinds, type AttachmentKinds } from '../../api/attachments.api';

/** The server's limit per file (its own answer replaces this once read: `serverLimits`). */
export const MAX_FILE_BYTES = 20 * 1024 * 1024;
/** The server takes at most this many files in one upload, and an intake field holds at most this many. */
export const MAX_FILES_PER_FIELD = 10;

/** Kinds of file the server accepts by default, by content type, with the extensions the file picker offers. */
const ACCEPTED: Record<string, readonly string[]> = {
  'image/png': ['.png'],
  'image/jpeg': ['.jpg', '.jpeg'],
  'image/gif': ['.gif'],
  'image/webp': ['.webp'],
  'application/pdf': ['.pdf'],
  'text/plain': ['.txt', '.log'],
  'text/csv': ['.csv'],
  'application/zip': ['.zip'],
  'application/x-zip-compressed': [],
  'application/json': ['.json'],
  'application/msword': ['.doc'],
  'application/vnd.ms-excel': ['.xls'],
  'application/vnd.ms-powerpoint': ['.ppt'],
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': ['.docx'],
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': ['.xlsx'],
  'application/vnd.openxmlformats-officedocument.presentationml.presentation': ['.pptx'],
  'message/rfc822': ['.eml'],
};

/** The `accept` of the file input: the content types and their extensions. */
export const ACCEPT_ATTRIBUTE = Object.entries(ACCEPTED)
  .flatMap(([type, extensions]) => [type, ...extensions])
  .join(',');

/**
 * What this server takes, as it says (`GET /api/attachments/kinds`, configured by its operator): read once per
 * page load; until it arrives (or when it cannot be read) the defaults above stand.
 */
const serverKinds = ref<AttachmentKinds>();
let kindsRequest: Promise<void> | undefined;
export function loadAttachmentKinds(): Promise<void> {
  kindsRequest ??= getAttachmentKinds()
    .then((kinds) => {
      serverKinds.value = kinds;
    })
    .catch(() => {
      kindsRequest = undefined;
    });
  return kindsRequest;
}

/** The limit per file and the `accept` of the file input, from the server's answer when known. */
export const serverLimits = computed(() => {
  const kinds = serverKinds.value;
  return {
    maxBytes: kinds?.maxBytes ?? MAX_FILE_BYTES,
    accept: kinds
      ? kinds.types.flatMap((kind) => [kind.type, ...kind.aliases, ...kind.extensions]).join(',')
      : ACCEPT_ATTRIBUTE,
    /** The extensions people know the accepted kinds by, for the message on a refused file. */
    extensions: kinds
      ? [...new Set(kinds.types.flatMap((kind) => kind.extensions))]
      : [...new Set(Object.values(ACCEPTED).flat())],
  };
});

export type FileRefusal =
  { reason: 'too-large'; limitMb: number } | { reason: 'empty' } | { reason: 'kind'; accepted: string };

const extensionOf = (name: string): string => {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(dot).toLowerCase() : '';
};

/**
 * Why the server would refuse this file whatever it holds (too large, empty, a kind it does not take), judged
 * before sending it; undefined when it may be sent. The kind is judged from the name and the type the browser
 * declares, against what the server said it takes; the server still reads the bytes and decides
 * (server/tickets/attachment-types.ts): a renamed program is refused there.
 */
export function refusalOf(file: { name: string; size: number; type: string }): FileRefusal | undefined {
  if (file.size === 0) return { reason: 'empty' };
  const { maxBytes, extensions } = serverLimits.value;
  if (file.size > maxBytes) return { reason: 'too-large', limitMb: Math.floor(maxBytes / 1024 / 1024) };
  const kinds = serverKinds.value?.types;
  if (kinds) {
    const type = file.type.toLowerCase();
    const extension = extensionOf(file.name);
    const byType = type !== '' && kinds.some((kind) => kind.type === type || kind.aliases.includes(type));
    const byExtension = extension !== '' && kinds.some((kind) => kind.extensions.includes(extension));
    if (!byType && !byExtension) return { reason: 'kind', accepted: extensions.join(' ') };
  }
  return undefined;
}

/** How many files an attachment field may hold: one for a single-file field, else its `maxItems`, at most 10. */
export function fileLimitOf(schema: Record<string, unknown>): number {
  if (schema.type === 'string') return 1;
  const max = schema.maxItems;
  return typeof max === 'number' && max > 0
    ? Math.min(Math.floor(max), MAX_FILES_PER_FIELD)
    : MAX_FILES_PER_FIELD;
}

export function sizeText(bytes: number): string {
  return bytes >= 1024 * 1024
    ? `${(bytes / 1024 / 1024).toFixed(1)} MB`
    : `${Math.max(1, Math.round(bytes / 1024))} KB`;
}

const uploadsInProgress = ref(0);

/**
 * Uploads still running in any attachment field of the page: a form is not sent while one runs (its id is not in
 * the values yet).
 */
export function useUploadsInProgress() {
  return {
    busy: computed(() => uploadsInProgress.value > 0),
    started(): void {
      uploadsInProgress.value += 1;
    },
    finished(): void {
      uploadsInProgress.value = Math.max(0, uploadsInProgress.value - 1);
    },
  };
}
