// A streaming ZIP writer (APPNOTE 6.3.10, the subset every unzip and Windows Explorer reads): entries stored, not
// deflated — the PDFs it carries are compressed inside already — each written as soon as it arrives, so a batch of
// a thousand notices is never held in memory at once. Node's zlib.crc32 gives the checksums; no dependency is needed
// for so little. Names are UTF-8 (general purpose flag bit 11). No ZIP64: more than 65,535 entries or 4 GiB is
// refused rather than written as a file some readers would take for damaged.
import { crc32 } from 'node:zlib';

export interface ZipEntry {
  name: string;
  data: Uint8Array;
}

const MAX_ENTRIES = 0xffff;
const MAX_OFFSET = 0xffffffff;
const UTF8_NAMES = 0x0800;

/** MS-DOS date and time of an instant, in Japan time (what Explorer shows; the format has no time zone). */
function dosTime(at: Date): { time: number; date: number } {
  const jst = new Date(at.getTime() + 9 * 3600_000);
  return {
    time: (jst.getUTCHours() << 11) | (jst.getUTCMinutes() << 5) | Math.floor(jst.getUTCSeconds() / 2),
    date: ((jst.getUTCFullYear() - 1980) << 9) | ((jst.getUTCMonth() + 1) << 5) | jst.getUTCDate(),
  };
}

interface Written {
  name: Uint8Array;
  crc: number;
  size: number;
  offset: number;
}

/**
 * The bytes of a ZIP file holding `entries` in their order, produced as the consumer reads (each entry is asked
 * for only when the previous one has been taken).
 * @throws RangeError (through the stream) past 65,535 entries or 4 GiB
 */
export function zipStream(entries: AsyncIterable<ZipEntry>, at: Date): ReadableStream<Uint8Array<ArrayBuffer>> {
  const { time, date } = dosTime(at);
  const iterator = entries[Symbol.asyncIterator]();
  const written: Written[] = [];
  let offset = 0;
  let finished = false;
  return new ReadableStream<Uint8Array<ArrayBuffer>>({
    async pull(controller) {
      if (finished) return;
      const next = await iterator.next();
      if (next.done) {
        controller.enqueue(centralDirectory(written, offset, time, date));
        controller.close();
        finished = true;
        return;
      }
      const { name, data } = next.value;
      if (written.length >= MAX_ENTRIES) throw new RangeError(`a ZIP without ZIP64 holds at most ${MAX_ENTRIES} files`);
      const nameBytes = new TextEncoder().encode(name);
      const entry: Written = { name: nameBytes, crc: crc32(data), size: data.length, offset };
      const header = new Uint8Array(30 + nameBytes.length);
      const v = new DataView(header.buffer);
      v.setUint32(0, 0x04034b50, true); // local file header
      v.setUint16(4, 20, true); // version needed: 2.0
      v.setUint16(6, UTF8_NAMES, true);
      v.setUint16(8, 0, true); // stored
      v.setUint16(10, time, true);
      v.setUint16(12, date, true);
      v.setUint32(14, entry.crc, true);
      v.setUint32(18, entry.size, true);
      v.setUint32(22, entry.size, true);
      v.setUint16(26, nameBytes.length, true);
      v.setUint16(28, 0, true);
      header.set(nameBytes, 30);
      offset += header.length + data.length;
      if (offset > MAX_OFFSET) throw new RangeError('a ZIP without ZIP64 holds at most 4 GiB');
      written.push(entry);
      controller.enqueue(header);
      controller.enqueue(new Uint8Array(data));
    },
    async cancel() {
      await iterator.return?.();
    },
  });
}

function centralDirectory(written: Written[], start: number, time: number, date: number): Uint8Array<ArrayBuffer> {
  const size = written.reduce((n, e) => n + 46 + e.name.length, 0);
  const out = new Uint8Array(size + 22);
  const v = new DataView(out.buffer);
  let p = 0;
  for (const e of written) {
    v.setUint32(p, 0x02014b50, true); // central directory header
    v.setUint16(p + 4, (3 << 8) | 20, true); // made by: Unix, 2.0
    v.setUint16(p + 6, 20, true);
    v.setUint16(p + 8, UTF8_NAMES, true);
    v.setUint16(p + 10, 0, true);
    v.setUint16(p + 12, time, true);
    v.setUint16(p + 14, date, true);
    v.setUint32(p + 16, e.crc, true);
    v.setUint32(p + 20, e.size, true);
    v.setUint32(p + 24, e.size, true);
    v.setUint16(p + 28, e.name.length, true);
    // extra, comment, disk number, internal attributes: 0
    v.setUint32(p + 38, (0o100644 << 16) >>> 0, true); // external attributes: a regular file, rw-r--r--
    v.setUint32(p + 42, e.offset, true);
    out.set(e.name, p + 46);
    p += 46 + e.name.length;
  }
  v.setUint32(p, 0x06054b50, true); // end of central directory
  v.setUint16(p + 8, written.length, true);
  v.setUint16(p + 10, written.length, true);
  v.setUint32(p + 12, size, true);
  v.setUint32(p + 16, start, true);
  return out;
}
