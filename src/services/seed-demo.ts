// The demo data set: 三島市 with its rule and three sureties of different products and histories.
import { getMeta, insertMeta } from '../repositories/meta.js';
import type { Actor, ServiceContext } from './context.js';
import { putObligee } from './obligees.js';
import { publishSurety } from './publish-surety.js';
import { publishVersion } from './publish-version.js';
import { writeTransaction } from '../../db/connection.js';
import { countSureties, findSurety } from '../repositories/sureties.js';
import { DEMO_ISSUER_NAME } from '../config.js';
import { isUniqueViolation } from './db-errors.js';

export interface DemoSurety {
  contractNumber: string;
  authKey: string;
  product: string;
  history: string[];
}

const DEMO_META = 'demo_contract_number';
/** Claimed in the same transaction that finds the database empty: of instances starting together, one seeds. */
const DEMO_CLAIM = 'demo_seed_claimed';
const actor: Actor = { type: 'system', id: 'seed:demo' };

const works = {
  name: '市道大場線道路改良工事',
  number: '令和8年度 第12号',
  location: '静岡県三島市大場地内',
  contractDate: '2026-04-01',
  period: { from: '2026-04-02', to: '2027-03-19' },
};
const contractor = {
  name: '富士見建設株式会社',
  address: '静岡県三島市北田町4番47号',
  representative: '代表取締役 髙橋 一郎',
};

export async function seedDemo(ctx: ServiceContext): Promise<DemoSurety[]> {
  await putObligee(ctx, actor, 'mishima-city', {
    name: '三島市',
    title: '三島市長',
    rules: [
      {
        products: ['advance_payment', 'intermediate_advance_payment', 'contract'],
        basis: 'contract_date',
        effectiveFrom: '2026-01-01',
      },
    ],
  });
  const created: DemoSurety[] = [];

  const advance = await publishSurety(ctx, actor, {
    product: 'advance_payment',
    obligeeId: 'mishima-city',
    contractor,
    works,
    contractAmount: 50_000_000,
    guaranteeAmount: 20_000_000,
    advanceAmount: 20_000_000,
    depositBank: '静岡中央銀行 三島支店',
    guaranteePeriod: { from: '2026-04-02', to: '2027-04-30' },
    guaranteeDate: '2026-04-10',
  });
  await publishVersion(ctx, actor, advance.contractNumber, {
    event: 'change',
    changes: { contractAmount: 55_000_000, guaranteeAmount: 22_000_000, advanceAmount: 22_000_000 },
    reason: '請負代金額の増額に伴う保証金額の増額',
  });
  created.push({
    contractNumber: advance.contractNumber,
    authKey: advance.authKey,
    product: 'advance_payment',
    history: ['新規', '変更（増額）'],
  });

  const contract = await publishSurety(ctx, actor, {
    product: 'contract',
    obligeeId: 'mishima-city',
    contractor,
    works,
    contractAmount: 50_000_000,
    guaranteeAmount: 5_000_000,
    guaranteePeriod: { from: '2026-04-02', to: '2027-03-19' },
    guaranteeDate: '2026-04-01',
  });
  await publishVersion(ctx, actor, contract.contractNumber, {
    event: 'change',
    changes: { guaranteePeriod: { to: '2027-06-30' } },
    reason: '工期延長に伴う保証期限の変更',
  });
  await publishVersion(ctx, actor, contract.contractNumber, {
    event: 'change_cancellation',
    target: 2,
    reason: '工期延長の取りやめ',
  });
  created.push({
    contractNumber: contract.contractNumber,
    authKey: contract.authKey,
    product: 'contract',
    history: ['新規', '変更（保証期限変更）→ 変更取消'],
  });

  const intermediate = await publishSurety(ctx, actor, {
    product: 'intermediate_advance_payment',
    obligeeId: 'mishima-city',
    // The 中間前払金 of the advance above: the same works, 20% of the (increased) contract price.
    contractor,
    works,
    contractAmount: 55_000_000,
    guaranteeAmount: 11_000_000,
    advanceAmount: 11_000_000,
    depositBank: '静岡中央銀行 三島支店',
    relatedContractNumber: advance.contractNumber,
    guaranteePeriod: { from: '2026-10-01', to: '2027-04-30' },
    guaranteeDate: '2026-10-01',
  });
  await publishVersion(ctx, actor, intermediate.contractNumber, {
    event: 'correction',
    target: 1,
    changes: { depositBank: '静岡中央銀行 三島駅前支店' },
    reason: '預託金融機関の誤記訂正',
  });
  created.push({
    contractNumber: intermediate.contractNumber,
    authKey: intermediate.authKey,
    product: 'intermediate_advance_payment',
    history: ['新規 → 訂正'],
  });

  await writeTransaction(ctx.db, async (tx) => {
    if ((await getMeta(tx, DEMO_META)) === null) await insertMeta(tx, DEMO_META, advance.contractNumber);
  });
  return created;
}

export type DemoStart =
  { mode: 'seeded'; sureties: number } | { mode: 'not_empty' } | { mode: 'off'; reason: 'real_issuer' | 'disabled' };

/**
 * The server's start-up seeding: only while the issuer is the default fictional one (a configured
 * ESURETY_ISSUER_NAME is a real deployment, whatever NODE_ENV says), only into an empty database, and only once
 * when several instances start together.
 */
export async function seedDemoAtStart(ctx: ServiceContext): Promise<DemoStart> {
  if (ctx.config.issuerName !== DEMO_ISSUER_NAME) return { mode: 'off', reason: 'real_issuer' };
  if (!ctx.config.demo) return { mode: 'off', reason: 'disabled' };
  const claim = () =>
    writeTransaction(ctx.db, async (tx) => {
      if ((await countSureties(tx)) > 0 || (await getMeta(tx, DEMO_CLAIM)) !== null) return false;
      await insertMeta(tx, DEMO_CLAIM, ctx.clock().toISOString());
      return true;
    });
  let claimed: boolean;
  try {
    claimed = await claim();
  } catch (error) {
    // PostgreSQL: both found the database empty; the other instance's claim committed first.
    if (!isUniqueViolation(error)) throw error;
    claimed = false;
  }
  if (!claimed) return { mode: 'not_empty' };
  return { mode: 'seeded', sureties: (await seedDemo(ctx)).length };
}

/** The demo surety a newcomer can try at once (number and its current key), when the demo was seeded. */
export async function demoCredentials(
  ctx: ServiceContext,
): Promise<{ contractNumber: string; authKey: string } | null> {
  const contractNumber = await getMeta(ctx.db, DEMO_META);
  if (!contractNumber) return null;
  const surety = await findSurety(ctx.db, contractNumber);
  return surety ? { contractNumber, authKey: await ctx.vault.decrypt(surety.auth_key_jwe) } : null;
}
