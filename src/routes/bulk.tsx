// /bulk (DESIGN §11): a CSV of number + key pairs verified as one bulk, through the same service as the API's
// POST /verifications and the same client identity as a single verification (clientOf); and /export, this browser
// session's verified certificates as CSV for the municipality's own systems.
import { Hono, type Context } from 'hono';
import { getCookie } from 'hono/cookie';
import { BulkPage, type BulkPageProps, type BulkPageRow } from '../../views/pages/bulk-page.js';
import { csvBytes, csvContentType, csvText, type CsvOutputEncoding } from '../csv/write.js';
import { jstDate } from '../domain/format.js';
import { formats } from '../i18n/format.js';
import { translator } from '../i18n/index.js';
import { GRANT_COOKIE } from '../security/viewer-grant.js';
import { MAX_BULK_FILE_BYTES, readBulkCsv } from '../services/bulk-csv.js';
import type { ServiceContext } from '../services/context.js';
import { loadSuretyState } from '../services/surety-state.js';
import { BULK_HEADER, EXPORT_HEADER, bulkCells, exportCells, summarise } from '../services/verification-rows.js';
import { liveGrantEntries } from '../services/viewer-access.js';
import { verifyBulk } from '../services/verify-bulk.js';
import { attachment } from './documents.js';
import { clientOf, type AppEnv } from './http.js';

export function bulkRoutes(ctx: ServiceContext): Hono<AppEnv> {
  const pages = new Hono<AppEnv>();
  const pageProps = (c: Context<AppEnv>) => ({
    t: translator(c.get('lang')),
    lang: c.get('lang'),
    path: c.req.path,
    nonce: c.get('nonce'),
    f: formats(c.get('lang')),
  });
  const page = (c: Context<AppEnv>, props: Partial<BulkPageProps>, status: 200 | 413 | 422 | 429 = 200) => {
    c.header('Cache-Control', 'no-store');
    c.header('X-Robots-Tag', 'noindex');
    return c.html(<BulkPage {...pageProps(c)} {...props} />, status);
  };

  pages.get('/bulk', (c) => page(c, {}));

  pages.post('/bulk', async (c) => {
    const form = await c.req.parseBody();
    const file = form.file;
    if (!(file instanceof File) || file.size === 0) return page(c, { error: { key: 'missing' } }, 422);
    if (file.size > MAX_BULK_FILE_BYTES) return page(c, { error: { key: 'too_large' } }, 413);
    const read = readBulkCsv(new Uint8Array(await file.arrayBuffer()));
    if ('error' in read) {
      const key = read.error === 'encoding' ? 'csv' : read.error;
      return page(c, { error: { key, ...(read.detail ? { detail: read.detail } : {}) } }, 422);
    }
    const client = clientOf(ctx, c);
    const items = read.rows.flatMap((r) => (r.item ? [r.item] : []));
    const answer = await verifyBulk(ctx, items, { client: client.key, exempt: client.exempt, channel: 'form' });
    const now = ctx.clock().getTime();
    if (answer.throttled) {
      c.header('Retry-After', String(answer.retryAfter));
      const retryAt = new Date(now + answer.retryAfter * 1000).toISOString();
      return page(c, { error: { key: 'throttled' }, retryAt }, 429);
    }
    const t = translator(c.get('lang'));
    const results = answer.results[Symbol.iterator]();
    let retryAfter = 0;
    const rows: BulkPageRow[] = read.rows.map((r) => {
      if (!r.item) return { line: r.line, contractNumber: r.contractNumber, outcome: 'invalid', notes: r.errors ?? [] };
      const result = results.next().value!;
      if (result.outcome === 'throttled') retryAfter = Math.max(retryAfter, result.retryAfter);
      return result.outcome === 'ok'
        ? {
            line: r.line,
            contractNumber: result.contractNumber,
            outcome: 'ok',
            summary: summarise(result.state, t),
            notes: result.findings.map((f) => f.message),
          }
        : { line: r.line, contractNumber: result.contractNumber, outcome: result.outcome, notes: [] };
    });
    const csv = csvText([
      BULK_HEADER,
      ...rows.map((r) => bulkCells(r.line, r.contractNumber, t(`bulk.outcome.${r.outcome}`), r.notes, r.summary)),
    ]);
    // The result file travels inside the page (a data: URL): nothing is kept on the server, and downloading it is
    // not another verification.
    const href = `data:text/csv;charset=utf-8;base64,${Buffer.from(csvBytes(csv, 'utf-8')).toString('base64')}`;
    return page(c, {
      rows,
      download: { href, filename: `確認結果_${jstDate(new Date(now)).replace(/-/g, '')}.csv` },
      ...(retryAfter > 0 ? { retryAt: new Date(now + retryAfter * 1000).toISOString() } : {}),
    });
  });

  // The certificates this browser verified and may still open (the viewer grant), for 財務会計・契約管理 import.
  pages.get('/export/certificates.csv', async (c) => {
    const entries = await liveGrantEntries(ctx, getCookie(c, GRANT_COOKIE));
    if (entries.length === 0) return c.redirect('/', 303);
    const encoding: CsvOutputEncoding = c.req.query('encoding') === 'shift_jis' ? 'shift_jis' : 'utf-8';
    const t = translator('ja');
    const rows = [];
    for (const entry of entries) {
      const loaded = await loadSuretyState(ctx, entry.n);
      if (loaded.kind === 'ok') rows.push(exportCells(summarise(loaded.state, t)));
    }
    const stamp = jstDate(ctx.clock()).replace(/-/g, '');
    return c.body(csvBytes(csvText([EXPORT_HEADER, ...rows]), encoding), 200, {
      'Content-Type': csvContentType(encoding),
      'Content-Disposition': attachment({
        filename: `電子保証_確認済み_${stamp}.csv`,
        asciiFilename: `esurety-verified-${stamp}.csv`,
      }),
      'Cache-Control': 'no-store',
      'X-Robots-Tag': 'noindex',
    });
  });

  return pages;
}
