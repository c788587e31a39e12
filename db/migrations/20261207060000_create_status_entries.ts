// Frozen: the public status list of DESIGN §13 (W3C Bitstring Status List, statusSize 2). Each version gets a
// status index, taken from one counter row in the publication's transaction and never handed out twice; list n
// holds indexes n·131072 … n·131072+131071. The 2-bit values themselves are not stored: they are derived when the
// list is served from the versions' rows and the date, so a 取消 or a new version changes the list in the very
// transaction that writes it. Versions published before this migration get indexes in their original order.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('status_entries')
    .addColumn('status_index', 'integer', (c) => c.primaryKey())
    .addColumn('contract_number', 'text', (c) => c.notNull())
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addUniqueConstraint('status_entries_version', ['contract_number', 'seq'])
    .execute();
  // One row: how many indexes were handed out. UPDATE … RETURNING on it holds the row lock to the commit.
  await db.schema
    .createTable('status_head')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('size', 'integer', (c) => c.notNull())
    .execute();
  await sql`insert into status_entries (status_index, contract_number, seq)
    select row_number() over (order by issued_at, contract_number, seq) - 1, contract_number, seq from versions`.execute(
    db,
  );
  await sql`insert into status_head (name, size) select 'status', count(*) from status_entries`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('status_head').execute();
  await db.schema.dropTable('status_entries').execute();
}
