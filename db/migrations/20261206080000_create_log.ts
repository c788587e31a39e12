// Frozen: the transparency log of DESIGN §12 — its leaves (one per published version, in publication order), the
// counter that hands out the next index, stored subtree hashes and signed checkpoints. Versions published before
// the log existed are appended here in their original order (issue time, then number and seq), so the first
// checkpoint covers them.
import { createHash } from 'node:crypto';
import { sql, type Kysely } from 'kysely';

const PAGE = 1000;

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('log_leaves')
    .addColumn('idx', 'integer', (c) => c.primaryKey())
    // base64 (with padding) of SHA-256 over the version's compact JWS: the leaf input, never the content.
    .addColumn('digest', 'text', (c) => c.notNull())
    // Which version it commits to: for audit only, never served by the log routes (the log reveals no number).
    .addColumn('contract_number', 'text', (c) => c.notNull())
    .addColumn('seq', 'integer', (c) => c.notNull())
    .execute();
  // Not unique: a number whose publication was rolled back (a restore) may be published again, under a new index.
  await db.schema.createIndex('log_leaves_version').on('log_leaves').columns(['contract_number', 'seq']).execute();
  // One row: the log's size. Publications take the next index with an UPDATE … RETURNING on it, which holds the
  // row lock to the commit: concurrent publishers across instances get one total order, and a rollback leaves no gap.
  await db.schema
    .createTable('log_head')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('size', 'integer', (c) => c.notNull())
    // Set (to why) while the log is on hold after a rollback was detected: the same UPDATE refuses to append.
    .addColumn('held', 'text')
    .execute();
  // Hashes of complete subtrees at every fourth level (16, 256, … leaves), written by the checkpoint job: a proof
  // at millions of leaves reads a few hundred hashes instead of rehashing the tree.
  await db.schema
    .createTable('log_nodes')
    .addColumn('level', 'integer', (c) => c.notNull())
    .addColumn('idx', 'integer', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('log_nodes_pk', ['level', 'idx'])
    .execute();
  await db.schema
    .createTable('log_checkpoints')
    .addColumn('size', 'integer', (c) => c.primaryKey())
    .addColumn('root', 'text', (c) => c.notNull())
    // The signed note exactly as served by GET /log/checkpoint.
    .addColumn('note', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();

  let size = 0;
  let after: { issued_at: string; contract_number: string; seq: number } | null = null;
  for (;;) {
    const page: { issued_at: string; contract_number: string; seq: number; jws: string }[] = (
      await sql<{ issued_at: string; contract_number: string; seq: number; jws: string }>`
        select issued_at, contract_number, seq, jws from versions
        ${
          after
            ? sql`where issued_at > ${after.issued_at}
                 or (issued_at = ${after.issued_at} and contract_number > ${after.contract_number})
                 or (issued_at = ${after.issued_at} and contract_number = ${after.contract_number} and seq > ${after.seq})`
            : sql``
        }
        order by issued_at, contract_number, seq
        limit ${PAGE}`.execute(db)
    ).rows;
    if (page.length === 0) break;
    const rows = page.map((v) => ({
      idx: size++,
      digest: createHash('sha256').update(v.jws, 'ascii').digest('base64'),
      contract_number: v.contract_number,
      seq: Number(v.seq),
    }));
    await (db as Kysely<{ log_leaves: (typeof rows)[number] }>).insertInto('log_leaves').values(rows).execute();
    const last = page[page.length - 1]!;
    after = { issued_at: last.issued_at, contract_number: last.contract_number, seq: Number(last.seq) };
  }
  await (db as Kysely<{ log_head: { name: string; size: number; held: string | null } }>)
    .insertInto('log_head')
    .values({ name: 'log', size, held: null })
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['log_checkpoints', 'log_nodes', 'log_head', 'log_leaves']) {
    await db.schema.dropTable(table).execute();
  }
}
