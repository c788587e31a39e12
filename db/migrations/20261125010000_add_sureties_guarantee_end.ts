// Frozen: `sureties.guarantee_end` — guaranteePeriod.to of the current (latest visible) version, a lookup column like
// works_name, so that the staff list can tell 有効 from 保証期間満了 in SQL (with correct counts and pages). Rows
// that exist already are filled from their stored versions; the visibility rule of DESIGN §3 is written out here
// because migrations never import application code (src/domain/history.ts holds the same rule).
import { sql, type Kysely } from 'kysely';

interface VersionRow {
  contract_number: string;
  seq: number | string;
  event: string;
  target: number | string | null;
  jws: string;
}

function guaranteeEnd(versions: VersionRow[]): string | null {
  const hidden = new Set<number>();
  for (const v of versions) {
    if (v.event === 'change_cancellation') hidden.add(Number(v.seq));
    if ((v.event === 'correction' || v.event === 'change_cancellation') && v.target !== null)
      hidden.add(Number(v.target));
  }
  const current = versions.filter((v) => !hidden.has(Number(v.seq))).at(-1);
  if (!current) return null;
  try {
    const payload = JSON.parse(Buffer.from(current.jws.split('.')[1] ?? '', 'base64url').toString('utf8')) as {
      certificate?: { guaranteePeriod?: { to?: unknown } };
    };
    const to = payload.certificate?.guaranteePeriod?.to;
    return typeof to === 'string' ? to : null;
  } catch {
    return null; // an unreadable payload is the audit's finding, not the migration's
  }
}

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('sureties').addColumn('guarantee_end', 'text').execute();
  await fillGuaranteeEnd(db);
}

/** Fills the column of every existing surety from its stored versions (exported for the migration's test). */
export async function fillGuaranteeEnd(db: Kysely<unknown>): Promise<void> {
  let after = '';
  for (;;) {
    const { rows: numbers } = await sql<{ contract_number: string }>`
      select contract_number from sureties where contract_number > ${after} order by contract_number limit 500`.execute(
      db,
    );
    if (numbers.length === 0) break;
    const last = numbers[numbers.length - 1]?.contract_number ?? after;
    const { rows } = await sql<VersionRow>`
      select contract_number, seq, event, target, jws from versions
      where contract_number > ${after} and contract_number <= ${last}
      order by contract_number, seq`.execute(db);
    const byNumber = new Map<string, VersionRow[]>();
    for (const r of rows) {
      const list = byNumber.get(r.contract_number) ?? [];
      list.push(r);
      byNumber.set(r.contract_number, list);
    }
    for (const [n, versions] of byNumber) {
      const end = guaranteeEnd(versions);
      if (end !== null) await sql`update sureties set guarantee_end = ${end} where contract_number = ${n}`.execute(db);
    }
    after = last;
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('sureties').dropColumn('guarantee_end').execute();
}
