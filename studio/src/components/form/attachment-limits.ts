/**
 * What an attachment field tells people before they upload, and checks in the browser to spare a doomed upload:
 * the size and the kinds of file the server takes (server/tickets/attachments.routes.ts is the judge and answers
 * 413 / 415 with its own sentence, shown on the file), and how many files the field holds.
 */
import { computed, ref } from 'vue';

/** The server's limit per file. */
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

export type FileRefusal = { reason: 'too-large'; limitMb: number } | { reason: 'empty' };

/**
 * Why the server would refuse this file whatever it holds (too large, empty), judged before sending it; undefined
 * when it may be sent. Its kind is the server's call: it reads the bytes (server/tickets/attachment-types.ts).
 */
export function refusalOf(file: { name: string; size: number; type: string }): FileRefusal | undefined {
  if (file.size === 0) return { reason: 'empty' };
  if (file.size > MAX_FILE_BYTES) return { reason: 'too-large', limitMb: MAX_FILE_BYTES / 1024 / 1024 };
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
