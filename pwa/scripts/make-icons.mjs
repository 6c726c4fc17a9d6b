// Writes the PWA's icons into public/icons/: two SVGs (purpose "any" and
// "maskable") and PNGs rendered from the same geometry. It needs nothing but
// Node: the PNGs are encoded by hand with node:zlib. Run it after changing the
// colours or the glyph (npm run icons) and commit what it writes.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { crc32, deflateSync } from 'node:zlib';

const outDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'public', 'icons');

// Keep in step with theme_color in vite.config.ts.
const background = [0x0f, 0x4c, 0x5c];
const foreground = [0xff, 0xff, 0xff];

// The glyph: a "W" drawn as one stroke with round caps and joins, in a
// 512-unit square.
const view = 512;
const glyph = [
  [136, 168],
  [200, 352],
  [256, 216],
  [312, 352],
  [376, 168],
];
const stroke = 44;
const cornerRadius = 96; // the "any" icon's rounded square

// variants: "any" has rounded corners on a transparent canvas; "full" fills the
// whole square (maskable icons and Apple's touch icon, which must be opaque).
// scale shrinks the glyph about the centre: 0.8 keeps the maskable glyph well
// inside the safe zone (a centred circle of radius 40%).
const variants = {
  any: { rounded: true, scale: 1 },
  maskable: { rounded: false, scale: 0.8 },
  full: { rounded: false, scale: 1 },
};

function scaledGlyph(scale) {
  const c = view / 2;
  return glyph.map(([x, y]) => [c + (x - c) * scale, c + (y - c) * scale]);
}

function svg(variant) {
  const { rounded, scale } = variants[variant];
  const points = scaledGlyph(scale)
    .map(([x, y]) => `${round(x)},${round(y)}`)
    .join(' ');
  const rect = rounded
    ? `<rect width="${view}" height="${view}" rx="${cornerRadius}" fill="${hex(background)}"/>`
    : `<rect width="${view}" height="${view}" fill="${hex(background)}"/>`;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${view} ${view}">` +
    rect +
    `<polyline points="${points}" fill="none" stroke="${hex(foreground)}" ` +
    `stroke-width="${round(stroke * scale)}" stroke-linecap="round" stroke-linejoin="round"/>` +
    `</svg>\n`
  );
}

function round(n) {
  return Math.round(n * 100) / 100;
}

function hex(rgb) {
  return '#' + rgb.map((v) => v.toString(16).padStart(2, '0')).join('');
}

function distanceToSegment(px, py, [ax, ay], [bx, by]) {
  const dx = bx - ax;
  const dy = by - ay;
  const t = Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)));
  return Math.hypot(px - (ax + t * dx), py - (ay + t * dy));
}

function insideRoundedSquare(x, y) {
  const r = cornerRadius;
  const cx = Math.min(Math.max(x, r), view - r);
  const cy = Math.min(Math.max(y, r), view - r);
  return Math.hypot(x - cx, y - cy) <= r;
}

// Renders one icon with 4x4 supersampling and returns RGBA rows.
function render(variant, size) {
  const { rounded, scale } = variants[variant];
  const points = scaledGlyph(scale);
  const halfStroke = (stroke * scale) / 2;
  const samples = 4;
  const pixels = Buffer.alloc(size * size * 4);
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let covered = 0;
      let ink = 0;
      for (let sy = 0; sy < samples; sy++) {
        for (let sx = 0; sx < samples; sx++) {
          const x = ((px + (sx + 0.5) / samples) * view) / size;
          const y = ((py + (sy + 0.5) / samples) * view) / size;
          if (rounded && !insideRoundedSquare(x, y)) continue;
          covered++;
          for (let i = 1; i < points.length; i++) {
            if (distanceToSegment(x, y, points[i - 1], points[i]) <= halfStroke) {
              ink++;
              break;
            }
          }
        }
      }
      const n = samples * samples;
      const o = (py * size + px) * 4;
      if (covered === 0) continue; // transparent
      const f = ink / covered;
      for (let c = 0; c < 3; c++) {
        pixels[o + c] = Math.round(background[c] * (1 - f) + foreground[c] * f);
      }
      pixels[o + 3] = Math.round((covered / n) * 255);
    }
  }
  return pixels;
}

function chunk(type, data) {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

function png(variant, size) {
  const pixels = render(variant, size);
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header[8] = 8; // bit depth
  header[9] = 6; // colour type: RGBA
  header[10] = 0; // compression
  header[11] = 0; // filter method
  header[12] = 0; // no interlace
  const rowLength = size * 4;
  const raw = Buffer.alloc((rowLength + 1) * size);
  for (let y = 0; y < size; y++) {
    raw[y * (rowLength + 1)] = 0; // filter type: none
    pixels.copy(raw, y * (rowLength + 1) + 1, y * rowLength, (y + 1) * rowLength);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

const files = {
  'icon.svg': svg('any'),
  'icon-maskable.svg': svg('maskable'),
  'icon-192.png': png('any', 192),
  'icon-512.png': png('any', 512),
  'icon-maskable-512.png': png('maskable', 512),
  'apple-touch-icon.png': png('full', 180),
};

mkdirSync(outDir, { recursive: true });
for (const [name, data] of Object.entries(files)) {
  writeFileSync(join(outDir, name), data);
  console.log(`wrote public/icons/${name} (${data.length} bytes)`);
}
