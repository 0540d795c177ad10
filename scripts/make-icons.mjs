// Generates the Teams app icons (appPackage/color.png, appPackage/outline.png).
// Symbol: one dot (the individual) inside a ring carrying three dots (the network).
// PNG encoding uses only node:zlib. Run: node scripts/make-icons.mjs
import { deflateSync, crc32 } from 'node:zlib';
import { writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ACCENT = [0x2b, 0x5f, 0x75];
const WHITE = [0xff, 0xff, 0xff];
const SUPERSAMPLE = 8;

const outDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'appPackage');

/** Signed-distance helpers (negative inside). */
const circle = (x, y, cx, cy, r) => Math.hypot(x - cx, y - cy) - r;
function roundedSquare(x, y, size, radius) {
  const h = size / 2;
  const qx = Math.abs(x - h) - (h - radius);
  const qy = Math.abs(y - h) - (h - radius);
  return Math.hypot(Math.max(qx, 0), Math.max(qy, 0)) + Math.min(Math.max(qx, qy), 0) - radius;
}

/**
 * Returns an inside-test for the symbol around (c, c); the centre dot sits slightly low
 * so the triangle of satellites is optically centred.
 * ringR: ring radius, ringW: ring stroke width, satR: satellite dot radius,
 * gap: clearance between satellite and ring, coreR: centre dot radius.
 */
function symbol({ c, ringR, ringW, satR, gap, coreR }) {
  const cx = c;
  const cy = c + ringR / 6;
  const sats = [-90, 30, 150].map((deg) => {
    const a = (deg * Math.PI) / 180;
    return [cx + ringR * Math.cos(a), cy + ringR * Math.sin(a)];
  });
  return (x, y) => {
    if (circle(x, y, cx, cy, coreR) <= 0) return true;
    let nearSat = false;
    for (const [sx, sy] of sats) {
      const d = circle(x, y, sx, sy, satR);
      if (d <= 0) return true;
      if (d <= gap) nearSat = true;
    }
    return !nearSat && Math.abs(Math.hypot(x - cx, y - cy) - ringR) <= ringW / 2;
  };
}

/** Fraction of the pixel (px, py) covered by `inside`, by supersampling. */
function coverage(inside, px, py) {
  let hits = 0;
  for (let j = 0; j < SUPERSAMPLE; j++) {
    for (let i = 0; i < SUPERSAMPLE; i++) {
      if (inside(px + (i + 0.5) / SUPERSAMPLE, py + (j + 0.5) / SUPERSAMPLE)) hits++;
    }
  }
  return hits / (SUPERSAMPLE * SUPERSAMPLE);
}

function paeth(a, b, c) {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  if (pa <= pb && pa <= pc) return a;
  return pb <= pc ? b : c;
}

/** Filters one scanline with the given PNG filter type (0-4). */
function filterRow(type, row, prev, bpp) {
  const out = Buffer.alloc(row.length);
  for (let i = 0; i < row.length; i++) {
    const a = i >= bpp ? row[i - bpp] : 0;
    const b = prev ? prev[i] : 0;
    const c = prev && i >= bpp ? prev[i - bpp] : 0;
    const pred = [0, a, b, (a + b) >> 1, paeth(a, b, c)][type];
    out[i] = (row[i] - pred) & 0xff;
  }
  return out;
}

function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body) >>> 0);
  return Buffer.concat([len, body, crc]);
}

/** Encodes 8-bit RGBA pixels as PNG, choosing a filter per row (minimum-sum heuristic). */
function encodePng(width, height, rgba) {
  const stride = width * 4;
  const rows = [];
  let prev = null;
  for (let y = 0; y < height; y++) {
    const row = rgba.subarray(y * stride, (y + 1) * stride);
    let best = null;
    let bestCost = Infinity;
    for (let type = 0; type <= 4; type++) {
      const f = filterRow(type, row, prev, 4);
      let cost = 0;
      for (const v of f) cost += v < 128 ? v : 256 - v;
      if (cost < bestCost) {
        bestCost = cost;
        best = Buffer.concat([Buffer.from([type]), f]);
      }
    }
    rows.push(best);
    prev = row;
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 6, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.concat(rows), { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

function render(size, pixel) {
  const rgba = Buffer.alloc(size * size * 4);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) rgba.set(pixel(x, y), (y * size + x) * 4);
  }
  return encodePng(size, size, rgba);
}

function colorIcon() {
  const size = 192;
  const bg = (x, y) => roundedSquare(x, y, size, 36) <= 0;
  const sym = symbol({ c: 96, ringR: 42, ringW: 7, satR: 14, gap: 6, coreR: 17 });
  return render(size, (x, y) => {
    const a = coverage(bg, x, y);
    const s = coverage(sym, x, y);
    const rgb = ACCENT.map((v, i) => Math.round(v + (WHITE[i] - v) * s));
    return [...rgb, Math.round(a * 255)];
  });
}

function outlineIcon() {
  const size = 32;
  const sym = symbol({ c: 16, ringR: 10, ringW: 2, satR: 4, gap: 1.5, coreR: 4 });
  return render(size, (x, y) => [...WHITE, Math.round(coverage(sym, x, y) * 255)]);
}

mkdirSync(outDir, { recursive: true });
for (const [name, png] of [
  ['color.png', colorIcon()],
  ['outline.png', outlineIcon()],
]) {
  writeFileSync(join(outDir, name), png);
  console.log(`${join(outDir, name)} (${png.length} bytes)`);
}
