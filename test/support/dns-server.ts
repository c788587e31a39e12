// A tiny real DNS server for tests (node:dgram on 127.0.0.1): answers TXT questions from a table, NXDOMAIN otherwise.
// Enough of RFC 1035 §4 for node:dns's resolver: one question, answers pointing back at it by compression.
import dgram from 'node:dgram';

export interface TestDns {
  /** host:port to give a resolver (ESURETY_DNS_RESOLVER). */
  address: string;
  /** TXT records by lower-case name; each record is one string (split into 255-byte chunks on the wire). */
  records: Map<string, string[]>;
  close(): Promise<void>;
}

export async function startDns(): Promise<TestDns> {
  const records = new Map<string, string[]>();
  const socket = dgram.createSocket('udp4');
  socket.on('message', (query, peer) => {
    let at = 12;
    const labels: string[] = [];
    while (query[at]! > 0) {
      labels.push(query.subarray(at + 1, at + 1 + query[at]!).toString('latin1'));
      at += 1 + query[at]!;
    }
    const questionEnd = at + 5;
    const qtype = query.readUInt16BE(at + 1);
    const found = records.get(labels.join('.').toLowerCase());
    const answers = qtype === 16 && found ? found : [];
    const header = Buffer.alloc(12);
    query.copy(header, 0, 0, 2);
    // QR, opcode 0, AA, RD copied, RA; rcode 3 (NXDOMAIN) for a name the table does not hold.
    header.writeUInt16BE(0x8580 | ((query[2]! & 1) << 8) | (found ? 0 : 3), 2);
    header.writeUInt16BE(1, 4);
    header.writeUInt16BE(answers.length, 6);
    const rrs = answers.map((text) => {
      const bytes = Buffer.from(text, 'utf8');
      const chunks: Buffer[] = [];
      for (let i = 0; i < bytes.length || i === 0; i += 255) {
        const part = bytes.subarray(i, i + 255);
        chunks.push(Buffer.from([part.length]), part);
      }
      const rdata = Buffer.concat(chunks);
      const rr = Buffer.alloc(12);
      rr.writeUInt16BE(0xc00c, 0);
      rr.writeUInt16BE(16, 2);
      rr.writeUInt16BE(1, 4);
      rr.writeUInt32BE(60, 6);
      rr.writeUInt16BE(rdata.length, 10);
      return Buffer.concat([rr, rdata]);
    });
    socket.send(Buffer.concat([header, query.subarray(12, questionEnd), ...rrs]), peer.port, peer.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return {
    address: `127.0.0.1:${socket.address().port}`,
    records,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}
