// Frozen: issuer API token scopes and the second administrator's approval. A token's `scopes` is a space-separated
// list, or `*` for every scope; tokens that exist already were made by the command line (the break-glass path) or
// before scopes existed, and integrators rely on them, so they get `*` and count as approved when they were created.
// `approved_at` null = made in the staff portal with a scope that needs a second administrator, not approved yet:
// such a token authenticates nothing.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('api_tokens')
    .addColumn('scopes', 'text', (c) => c.notNull().defaultTo('*'))
    .execute();
  await db.schema.alterTable('api_tokens').addColumn('created_by', 'text').execute();
  await db.schema.alterTable('api_tokens').addColumn('approved_at', 'text').execute();
  await db.schema.alterTable('api_tokens').addColumn('approved_by', 'text').execute();
  await sql`update api_tokens set approved_at = created_at`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const column of ['approved_by', 'approved_at', 'created_by', 'scopes']) {
    await db.schema.alterTable('api_tokens').dropColumn(column).execute();
  }
}
