import { crc32, deflateSync } from "node:zlib";

/**
 * The app icon, a white "P" parking sign on a blue rounded square, drawn from one geometry into
 * SVG and into PNGs of any size, so that nothing binary is committed and no image tool is needed.
 * Coordinates are fractions of the icon's side.
 */
const ICON_BLUE = "#0d4f8b";
const BLUE = [0x0d, 0x4f, 0x8b] as const;
const CORNER = 0.2;
/** The "P": a stem and a bowl whose outer edge is a half circle, with a counter cut out of it. */
const STEM = { left: 0.3, right: 0.44, top: 0.2, bottom: 0.8 };
const BOWL = { right: 0.52, top: 0.2, bottom: 0.56, innerTop: 0.33, innerBottom: 0.43 };
const BOWL_R = (BOWL.bottom - BOWL.top) / 2;
const COUNTER_R = (BOWL.innerBottom - BOWL.innerTop) / 2;
/** Samples per pixel along each axis, for smooth edges. */
const SUPERSAMPLE = 4;

export function iconSvg(): string {
  const f = (n: number) => Number((n * 100).toFixed(2));
  const p =
    `M${f(STEM.left)} ${f(STEM.bottom)}V${f(BOWL.top)}H${f(BOWL.right)}` +
    `A${f(BOWL_R)} ${f(BOWL_R)} 0 0 1 ${f(BOWL.right)} ${f(BOWL.bottom)}H${f(STEM.right)}V${f(STEM.bottom)}Z` +
    `M${f(STEM.right)} ${f(BOWL.innerTop)}H${f(BOWL.right)}` +
    `A${f(COUNTER_R)} ${f(COUNTER_R)} 0 0 1 ${f(BOWL.right)} ${f(BOWL.innerBottom)}H${f(STEM.right)}Z`;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100">` +
    `<rect width="100" height="100" rx="${f(CORNER)}" fill="${ICON_BLUE}"/>` +
    `<path fill="#fff" fill-rule="evenodd" d="${p}"/></svg>\n`
  );
}

function inSquare(x: number, y: number): boolean {
  const dx = Math.max(CORNER - x, x - (1 - CORNER), 0);
  const dy = Math.max(CORNER - y, y - (1 - CORNER), 0);
  return x >= 0 && x <= 1 && y >= 0 && y <= 1 && dx * dx + dy * dy <= CORNER * CORNER;
}

/** A "D": a rectangle from `left` to `right` closed on the right by a half circle. */
function inD(x: number, y: number, left: number, right: number, top: number, bottom: number): boolean {
  if (y < top || y > bottom || x < left) return false;
  if (x <= right) return true;
  const r = (bottom - top) / 2;
  const dy = y - (top + r);
  return (x - right) ** 2 + dy * dy <= r * r;
}

function inP(x: number, y: number): boolean {
  if (x >= STEM.left && x <= STEM.right && y >= STEM.top && y <= STEM.bottom) return true;
  return (
    inD(x, y, STEM.left, BOWL.right, BOWL.top, BOWL.bottom) &&
    !inD(x, y, STEM.right, BOWL.right, BOWL.innerTop, BOWL.innerBottom)
  );
}

/** An RGBA PNG of the icon, `size` pixels square; the same bytes every time. */
export function iconPng(size: number): Buffer {
  const rowBytes = 1 + size * 4;
  const raw = Buffer.alloc(rowBytes * size);
  const samples = SUPERSAMPLE * SUPERSAMPLE;
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let square = 0;
      let letter = 0;
      for (let sy = 0; sy < SUPERSAMPLE; sy++) {
        for (let sx = 0; sx < SUPERSAMPLE; sx++) {
          const x = (px + (sx + 0.5) / SUPERSAMPLE) / size;
          const y = (py + (sy + 0.5) / SUPERSAMPLE) / size;
          if (!inSquare(x, y)) continue;
          square++;
          if (inP(x, y)) letter++;
        }
      }
      // The letter lies inside the square, so its pixels are a blend of white over blue.
      const white = square === 0 ? 0 : letter / square;
      const at = py * rowBytes + 1 + px * 4;
      for (let c = 0; c < 3; c++) raw[at + c] = Math.round((BLUE[c] ?? 0) + (255 - (BLUE[c] ?? 0)) * white);
      raw[at + 3] = Math.round((255 * square) / samples);
    }
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header[8] = 8; // bits per channel
  header[9] = 6; // colour type RGBA
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", header),
    chunk("IDAT", deflateSync(raw, { level: 9 })),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, "latin1");
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])) >>> 0, 0);
  return Buffer.concat([head, data, crc]);
}
