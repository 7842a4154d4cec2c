import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The project's root folder, whether running from sources (server/…) or from the build (dist/server/…). */
export function projectRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  // server/store → root; dist/server/store → root
  dir = path.resolve(dir, '..', '..');
  return path.basename(dir) === 'dist' ? path.dirname(dir) : dir;
}

/** Cache folder for built tools (ignored by git). */
export function projectCacheDir(): string {
  return process.env.ORDO_CACHE_DIR ?? path.join(projectRoot(), '.cache');
}
