// Staff portal tables: accounts, server-side sessions and four-eyes drafts; plus the read-only queries of the portal
// screens over the core tables (surety search, audit log with filters, API tokens).
import { sql, type Insertable, type Kysely, type Updateable } from 'kysely';
import type { Database, StaffDraftTable, StaffSessionTable, StaffUserTable } from '../../db/schema.js';

type Db = Kysely<Database>;

export async function insertStaffUser(db: Db, row: StaffUserTable): Promise<void> {
  await db.insertInto('staff_users').values(row).execute();
}

export async function findStaffUserByEmail(db: Db, email: string): Promise<StaffUserTable | undefined> {
  return db.selectFrom('staff_users').selectAll().where('email', '=', email).executeTakeFirst();
}

export async function findStaffUser(db: Db, id: string): Promise<StaffUserTable | undefined> {
  return db.selectFrom('staff_users').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function listStaffUsers(db: Db): Promise<StaffUserTable[]> {
  return db.selectFrom('staff_users').selectAll().orderBy('email').execute();
}

export async function updateStaffUser(db: Db, id: string, changes: Updateable<StaffUserTable>): Promise<void> {
  await db.updateTable('staff_users').set(changes).where('id', '=', id).execute();
}

/** Accepts a TOTP step only if it is newer than the last one: the compare-and-set makes a replay lose the race. */
export async function advanceTotpStep(db: Db, id: string, step: number): Promise<boolean> {
  const result = await db
    .updateTable('staff_users')
    .set({ totp_last_step: step })
    .where('id', '=', id)
    .where((eb) => eb.or([eb('totp_last_step', 'is', null), eb('totp_last_step', '<', step)]))
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function insertSession(db: Db, row: StaffSessionTable): Promise<void> {
  await db.insertInto('staff_sessions').values(row).execute();
}

export async function findSession(db: Db, tokenHash: string): Promise<StaffSessionTable | undefined> {
  return db.selectFrom('staff_sessions').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
}

export async function updateSession(db: Db, tokenHash: string, changes: Updateable<StaffSessionTable>) {
  await db.updateTable('staff_sessions').set(changes).where('token_hash', '=', tokenHash).execute();
}

export async function deleteSession(db: Db, tokenHash: string): Promise<void> {
  await db.deleteFrom('staff_sessions').where('token_hash', '=', tokenHash).execute();
}

export async function deleteUserSessions(db: Db, userId: string): Promise<number> {
  const result = await db.deleteFrom('staff_sessions').where('user_id', '=', userId).executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** Gives back one provisional failure per bucket after a success (login counts every attempt up front). */
export async function refundFailure(db: Db, buckets: string[]): Promise<void> {
  await db
    .updateTable('throttle_counters')
    .set({ failures: sql<number>`failures - 1` })
    .where('bucket', 'in', buckets)
    .where('failures', '>', 0)
    .execute();
}

export async function insertDraft(db: Db, row: StaffDraftTable): Promise<void> {
  await db.insertInto('staff_drafts').values(row).execute();
}

export async function findDraft(db: Db, id: string): Promise<StaffDraftTable | undefined> {
  return db.selectFrom('staff_drafts').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Moves a draft from one status to the next; false when another request changed it first. */
export async function transitionDraft(
  db: Db,
  id: string,
  from: string,
  changes: Updateable<StaffDraftTable> & { status: string },
): Promise<boolean> {
  const result = await db
    .updateTable('staff_drafts')
    .set(changes)
    .where('id', '=', id)
    .where('status', '=', from)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export interface DraftRow extends StaffDraftTable {
  drafted_by_email: string;
  decided_by_email: string | null;
}

export async function listDrafts(
  db: Db,
  filter: { statuses?: string[]; contractNumber?: string; limit?: number; exceptStatus?: string },
): Promise<DraftRow[]> {
  return db
    .selectFrom('staff_drafts as d')
    .innerJoin('staff_users as u', 'u.id', 'd.drafted_by')
    .leftJoin('staff_users as a', 'a.id', 'd.decided_by')
    .selectAll('d')
    .select(['u.email as drafted_by_email', 'a.email as decided_by_email'])
    .$if(filter.statuses !== undefined, (q) => q.where('d.status', 'in', filter.statuses as string[]))
    .$if(filter.contractNumber !== undefined, (q) => q.where('d.contract_number', '=', filter.contractNumber as string))
    .$if(filter.exceptStatus !== undefined, (q) => q.where('d.status', '!=', filter.exceptStatus as string))
    .orderBy('d.drafted_at', 'desc')
    .orderBy('d.id')
    .limit(filter.limit ?? 100)
    .execute();
}

export interface SuretySearch {
  contractNumber?: string | undefined;
  worksName?: string | undefined;
  contractor?: string | undefined;
  obligeeId?: string | undefined;
  product?: string | undefined;
  /**
   * DESIGN §3: cancelled once a cancellation version exists; otherwise expired when `today` (JST) is after the
   * current version's guaranteePeriod.to (the `guarantee_end` lookup column), else active.
   */
  status?: { is: 'active' | 'expired' | 'cancelled'; today: string } | undefined;
  /** Instants (UTC ISO-8601): created_at ≥ from and < to. */
  from?: string | undefined;
  to?: string | undefined;
}

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

function suretyQuery(db: Db, s: SuretySearch) {
  const like = (v: string) => `%${escapeLike(v)}%`;
  return db
    .selectFrom('sureties')
    .innerJoin('obligees', 'obligees.id', 'sureties.obligee_id')
    .$if(s.contractNumber !== undefined, (q) =>
      q.where(sql<boolean>`sureties.contract_number like ${like(s.contractNumber as string)} escape '\\'`),
    )
    .$if(s.worksName !== undefined, (q) =>
      q.where(sql<boolean>`sureties.works_name like ${like(s.worksName as string)} escape '\\'`),
    )
    .$if(s.contractor !== undefined, (q) =>
      q.where(sql<boolean>`sureties.contractor_name like ${like(s.contractor as string)} escape '\\'`),
    )
    .$if(s.obligeeId !== undefined, (q) => q.where('sureties.obligee_id', '=', s.obligeeId as string))
    .$if(s.product !== undefined, (q) => q.where('sureties.product', '=', s.product as string))
    .$if(s.from !== undefined, (q) => q.where('sureties.created_at', '>=', s.from as string))
    .$if(s.to !== undefined, (q) => q.where('sureties.created_at', '<', s.to as string))
    .$if(s.status !== undefined, (q) =>
      q.where((eb) => {
        const status = s.status as NonNullable<SuretySearch['status']>;
        const cancelled = eb.exists(
          eb
            .selectFrom('versions')
            .select('versions.seq')
            .whereRef('versions.contract_number', '=', 'sureties.contract_number')
            .where('versions.event', '=', 'cancellation'),
        );
        if (status.is === 'cancelled') return cancelled;
        // ISO dates compare as text; "after guaranteePeriod.to" means to < today.
        const ended = eb('sureties.guarantee_end', '<', status.today);
        return eb.and([eb.not(cancelled), status.is === 'expired' ? ended : eb.not(ended)]);
      }),
    );
}

export async function searchSureties(db: Db, s: SuretySearch, offset: number, limit: number) {
  const [rows, count] = await Promise.all([
    suretyQuery(db, s)
      .select([
        'sureties.contract_number',
        'sureties.product',
        'sureties.works_name',
        'sureties.contractor_name',
        'sureties.created_at',
        'sureties.updated_at',
        'sureties.latest_seq',
        'obligees.name as obligee_name',
        'obligees.title as obligee_title',
      ])
      .orderBy('sureties.created_at', 'desc')
      .orderBy('sureties.contract_number', 'desc')
      .offset(offset)
      .limit(limit)
      .execute(),
    suretyQuery(db, s)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow(),
  ]);
  return { rows, total: Number(count.n) };
}

export interface AuditSearch {
  actorType?: string | undefined;
  actorId?: string | undefined;
  action?: string | undefined;
  contractNumber?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
}

function auditQuery(db: Db, s: AuditSearch) {
  return db
    .selectFrom('audit_log')
    .$if(s.actorType !== undefined, (q) => q.where('actor_type', '=', s.actorType as string))
    .$if(s.actorId !== undefined, (q) => q.where('actor_id', '=', s.actorId as string))
    .$if(s.action !== undefined, (q) =>
      q.where(sql<boolean>`action like ${`${escapeLike(s.action as string)}%`} escape '\\'`),
    )
    .$if(s.contractNumber !== undefined, (q) => q.where('contract_number', '=', s.contractNumber as string))
    .$if(s.from !== undefined, (q) => q.where('at', '>=', s.from as string))
    .$if(s.to !== undefined, (q) => q.where('at', '<', s.to as string));
}

export async function searchAudit(db: Db, s: AuditSearch, offset: number, limit: number) {
  const [rows, count] = await Promise.all([
    auditQuery(db, s)
      .select(['id', 'at', 'actor_type', 'actor_id', 'action', 'contract_number', 'detail'])
      .orderBy('id', 'desc')
      .offset(offset)
      .limit(limit)
      .execute(),
    auditQuery(db, s)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow(),
  ]);
  return { rows, total: Number(count.n) };
}

export async function listApiTokens(db: Db) {
  return db
    .selectFrom('api_tokens')
    .select([
      'id',
      'name',
      'created_at',
      'revoked_at',
      'last_used_at',
      'scopes',
      'created_by',
      'approved_at',
      'approved_by',
    ])
    .orderBy('created_at', 'desc')
    .execute();
}

export async function revokeApiToken(db: Db, id: string, at: string): Promise<boolean> {
  const result = await db
    .updateTable('api_tokens')
    .set({ revoked_at: at })
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** The contract number an earlier publication under this idempotency key produced, whoever sent it. */
export async function findIdempotentNumbers(db: Db, keys: string[]): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  for (let i = 0; i < keys.length; i += 500) {
    const rows = await db
      .selectFrom('idempotency_keys')
      .select(['idem_key', 'response'])
      .where('idem_key', 'in', keys.slice(i, i + 500))
      .execute();
    for (const r of rows) found.set(r.idem_key, (JSON.parse(r.response) as { contractNumber: string }).contractNumber);
  }
  return found;
}

export type NewDraft = Insertable<StaffDraftTable>;
