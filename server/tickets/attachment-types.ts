import { open } from 'node:fs/promises';
import path from 'node:path';
import { fileTypeFromBuffer } from 'file-type';

/**
 * What a stored attachment is, decided from its bytes — never from the name or the type the client declared.
 *
 * - Binary formats are recognised by their signature (`file-type`); the type recorded and served is the detected
 *   one, and it must be on the allow-list. EXE bytes declared as `application/pdf` are an executable and refused.
 * - Formats without a signature (plain text, CSV, JSON, e-mail) are accepted only when declared as such and the
 *   bytes are UTF-8 text without NUL characters; an HTML application (`.hta`) declared as a PDF is not a PDF.
 * - The name is normalised (Unicode NFC, no folders, no control characters, no trailing dots or spaces, which
 *   Windows drops: `evil.html.` is `evil.html`) and its extension must not be one a browser or the desktop runs
 *   or renders as a page.
 */

/** Types accepted by default (`buildApp({ attachmentTypes })` replaces the list). */
export const DEFAULT_ATTACHMENT_TYPES: readonly string[] = [
  'image/png',
  'image/jpeg',
  'image/gif',
  'image/webp',
  'application/pdf',
  'text/plain',
  'text/csv',
  'application/zip',
  'application/json',
  'application/msword',
  'application/vnd.ms-excel',
  'application/vnd.ms-powerpoint',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  'message/rfc822',
];

/** The file-name extensions people know each type by (what a file picker offers and a browser pre-checks). */
const EXTENSIONS_OF_TYPE: Record<string, readonly string[]> = {
  'image/png': ['.png'],
  'image/jpeg': ['.jpg', '.jpeg'],
  'image/gif': ['.gif'],
  'image/webp': ['.webp'],
  'image/bmp': ['.bmp'],
  'image/tiff': ['.tif', '.tiff'],
  'image/heic': ['.heic'],
  'application/pdf': ['.pdf'],
  'text/plain': ['.txt', '.log'],
  'text/csv': ['.csv'],
  'application/zip': ['.zip'],
  'application/x-7z-compressed': ['.7z'],
  'application/x-rar-compressed': ['.rar'],
  'application/gzip': ['.gz'],
  'application/json': ['.json'],
  'application/msword': ['.doc'],
  'application/vnd.ms-excel': ['.xls'],
  'application/vnd.ms-powerpoint': ['.ppt'],
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': ['.docx'],
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': ['.xlsx'],
  'application/vnd.openxmlformats-officedocument.presentationml.presentation': ['.pptx'],
  'message/rfc822': ['.eml'],
  'audio/mpeg': ['.mp3'],
  'audio/wav': ['.wav'],
  'video/mp4': ['.mp4'],
};

export interface AttachmentKind {
  /** The content type as the server records it. */
  type: string;
  /** Other names browsers declare it by. */
  aliases: string[];
  /** Extensions files of this type carry (none known: only the declared type tells). */
  extensions: string[];
}

/**
 * The kinds of file this server takes, for the studio's file pickers and its check before an upload. The
 * server's verdict on the bytes still decides (a renamed executable is refused whatever its name).
 */
export function attachmentKinds(types: Iterable<string>): AttachmentKind[] {
  return [...types].map((type) => ({
    type,
    aliases: Object.entries(ALIASES)
      .filter(([, canonical]) => canonical === type)
      .map(([alias]) => alias),
    extensions: (EXTENSIONS_OF_TYPE[type] ?? []).filter((extension) => !BLOCKED_EXTENSIONS.has(extension)),
  }));
}

/** Types that have no signature: recognised as UTF-8 text when declared so. */
const TEXT_TYPES = new Set(['text/plain', 'text/csv', 'application/json', 'message/rfc822']);

/** Declared aliases of the canonical names above. */
const ALIASES: Record<string, string> = {
  'application/x-zip-compressed': 'application/zip',
  'image/jpg': 'image/jpeg',
  'text/comma-separated-values': 'text/csv',
};

/** Legacy Office documents share one container signature (CFB); the declared Office type names which. */
const CFB_TYPES = new Set([
  'application/msword',
  'application/vnd.ms-excel',
  'application/vnd.ms-powerpoint',
]);

/** Extensions a browser renders as a page or a desktop runs, whatever the bytes. */
const BLOCKED_EXTENSIONS = new Set([
  '.exe', '.dll', '.bat', '.cmd', '.com', '.cpl', '.msi', '.msp', '.scr', '.pif', '.lnk', '.reg', '.sh', '.ps1',
  '.psm1', '.vbs', '.vbe', '.js', '.mjs', '.jse', '.wsf', '.wsh', '.jar', '.hta', '.html', '.htm', '.xhtml',
  '.xht', '.shtml', '.mht', '.mhtml', '.svg', '.svgz', '.xml', '.xsl', '.php', '.asp', '.aspx', '.jsp',
  '.application', '.gadget', '.msc', '.appx', '.msix', '.swf',
]); // prettier-ignore

/** A safe file name: no folders, no control characters or quotes, NFC, no trailing dots or spaces. */
export function normaliseName(raw: string): string {
  const base = path
    .basename(raw.normalize('NFC').replace(/\\/g, '/'))
    .replace(/[\p{Cc}\p{Cf}"<>:|?*]/gu, '')
    .replace(/[.\s]+$/u, '')
    .trim();
  return (base || 'file').slice(0, 200);
}

export type TypeCheck = { ok: true; contentType: string } | { ok: false; reason: 'extension' | 'type' };

function canonical(type: string): string {
  const bare = type.split(';')[0]!.trim().toLowerCase();
  return ALIASES[bare] ?? bare;
}

function isUtf8Text(bytes: Buffer): boolean {
  if (bytes.includes(0)) return false;
  try {
    // A cut in the middle of a multi-byte character at the end of the sample is not an error.
    new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, Math.max(0, bytes.length - 3)));
    return true;
  } catch {
    return false;
  }
}

/** Decide the stored type of an upload from its (normalised) name, declared type and first bytes. */
export async function checkAttachmentType(
  name: string,
  declared: string,
  head: Buffer,
  allowed: ReadonlySet<string>,
): Promise<TypeCheck> {
  if (BLOCKED_EXTENSIONS.has(path.extname(name).toLowerCase())) return { ok: false, reason: 'extension' };
  const claimed = canonical(declared);
  const detected = await fileTypeFromBuffer(head);
  if (detected) {
    if (detected.mime === 'application/x-cfb')
      return CFB_TYPES.has(claimed) && allowed.has(claimed)
        ? { ok: true, contentType: claimed }
        : { ok: false, reason: 'type' };
    const type = canonical(detected.mime);
    return allowed.has(type) ? { ok: true, contentType: type } : { ok: false, reason: 'type' };
  }
  if (TEXT_TYPES.has(claimed) && allowed.has(claimed) && isUtf8Text(head))
    return { ok: true, contentType: claimed };
  return { ok: false, reason: 'type' };
}

/** The first bytes of a stored file, enough for every signature `file-type` knows and a text check. */
export async function readHead(file: string, bytes = 64 * 1024): Promise<Buffer> {
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.alloc(bytes);
    const { bytesRead } = await handle.read(buffer, 0, bytes, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}
