// Use case: every key notice of a published CSV import at once — one ZIP of the per-guarantee notice PDFs
// (notice-<保証契約番号>.pdf, the same document as the single 認証キーのお知らせ) and a 一覧.csv saying which CSV line
// became which number — for the clerk who has to send them to the contractors.
//
// The notices carry keys, so the batch is held to what single notices are held to, and more: clerks and approvers
// only; only an import that four-eyes approval has published, and only its own guarantees; the download counts as a
// key display against the staff member's hourly cap (key-view-limit.ts), and one batch may be downloaded at most
// BATCH_NOTICE_LIMITS.max times a day by anyone — so it cannot serve to copy keys out beyond the batch the clerk is
// responsible for. Everything is audited before the first byte: one `notice.batch_print` row and a `notice.print`
// row per guarantee (naming the batch, never a key), in one transaction with the counters.
//
// Rendering goes through the PDF worker pool one notice at a time, as the client reads (the ZIP is a pull stream):
// a thousand notices never block the event loop, never hold the pool's queue, and never sit in memory together.
import { setTimeout as sleep } from 'node:timers/promises';
import { writeTransaction } from '../../../db/connection.js';
import { BATCH_NOTICE_LIMITS } from '../../domain/batch-notice-limits.js';
import { DomainError } from '../../errors.js';
import { ja } from '../../i18n/ja.js';
import { PdfBusy, pdfRunner } from '../../pdf/pool.js';
import { zipStream, type ZipEntry } from '../../pdf/zip.js';
import { addFailure, lockBuckets, readFailures } from '../../repositories/activity.js';
import { insertAuditRows } from '../../repositories/audit-log.js';
import { findIdempotentNumbers } from '../../repositories/staff.js';
import { findSurety } from '../../repositories/sureties.js';
import type { Actor, ServiceContext } from '../context.js';
import { getSurety } from '../get-surety.js';
import { noticeInputOf } from '../notice-pdf.js';
import { getDraft } from './drafts.js';
import type { ImportRow } from './import.js';
import { consumeKeyView } from './key-view-limit.js';
import { requireRole } from './require-role.js';

export { BATCH_NOTICE_LIMITS };

export interface BatchNotices {
  filename: string;
  asciiFilename: string;
  count: number;
  /** The ZIP, drawn as it is read. */
  stream: ReadableStream<Uint8Array<ArrayBuffer>>;
}

interface Item {
  row: number;
  contractNumber: string;
}

/**
 * The ZIP of every key notice of a published import; the download is counted and audited before it starts.
 * @throws DomainError forbidden | not_found (no such import) | conflict (not published) | throttled (the batch's
 *   daily downloads, or the actor's hourly key display cap)
 */
export async function batchNoticesZip(ctx: ServiceContext, actor: Actor, draftId: string): Promise<BatchNotices> {
  requireRole(actor, ['clerk', 'approver']);
  const draft = await getDraft(ctx, draftId);
  if (draft.kind !== 'import') throw new DomainError('not_found', '一括登録の申込が見つかりません');
  if (draft.status !== 'published') {
    throw new DomainError('conflict', '認証キーのお知らせは、一括登録が承認されて発行されてからダウンロードできます');
  }
  const rows = (JSON.parse(draft.body) as { rows: ImportRow[] }).rows;
  // A row's key names its guarantee: published by this approval, or (a row skipped as already published) earlier.
  const numbers = await findIdempotentNumbers(ctx.db, [...new Set(rows.map((r) => r.key))]);
  const items: Item[] = rows.map((r) => {
    const contractNumber = numbers.get(r.key);
    if (!contractNumber) throw new Error(`published import ${draftId}: no guarantee for line ${r.row}`);
    return { row: r.row, contractNumber };
  });
  const first = items[0];
  if (!first) throw new Error(`published import ${draftId} has no rows`);

  await writeTransaction(ctx.db, async (tx) => {
    const bucket = `noticebatch:${draftId}`;
    const now = ctx.clock().getTime();
    await lockBuckets(tx, [bucket]);
    const used = (await readFailures(tx, [bucket], now)).get(bucket);
    if (used && used.failures >= BATCH_NOTICE_LIMITS.max) {
      throw new DomainError(
        'throttled',
        `この一括登録の認証キーのお知らせは、1日に${BATCH_NOTICE_LIMITS.max}回までダウンロードできます。` +
          '1件ずつは電子保証概要の画面から印刷できます',
        { retryAfter: Math.max(1, Math.ceil((used.windowEnds - now) / 1000)) },
      );
    }
    await addFailure(tx, bucket, now, BATCH_NOTICE_LIMITS.windowMs);
    await consumeKeyView(tx, ctx, actor, first.contractNumber);
    const at = ctx.clock().toISOString();
    const audit = { at, actor_type: actor.type, actor_id: actor.id };
    await insertAuditRows(tx, [
      {
        ...audit,
        action: 'notice.batch_print',
        contract_number: null,
        detail: JSON.stringify({ draft: draftId, count: items.length }),
      },
      ...items.map((item) => ({
        ...audit,
        action: 'notice.print',
        contract_number: item.contractNumber,
        detail: JSON.stringify({ batch: draftId }),
      })),
    ]);
  });

  const date = ctx.clock().toISOString().slice(0, 10);
  return {
    filename: `認証キーのお知らせ_一括_${date}_${items.length}件.zip`,
    asciiFilename: `notices-${date}-${draftId.slice(0, 8)}.zip`,
    count: items.length,
    stream: zipStream(noticeEntries(ctx, items), ctx.clock()),
  };
}

async function* noticeEntries(ctx: ServiceContext, items: Item[]): AsyncGenerator<ZipEntry> {
  const list = [['CSVの行', '保証契約番号', '保証の種類', '請負者', '工事名', 'ファイル名']];
  for (const item of items) {
    // Drawn from the verified state with the current key, exactly as the single notice is (notice-pdf.ts).
    const state = await getSurety(ctx, item.contractNumber);
    const surety = await findSurety(ctx.db, item.contractNumber);
    if (!surety) throw new Error(`surety row of ${item.contractNumber} missing while its versions exist`);
    const name = `notice-${item.contractNumber}.pdf`;
    const job = noticeInputOf(ctx, state, await ctx.vault.decrypt(surety.auth_key_jwe));
    yield { name, data: await drawPolitely(() => pdfRunner().run(job)) };
    const { certificate } = state.current;
    list.push([
      String(item.row),
      item.contractNumber,
      ja[`product.${certificate.product}`],
      certificate.contractor.name,
      certificate.works.name,
      name,
    ]);
  }
  // UTF-8 with a BOM, CRLF: what Excel opens as Japanese text.
  const csv = list.map((cells) => cells.map(csvCell).join(',')).join('\r\n');
  yield { name: '一覧.csv', data: new TextEncoder().encode(`\uFEFF${csv}\r\n`) };
}

const csvCell = (value: string) => (/[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value);

/**
 * A batch waits its turn instead of failing: when the pool refuses (its queue is full of officers' downloads, or the
 * server is behind), it tries again after the pool's own Retry-After, for up to two minutes per notice.
 */
async function drawPolitely(draw: () => Promise<Uint8Array>): Promise<Uint8Array> {
  const giveUpAt = performance.now() + 120_000;
  for (;;) {
    try {
      return await draw();
    } catch (error) {
      if (!(error instanceof PdfBusy) || performance.now() > giveUpAt) throw error;
      await sleep(Math.min(5, error.retryAfter) * 1000);
    }
  }
}
