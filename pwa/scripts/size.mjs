// Prints the gzipped size of the built app shell (dist/assets/*.js and *.css)
// and fails when it grows past the budget: the scoring screens must stay light
// on classroom tablets. Run by `npm run build` after `vite build`.
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const budget = 150 * 1024;
const root = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist');
const assets = join(root, 'assets');

if (!existsSync(assets)) {
  console.error('size: dist/assets does not exist; run vite build first');
  process.exit(1);
}

function gzipped(path) {
  return gzipSync(readFileSync(path), { level: 9 }).length;
}

function kib(bytes) {
  return `${(bytes / 1024).toFixed(1)} KiB`;
}

const files = readdirSync(assets)
  .filter((name) => name.endsWith('.js') || name.endsWith('.css'))
  .sort()
  .map((name) => ({ name, raw: readFileSync(join(assets, name)).length, gz: gzipped(join(assets, name)) }));

let total = 0;
for (const f of files) {
  total += f.gz;
  console.log(`  assets/${f.name.padEnd(36)} ${kib(f.raw).padStart(10)}  gzip ${kib(f.gz).padStart(9)}`);
}

// The service worker is not part of the shell's budget, but its size is worth
// seeing next to it.
const worker = readdirSync(root).filter((name) => name === 'sw.js' || /^workbox-.*\.js$/.test(name));
const workerTotal = worker.reduce((sum, name) => sum + gzipped(join(root, name)), 0);

// What index.html loads at start is what every screen pays for; the rest
// (the dashboard, the update prompt's helper) loads when it is first needed.
const html = readFileSync(join(root, 'index.html'), 'utf8');
const atStart = files.filter((f) => html.includes(`/assets/${f.name}`)).reduce((sum, f) => sum + f.gz, 0);
console.log(`app shell (dist/assets/*.js, *.css): ${kib(total)} gzipped, budget ${kib(budget)}`);
console.log(`  loaded at start (index.html): ${kib(atStart)} gzipped; loaded when first needed: ${kib(total - atStart)} gzipped`);
console.log(`service worker (${worker.join(', ') || 'none'}): ${kib(workerTotal)} gzipped`);

if (total > budget) {
  console.error(`size: the app shell is ${kib(total - budget)} over its budget`);
  process.exit(1);
}
