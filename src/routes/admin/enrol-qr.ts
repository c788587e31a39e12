// The TOTP enrolment QR code of the staff portal as a PNG data URL, drawn from uqr's module matrix with node:zlib
// (the portal showed `qrcode`'s toDataURL output before: same format, error correction M, 1-module margin, 4 px
// per module), so that no image library is needed for one picture.
import { crc32, deflateSync } from 'node:zlib';
import { encode } from 'uqr';

const MARGIN = 1;
const SCALE = 4;
const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** The QR code of `text` as `data:image/png;base64,…`. Throws a RangeError when the text does not fit a QR code. */
export function qrPngDataUrl(text: string): string {
  const { data, size } = encode(text, { ecc: 'M', boostEcc: false, border: MARGIN });
  const width = size * SCALE;
  // 8-bit greyscale scanlines, each led by filter type 0 (none); deflate makes the repetition nearly free.
  const row = width + 1;
  const raw = Buffer.alloc(row * width, 0xff);
  for (const [y, modules] of data.entries()) {
    const line = Buffer.alloc(row, 0xff);
    line[0] = 0;
    for (const [x, dark] of modules.entries()) if (dark) line.fill(0, 1 + x * SCALE, 1 + (x + 1) * SCALE);
    for (let i = 0; i < SCALE; i++) line.copy(raw, (y * SCALE + i) * row);
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(width, 4);
  header.set([8, 0, 0, 0, 0], 8); // bit depth 8, greyscale, deflate, adaptive filtering, no interlace
  const png = Buffer.concat([
    SIGNATURE,
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
  return `data:image/png;base64,${png.toString('base64')}`;
}

function chunk(type: string, body: Buffer): Buffer {
  const out = Buffer.alloc(12 + body.length);
  out.writeUInt32BE(body.length, 0);
  out.write(type, 4, 'latin1');
  body.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + body.length)), 8 + body.length);
  return out;
}
