/**
 * Creates an embedded database directory and exits. Run as a child process by `pglite-first-open.ts`:
 * PGlite's initdb grows the WASM heap to about 800 MB, and WASM memory never shrinks, so doing it in the
 * long-lived process would keep that memory for the life of the server.
 */
import { openPglite } from './pglite-open.js';

const dataDir = process.argv[2];
if (!dataDir) {
  process.stderr.write('usage: pglite-initdb.script <dataDir>\n');
  process.exit(2);
}
const db = await openPglite(dataDir);
await db.close();
