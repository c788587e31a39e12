// Form posts under a certificate, behind the same viewer grant as the certificate page: receipt confirmation (which
// shares its 確認者 with the verification receipt, remembered for the session) and alert subscriptions. Each answers 303 back to the page with what happened (`?f=`), so a reload never posts twice.
import { Hono, type Context } from 'hono';
import { getCookie } from 'hono/cookie';
import type { FollowUpFlash } from '../../views/pages/certificate-follow-up.js';
import { GRANT_COOKIE } from '../security/viewer-grant.js';
import { normalizeContractNumber } from '../domain/identifiers.js';
import { officerMemoOf } from '../security/officer-memo.js';
import { confirmReceipt, type ReceiptOutcome } from '../services/confirm-receipt.js';
import type { ServiceContext } from '../services/context.js';
import { requestSubscription } from '../services/subscriptions.js';
import { liveGrantEntry } from '../services/viewer-access.js';
import { clientOf, pathContractNumber, type AppEnv } from './http.js';
import { rememberOfficer, rememberPending } from './officer.js';

/** Where a 受領確認 answers: back to the page the form was on (current certificate or that version), with its flash. */
export function receiptAnswer(contractNumber: string, seq: number, current: boolean, outcome: ReceiptOutcome): string {
  const base = `/certificates/${contractNumber}`;
  const page = current || outcome === 'not_visible' ? base : `${base}/versions/${seq}`;
  const flash: FollowUpFlash = outcome === 'not_visible' ? 'receipt_invalid' : `receipt_${outcome}`;
  return `${page}?f=${flash}#receipt`;
}

export function followUpRoutes(ctx: ServiceContext): Hono<AppEnv> {
  const forms = new Hono<AppEnv>();

  /** The certificate's number when this browser's grant covers it; null sends the browser back to the form. */
  const granted = async (c: Context<AppEnv>): Promise<string | null> => {
    const contractNumber = pathContractNumber(c.req.param('contractNumber') ?? '');
    return (await liveGrantEntry(ctx, getCookie(c, GRANT_COOKIE), contractNumber)) ? contractNumber : null;
  };
  const field = (form: Record<string, unknown>, name: string) => (typeof form[name] === 'string' ? form[name] : '');
  const back = (c: Context<AppEnv>, page: string, flash: FollowUpFlash, anchor: string) =>
    c.redirect(`${page}?f=${flash}#${anchor}`, 303);

  forms.post('/:contractNumber/receipt', async (c) => {
    const contractNumber = await granted(c);
    const form = await c.req.parseBody();
    const seq = Number(field(form, 'seq'));
    if (!contractNumber) {
      // The 30-minute view ran out while the officer typed: keep the action, ask for the key, then complete it.
      const number = normalizeContractNumber(c.req.param('contractNumber') ?? '');
      if (!number || !Number.isSafeInteger(seq) || seq < 1) return c.redirect('/', 303);
      const memo = officerMemoOf(form);
      rememberPending(ctx, c, {
        contractNumber: number,
        seq,
        view: field(form, 'view') === 'current' ? 'current' : 'version',
        ...memo,
      });
      return c.redirect('/?resume=receipt', 303);
    }
    rememberOfficer(ctx, c, form);
    const base = `/certificates/${contractNumber}`;
    if (!Number.isSafeInteger(seq) || seq < 1) return back(c, base, 'receipt_invalid', 'receipt');
    const outcome = await confirmReceipt(ctx, {
      contractNumber,
      seq,
      department: field(form, 'department'),
      officerName: field(form, 'officerName'),
      client: clientOf(ctx, c).key,
    });
    return c.redirect(receiptAnswer(contractNumber, seq, field(form, 'view') === 'current', outcome), 303);
  });

  forms.post('/:contractNumber/subscriptions', async (c) => {
    const contractNumber = await granted(c);
    if (!contractNumber) return c.redirect('/', 303);
    const form = await c.req.parseBody();
    const outcome = await requestSubscription(ctx, {
      contractNumber,
      email: field(form, 'email'),
      client: clientOf(ctx, c).key,
    });
    return back(c, `/certificates/${contractNumber}`, `subscribe_${outcome}`, 'subscribe');
  });

  return forms;
}
