// Frozen: the obligee API of DESIGN §11 — obligee organisations' API tokens, the certificates each organisation
// watches, and the durable event feed it pulls with a cursor.
// - obligee_tokens: stored as SHA-256 only; `approved_at` null = made in the staff portal and waiting for a second
//   administrator (such a token authenticates nothing), as api_tokens.
// - watches: one row per (obligee, certificate); `expired_for` is the guarantee end date an `expired` event was last
//   recorded (or found already past) for, so the housekeeping pass records each expiry once.
// - watch_events: one row per event per watching obligee, never updated or deleted, so a page once read never
//   changes. `id` is the feed's order and is assigned under the one row of watch_feed_clock (locked until the
//   writing transaction commits), so ids become visible in order on PostgreSQL too: a reader that has seen id n has
//   seen every id below it (a serial column would let a later id commit first and a cursor skip the earlier one).
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('obligee_tokens')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('obligee_id', 'text', (c) => c.notNull().references('obligees.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text')
    .addColumn('approved_at', 'text')
    .addColumn('approved_by', 'text')
    .addColumn('revoked_at', 'text')
    .execute();
  await db.schema
    .createTable('watches')
    .addColumn('obligee_id', 'text', (c) => c.notNull().references('obligees.id'))
    .addColumn('contract_number', 'text', (c) => c.notNull().references('sureties.contract_number'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('expired_for', 'text')
    .addPrimaryKeyConstraint('watches_pk', ['obligee_id', 'contract_number'])
    .execute();
  await db.schema.createIndex('watches_contract_idx').on('watches').column('contract_number').execute();
  await db.schema
    .createTable('watch_events')
    .addColumn('id', 'bigint', (c) => c.primaryKey())
    .addColumn('obligee_id', 'text', (c) => c.notNull())
    .addColumn('contract_number', 'text', (c) => c.notNull())
    .addColumn('seq', 'integer')
    .addColumn('event', 'text', (c) => c.notNull())
    .addColumn('target', 'integer')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('issued_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('watch_events_feed_idx').on('watch_events').columns(['obligee_id', 'id']).execute();
  await db.schema
    .createTable('watch_feed_clock')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('last_id', 'bigint', (c) => c.notNull())
    .execute();
  await sql`insert into watch_feed_clock (name, last_id) values ('events', 0)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['watch_feed_clock', 'watch_events', 'watches', 'obligee_tokens']) {
    await db.schema.dropTable(table).execute();
  }
}
