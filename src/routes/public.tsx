// Public pages: the verification form, certificates behind the viewer grant, and the obligee list.
import { Hono, type Context } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import { translator } from '../i18n/index.js';
import { FOLLOW_UP_FLASHES } from '../../views/pages/certificate-follow-up.js';
import { CertificatePage, TamperedPage } from '../../views/pages/certificate-page.js';
import { ObligeesPage } from '../../views/pages/obligees-page.js';
import { VerifyPage } from '../../views/pages/verify-page.js';
import { DomainError } from '../errors.js';
import { addToGrant, decodeGrant, encodeGrant, GRANT_COOKIE, GRANT_TTL_MS } from '../security/viewer-grant.js';
import { confirmReceipt, receiptsOf } from '../services/confirm-receipt.js';
import type { ServiceContext } from '../services/context.js';
import { listAcceptingObligees } from '../services/obligees.js';
import { verifySurety } from '../services/verify-surety.js';
import { checkFindings } from '../services/check-findings.js';
import { readExpectInput } from '../domain/expect-input.js';
import { liveGrantEntries, liveGrantEntry } from '../services/viewer-access.js';
import { viewCertificate } from '../services/view-certificate.js';
import { whatChangedForOfficer } from '../services/what-changed.js';
import { clientOf, pathContractNumber, type AppEnv } from './http.js';
import { receiptAnswer } from './follow-up.js';
import { forgetPending, pendingReceipt, rememberedOfficer, rememberOfficer } from './officer.js';

export function publicRoutes(ctx: ServiceContext): Hono<AppEnv> {
  const pages = new Hono<AppEnv>();
  const secure = ctx.config.publicUrl.startsWith('https://');
  const pageProps = (c: Context<AppEnv>) => ({
    t: translator(c.get('lang')),
    lang: c.get('lang'),
    path: c.req.path,
    nonce: c.get('nonce'),
  });
  // The certificates this browser may still open, so an officer can go back to them (e.g. 前払金 and 契約保証 of one works).
  // Only those it still opens: a grant made with a since reissued key is not listed.
  const opened = async (c: Context<AppEnv>) =>
    (await liveGrantEntries(ctx, getCookie(c, GRANT_COOKIE))).map((e) => ({
      contractNumber: e.n,
      expiresAt: new Date(e.e).toISOString(),
    }));
  const formProps = async (c: Context<AppEnv>) => ({ ...pageProps(c), opened: await opened(c) });

  pages.get('/', async (c) => {
    // A 受領確認 the expired view interrupted: the number is filled in and the key field awaits the key.
    const pending = c.req.query('resume') === 'receipt' ? pendingReceipt(ctx, c) : null;
    return c.html(
      <VerifyPage
        {...await formProps(c)}
        {...(pending
          ? { contractNumber: pending.contractNumber, resume: { contractNumber: pending.contractNumber } }
          : {})}
      />,
    );
  });

  pages.post('/verify', async (c) => {
    const form = await c.req.parseBody();
    const contractNumber = typeof form.contractNumber === 'string' ? form.contractNumber : '';
    const authKey = typeof form.authKey === 'string' ? form.authKey : '';
    const echo = contractNumber.slice(0, 32);
    if (contractNumber.trim() === '' || authKey.trim() === '') {
      return c.html(<VerifyPage {...await formProps(c)} error="invalid" contractNumber={echo} />, 422);
    }
    const client = clientOf(ctx, c);
    const result = await verifySurety(ctx, {
      contractNumber,
      authKey,
      client: client.key,
      exempt: client.exempt,
      channel: 'form',
    });
    if (result.outcome === 'no_match') {
      return c.html(
        <VerifyPage {...await formProps(c)} error="no_match" remaining={result.remaining} contractNumber={echo} />,
        401,
      );
    }
    if (result.outcome === 'throttled') {
      c.header('Retry-After', String(result.retryAfter));
      return c.html(
        <VerifyPage
          {...await formProps(c)}
          error="throttled"
          retryAfterSeconds={result.retryAfter}
          nowMs={ctx.clock().getTime()}
          contractNumber={echo}
        />,
        429,
      );
    }
    // A tampered chain still gets the grant: the certificate page then says visibly that the signature check failed.
    const number = result.outcome === 'ok' ? result.state.contractNumber : result.contractNumber;
    const now = ctx.clock().getTime();
    const held = decodeGrant(ctx.cookieSecret, getCookie(c, GRANT_COOKIE), now);
    const entries = addToGrant(held, number, result.keyTag, now);
    setCookie(c, GRANT_COOKIE, encodeGrant(ctx.cookieSecret, entries), {
      httpOnly: true,
      secure,
      sameSite: 'Lax',
      path: '/',
      maxAge: GRANT_TTL_MS / 1000,
    });
    const pending = pendingReceipt(ctx, c);
    if (pending?.contractNumber === number && result.outcome === 'ok') {
      forgetPending(c);
      rememberOfficer(ctx, c, { department: pending.department, officerName: pending.officerName });
      const outcome = await confirmReceipt(ctx, { ...pending, client: client.key });
      return c.redirect(receiptAnswer(number, pending.seq, pending.view === 'current', outcome), 303);
    }
    return c.redirect(`/certificates/${number}`, 303);
  });

  const certificate = async (c: Context<AppEnv>, seq?: number) => {
    const contractNumber = pathContractNumber(c.req.param('contractNumber') ?? '');
    const grant = await liveGrantEntry(ctx, getCookie(c, GRANT_COOKIE), contractNumber);
    if (!grant) return c.redirect('/', 303);
    c.header('Cache-Control', 'no-store');
    c.header('X-Robots-Tag', 'noindex');
    const loaded = await viewCertificate(ctx, {
      contractNumber,
      client: clientOf(ctx, c).key,
      ...(seq !== undefined ? { seq } : {}),
    });
    if (loaded.kind === 'tampered')
      return c.html(<TamperedPage {...pageProps(c)} contractNumber={contractNumber} />, 500);
    const shown = loaded.state.visible.find((v) => v.seq === (seq ?? loaded.state.current.seq)) ?? loaded.state.current;
    const flash = FOLLOW_UP_FLASHES.find((x) => x === c.req.query('f'));
    const input = readExpectInput(c.req.query());
    const findings = {
      input,
      list: await checkFindings(ctx, shown.certificate, input.expect),
      opened: (await opened(c)).length,
    };
    const receipts = await receiptsOf(ctx, contractNumber);
    const officer = rememberedOfficer(ctx, c);
    const changed = await whatChangedForOfficer(ctx, {
      state: loaded.state,
      receipts,
      officer,
      client: clientOf(ctx, c).key,
      sessionStart: new Date(grant.e - GRANT_TTL_MS).toISOString(),
    });
    return c.html(
      <CertificatePage
        {...pageProps(c)}
        state={loaded.state}
        shown={shown}
        viewedAt={ctx.clock().toISOString()}
        receipts={receipts}
        officer={officer}
        flash={flash}
        findings={findings}
        changed={changed}
      />,
    );
  };

  pages.get('/certificates/:contractNumber', (c) => certificate(c));
  pages.get('/certificates/:contractNumber/versions/:seq', (c) => {
    const seq = Number(c.req.param('seq'));
    if (!Number.isSafeInteger(seq) || seq < 1) throw new DomainError('not_found', 'この版は存在しません');
    return certificate(c, seq);
  });

  pages.get('/obligees', async (c) =>
    c.html(<ObligeesPage {...pageProps(c)} obligees={await listAcceptingObligees(ctx)} />),
  );

  return pages;
}
