// Frozen: notifications — the mail outbox, single-use mail links, receipt confirmations and obligee subscriptions.
// Portable between SQLite and PostgreSQL; never imports application code.
import { PostgresAdapter, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter;
  // One row per mail, written in the same transaction as the event that causes it. Bodies hold placeholders where
  // signed links go: the links are signed only when the mail is sent, so the database never holds a usable link.
  await db.schema
    .createTable('mail_outbox')
    // seq orders mails of one moment in the order their events happened (ids are random: they name the mail).
    .addColumn('seq', pg ? 'bigint' : 'integer', (c) =>
      pg ? c.primaryKey().generatedAlwaysAsIdentity() : c.primaryKey().autoIncrement(),
    )
    .addColumn('id', 'text', (c) => c.notNull().unique())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('contract_number', 'text')
    // Set for mail to a subscriber: unsubscribing removes its pending mail and blanks the address of sent mail.
    .addColumn('subscription_id', 'text')
    .addColumn('recipient', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('body_text', 'text', (c) => c.notNull())
    .addColumn('body_html', 'text', (c) => c.notNull())
    .addColumn('links', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('next_attempt_at', 'text', (c) => c.notNull())
    .addColumn('lease_owner', 'text')
    .addColumn('lease_until', 'text')
    .addColumn('links_issued_at', 'text')
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('sent_at', 'text')
    .execute();
  await db.schema.createIndex('mail_outbox_due_idx').on('mail_outbox').columns(['state', 'next_attempt_at']).execute();
  await db.schema.createIndex('mail_outbox_subscription_idx').on('mail_outbox').column('subscription_id').execute();
  await db.schema
    .createIndex('mail_outbox_contract_idx')
    .on('mail_outbox')
    .columns(['contract_number', 'created_at'])
    .execute();

  await db.schema
    .createTable('mail_links')
    .addColumn('jti', 'text', (c) => c.primaryKey())
    .addColumn('purpose', 'text', (c) => c.notNull())
    .addColumn('contract_number', 'text', (c) => c.notNull())
    .addColumn('outbox_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('used_at', 'text')
    .addColumn('used_client', 'text')
    .execute();
  await db.schema.createIndex('mail_links_contract_idx').on('mail_links').columns(['contract_number']).execute();

  await db.schema
    .createTable('receipt_confirmations')
    .addColumn('contract_number', 'text', (c) => c.notNull().references('sureties.contract_number'))
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('department', 'text', (c) => c.notNull())
    .addColumn('officer_name', 'text', (c) => c.notNull())
    .addColumn('confirmed_at', 'text', (c) => c.notNull())
    .addColumn('client', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('receipt_confirmations_pk', ['contract_number', 'seq'])
    .execute();

  await db.schema
    .createTable('mail_subscriptions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('contract_number', 'text', (c) => c.notNull().references('sureties.contract_number'))
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('confirm_sent_at', 'text', (c) => c.notNull())
    .addColumn('confirmed_at', 'text')
    .addColumn('guarantee_end', 'text', (c) => c.notNull())
    .addColumn('reminded_for', 'text')
    .addUniqueConstraint('mail_subscriptions_address_uq', ['contract_number', 'email'])
    .execute();
  await db.schema
    .createIndex('mail_subscriptions_due_idx')
    .on('mail_subscriptions')
    .columns(['state', 'guarantee_end'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['mail_subscriptions', 'receipt_confirmations', 'mail_links', 'mail_outbox']) {
    await db.schema.dropTable(table).execute();
  }
}
