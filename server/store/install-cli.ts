// `npm run store:install`: build the embedded database binary ahead of the first start (CI and fresh clones).
import { projectCacheDir } from './paths.js';
import { ensureFerretDbBinary } from './ferretdb-binary.js';

const log = { info: (m: string) => console.log(m), warn: (m: string) => console.warn(m) };
try {
  const binary = await ensureFerretDbBinary(projectCacheDir(), log);
  console.log(`Embedded database ready: ${binary}`);
} catch (error) {
  console.error((error as Error).message);
  process.exitCode = 1;
}
