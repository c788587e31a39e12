// Measures serving a full status list (DESIGN §13): 131,072 entries of synthetic guarantees (one in eight with a
// second version, one in sixteen cancelled) in a fresh SQLite database, then the signed list cold (derive + GZIP +
// ES256), warm (the cached revision) and after one 取消 (only that guarantee derived again).
// Run: node --import tsx scripts/bench/status-list.ts
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config.js';
import { openPlatform } from '../../src/platform.js';
import { statusListCredential } from '../../src/services/status-list.js';

const N = Number(process.env.ENTRIES ?? 131_072);
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'esurety-bench-status-'));
const config = loadConfig({ NODE_ENV: 'test', ESURETY_DATA_DIR: dataDir, ESURETY_DEMO: 'false' });
const platform = await openPlatform(config);
const { db } = platform.ctx;
const at = '2026-11-24T10:00:00+09:00';
await db
  .insertInto('obligees')
  .values({ id: 'bench', name: 'bench', title: null, rules: '[]', created_at: at, updated_at: at })
  .execute();
let index = 0;
const started = performance.now();
for (let i = 0; index < N; i += 500) {
  const sureties = [];
  const versions = [];
  const entries = [];
  for (let j = i; j < i + 500 && index < N; j++) {
    const cn = `9${String(Math.floor(j / 1_000_000)).padStart(4, '0')}-${String(j % 1_000_000).padStart(6, '0')}`;
    sureties.push({
      contract_number: cn,
      product: 'contract',
      obligee_id: 'bench',
      works_name: 'w',
      contractor_name: 'c',
      contractor_email: null,
      guarantee_end: '2027-04-30',
      auth_key_hmac: `h${j}`,
      auth_key_jwe: 'x',
      latest_seq: 1,
      created_at: at,
      updated_at: at,
    });
    const seqs = j % 8 === 0 ? 2 : 1;
    for (let seq = 1; seq <= seqs && index < N; seq++) {
      const event = seq === 1 ? 'issue' : j % 16 === 0 ? 'cancellation' : 'change';
      versions.push({ contract_number: cn, seq, event, target: null, jws: 'x.y.z', issued_at: at });
      entries.push({ status_index: index++, contract_number: cn, seq });
    }
  }
  await db.insertInto('sureties').values(sureties).execute();
  await db.insertInto('versions').values(versions).execute();
  await db.insertInto('status_entries').values(entries).execute();
}
await db.updateTable('status_head').set({ size: N }).execute();
console.log(`seeded ${N} entries in ${((performance.now() - started) / 1000).toFixed(1)} s`);
for (const label of ['cold', 'warm']) {
  const t = performance.now();
  const { jwt } = await statusListCredential(platform.ctx, 0);
  console.log(`${label}: ${(performance.now() - t).toFixed(0)} ms, ${jwt.length} bytes of JWT`);
}
// One 取消 after the list was built: only that guarantee is derived again.
await db
  .insertInto('versions')
  .values({ contract_number: '90000-000001', seq: 2, event: 'cancellation', target: null, jws: 'x.y.z', issued_at: at })
  .execute();
await db.insertInto('status_entries').values({ status_index: N, contract_number: '90000-000001', seq: 2 }).execute();
await db
  .updateTable('status_head')
  .set({ size: N + 1 })
  .execute();
const t = performance.now();
await statusListCredential(platform.ctx, 0);
console.log(`after one 取消: ${(performance.now() - t).toFixed(0)} ms`);
await platform.close();
fs.rmSync(dataDir, { recursive: true, force: true });
