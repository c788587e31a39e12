// Frozen: the core schema. Portable between SQLite and PostgreSQL; never imports application code.
import { PostgresAdapter, type ColumnDefinitionBuilder, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter;
  const big = pg ? 'bigint' : 'integer';
  const serial = (col: ColumnDefinitionBuilder) =>
    pg ? col.primaryKey().generatedAlwaysAsIdentity() : col.primaryKey().autoIncrement();

  await db.schema
    .createTable('meta')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('signing_keys')
    .addColumn('kid', 'text', (c) => c.primaryKey())
    .addColumn('public_jwk', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('retired_at', 'text')
    .execute();

  await db.schema
    .createTable('obligees')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('title', 'text')
    .addColumn('rules', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('office_sequences')
    .addColumn('office_code', 'text', (c) => c.primaryKey())
    .addColumn('last_value', 'integer', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('sureties')
    .addColumn('contract_number', 'text', (c) => c.primaryKey())
    .addColumn('product', 'text', (c) => c.notNull())
    .addColumn('obligee_id', 'text', (c) => c.notNull().references('obligees.id'))
    .addColumn('works_name', 'text', (c) => c.notNull())
    .addColumn('contractor_name', 'text', (c) => c.notNull())
    .addColumn('contractor_email', 'text')
    .addColumn('auth_key_hmac', 'text', (c) => c.notNull())
    .addColumn('auth_key_jwe', 'text', (c) => c.notNull())
    .addColumn('latest_seq', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('sureties_obligee_idx').on('sureties').columns(['obligee_id', 'created_at']).execute();

  await db.schema
    .createTable('versions')
    .addColumn('contract_number', 'text', (c) => c.notNull().references('sureties.contract_number'))
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('event', 'text', (c) => c.notNull())
    .addColumn('target', 'integer')
    .addColumn('jws', 'text', (c) => c.notNull())
    .addColumn('issued_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('versions_pk', ['contract_number', 'seq'])
    .execute();

  await db.schema
    .createTable('api_tokens')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('revoked_at', 'text')
    .addColumn('last_used_at', 'text')
    .execute();

  await db.schema
    .createTable('idempotency_keys')
    .addColumn('token_id', 'text', (c) => c.notNull())
    .addColumn('idem_key', 'text', (c) => c.notNull())
    .addColumn('request_hash', 'text', (c) => c.notNull())
    .addColumn('status', 'integer', (c) => c.notNull())
    .addColumn('response', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('idempotency_keys_pk', ['token_id', 'idem_key'])
    .execute();

  await db.schema
    .createTable('audit_log')
    .addColumn('id', big, serial)
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('actor_type', 'text', (c) => c.notNull())
    .addColumn('actor_id', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('contract_number', 'text')
    .addColumn('detail', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('audit_log_contract_idx').on('audit_log').columns(['contract_number', 'id']).execute();

  await db.schema
    .createTable('throttle_counters')
    .addColumn('bucket', 'text', (c) => c.primaryKey())
    .addColumn('window_ends', big, (c) => c.notNull())
    .addColumn('failures', 'integer', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('throttle_counters_window_idx').on('throttle_counters').column('window_ends').execute();

  await db.schema
    .createTable('access_events')
    .addColumn('id', big, serial)
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('contract_number', 'text')
    .addColumn('seq', 'integer')
    .addColumn('client', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('access_events_contract_idx')
    .on('access_events')
    .columns(['contract_number', 'id'])
    .execute();

  await db.schema
    .createTable('alerts')
    .addColumn('id', big, serial)
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('contract_number', 'text')
    .addColumn('detail', 'text', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of [
    'alerts',
    'access_events',
    'throttle_counters',
    'audit_log',
    'idempotency_keys',
    'api_tokens',
    'versions',
    'sureties',
    'office_sequences',
    'obligees',
    'signing_keys',
    'meta',
  ]) {
    await db.schema.dropTable(table).execute();
  }
}
