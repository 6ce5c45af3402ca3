// Draws Mamori's icons and writes them as PNGs with nothing but node:zlib. Run: node assets/make-icons.mjs
//   assets/tray/{protected,attention,paused}.png     16x16  (macOS/Windows; @2x picked up automatically)
//   assets/tray/{protected,attention,paused}@2x.png  32x32  (also what Linux panels get)
//   assets/icon.png                                   512x512 app icon (window, packages)
// Each state looks different without colour too: a tick, an exclamation mark, pause bars.
import { deflateSync } from 'node:zlib';
import { writeFileSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const here = dirname(fileURLToPath(import.meta.url));

const CRC_TABLE = new Uint32Array(256).map((_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}
/** rgba: Uint8Array of size*size*4 -> PNG bytes (8-bit RGBA, no interlace, filter 0 on every row). */
function png(size, rgba) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; ihdr[9] = 6; ihdr[10] = 0; ihdr[11] = 0; ihdr[12] = 0;
  const raw = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) {
    raw[y * (size * 4 + 1)] = 0;
    Buffer.from(rgba.buffer, y * size * 4, size * 4).copy(raw, y * (size * 4 + 1) + 1);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw, { level: 9 })), chunk('IEND', Buffer.alloc(0)),
  ]);
}

// Shapes in unit coordinates (0..1, y down).
function inShield(x, y, inset = 0) {
  const top = 0.06 + inset, mid = 0.5, bottom = 0.95 - inset * 1.4, half = 0.4 - inset;
  if (y < top || y > bottom) return false;
  const dx = Math.abs(x - 0.5);
  // A gentle dip in the top edge, straight sides, then a curve down to the point.
  if (y < top + 0.06 && y < top + 0.06 * (dx / half) ** 2 * 1.0 + 0.0) return false;
  if (y <= mid) return dx <= half;
  const t = (y - mid) / (bottom - mid);
  return dx <= half * Math.sqrt(Math.max(0, 1 - t ** 1.7));
}
function segDist(px, py, ax, ay, bx, by) {
  const vx = bx - ax, vy = by - ay;
  const t = Math.max(0, Math.min(1, ((px - ax) * vx + (py - ay) * vy) / (vx * vx + vy * vy)));
  return Math.hypot(px - (ax + t * vx), py - (ay + t * vy));
}
const glyphs = {
  tick: (x, y) => segDist(x, y, 0.31, 0.5, 0.45, 0.64) < 0.065 || segDist(x, y, 0.45, 0.64, 0.7, 0.36) < 0.065,
  bang: (x, y) => segDist(x, y, 0.5, 0.25, 0.5, 0.54) < 0.07 || Math.hypot(x - 0.5, y - 0.7) < 0.075,
  pause: (x, y) => (Math.abs(x - 0.4) < 0.06 || Math.abs(x - 0.6) < 0.06) && y > 0.3 && y < 0.66,
};
const looks = {
  protected: { fill: [46, 157, 79], edge: [22, 96, 46], glyph: [255, 255, 255], mark: glyphs.tick },
  attention: { fill: [242, 169, 0], edge: [150, 96, 0], glyph: [43, 29, 0], mark: glyphs.bang },
  paused: { fill: [140, 147, 157], edge: [80, 86, 95], glyph: [255, 255, 255], mark: glyphs.pause },
};

function draw(size, look) {
  const out = new Uint8Array(size * size * 4);
  const ss = 4; // 4x4 supersampling for smooth edges
  const edgeWidth = Math.max(1 / size, 0.045);
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let r = 0, g = 0, b = 0, a = 0;
      for (let sy = 0; sy < ss; sy++) {
        for (let sx = 0; sx < ss; sx++) {
          const x = (px + (sx + 0.5) / ss) / size, y = (py + (sy + 0.5) / ss) / size;
          if (!inShield(x, y)) continue;
          const c = look.mark(x, y) ? look.glyph : inShield(x, y, edgeWidth) ? look.fill : look.edge;
          r += c[0]; g += c[1]; b += c[2]; a += 1;
        }
      }
      const i = (py * size + px) * 4;
      if (a > 0) {
        out[i] = Math.round(r / a); out[i + 1] = Math.round(g / a); out[i + 2] = Math.round(b / a);
      }
      out[i + 3] = Math.round((a / (ss * ss)) * 255);
    }
  }
  return png(size, out);
}

mkdirSync(join(here, 'tray'), { recursive: true });
for (const [state, look] of Object.entries(looks)) {
  writeFileSync(join(here, 'tray', `${state}.png`), draw(16, look));
  writeFileSync(join(here, 'tray', `${state}@2x.png`), draw(32, look));
}
writeFileSync(join(here, 'icon.png'), draw(512, looks.protected));
console.log('wrote assets/tray/*.png and assets/icon.png');
