// Frozen: the staff portal — accounts, server-side sessions, four-eyes drafts. Portable; never imports app code.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('staff_users')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('email', 'text', (c) => c.notNull().unique())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('password_hash', 'text', (c) => c.notNull())
    // TOTP secret, encrypted (JWE dir/A256GCM with the secrets file's key): a database leak alone reveals nothing.
    .addColumn('totp_secret_jwe', 'text')
    .addColumn('totp_enabled_at', 'text')
    // The last accepted TOTP time step: a code is accepted once (RFC 6238 §5.2).
    .addColumn('totp_last_step', 'integer')
    // JSON array of SHA-256 hashes of unused recovery codes.
    .addColumn('recovery_codes', 'text', (c) => c.notNull())
    .addColumn('disabled_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('staff_sessions')
    // SHA-256 of the cookie token: a database leak does not hand out live sessions.
    .addColumn('token_hash', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('staff_users.id'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('last_seen_at', 'text', (c) => c.notNull())
    // Set once the second factor is passed; until then the session opens only the TOTP screens.
    .addColumn('mfa_at', 'text')
    // An enrolment in progress: the new TOTP secret (encrypted) until its first code is confirmed.
    .addColumn('pending_totp_jwe', 'text')
    .execute();
  await db.schema.createIndex('staff_sessions_user_idx').on('staff_sessions').column('user_id').execute();

  await db.schema
    .createTable('staff_drafts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('contract_number', 'text')
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('drafted_by', 'text', (c) => c.notNull().references('staff_users.id'))
    .addColumn('drafted_at', 'text', (c) => c.notNull())
    .addColumn('decided_by', 'text')
    .addColumn('decided_at', 'text')
    .addColumn('result', 'text')
    .addColumn('error', 'text')
    .execute();
  await db.schema.createIndex('staff_drafts_status_idx').on('staff_drafts').columns(['status', 'drafted_at']).execute();
  await db.schema.createIndex('staff_drafts_number_idx').on('staff_drafts').column('contract_number').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('staff_drafts').execute();
  await db.schema.dropTable('staff_sessions').execute();
  await db.schema.dropTable('staff_users').execute();
}
