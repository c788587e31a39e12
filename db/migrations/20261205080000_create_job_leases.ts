// Frozen: job_leases — which instance runs each housekeeping job (reminders and purges, draft recovery). A lease row
// rather than a PostgreSQL advisory lock: it works the same on a SQLite file shared by instances on one host, and
// with a connection pool (an advisory lock belongs to one pooled connection, not to the instance).
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('job_leases')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('holder', 'text', (c) => c.notNull())
    .addColumn('lease_until', 'text', (c) => c.notNull())
    // When this holder took over: how long one instance has led, for operators.
    .addColumn('acquired_at', 'text', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('job_leases').execute();
}
