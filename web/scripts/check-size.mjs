// Checks the first screen's JavaScript and CSS stay under 500 KB gzipped, from the build
// manifest: the entry chunk and its static imports (lazy screens and the editor are not).
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const dist = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'internal', 'webui', 'dist');
const manifest = JSON.parse(readFileSync(join(dist, 'manifest.json'), 'utf8'));
const limit = 500 * 1024;
const seen = new Set();
const files = [];
function walk(key) {
  if (seen.has(key)) return;
  seen.add(key);
  const c = manifest[key];
  files.push(c.file, ...(c.css ?? []));
  (c.imports ?? []).forEach(walk);
}
const entry = Object.keys(manifest).find((k) => manifest[k].isEntry);
walk(entry);
files.push('index.html');
let total = 0;
for (const f of new Set(files)) {
  const n = gzipSync(readFileSync(join(dist, f)), { level: 9 }).length;
  total += n;
  console.log(`${(n / 1024).toFixed(1).padStart(8)} KB  ${f}`);
}
console.log(`${(total / 1024).toFixed(1).padStart(8)} KB  first screen, gzipped (limit ${limit / 1024} KB)`);
if (total > limit) {
  console.error('The first screen is over its budget: split the new code into a lazy chunk.');
  process.exit(1);
}
