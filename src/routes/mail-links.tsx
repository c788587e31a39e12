// Pages behind the links in mails (/mail/*). GET only shows what the link opens; the button's POST acts (mail
// scanners fetch links, and must neither burn a single-use link nor confirm or cancel a subscription). The one
// exception is RFC 8058 one-click unsubscribe, which mail clients POST to the List-Unsubscribe URL itself.
import { Hono, type Context } from 'hono';
import { translator } from '../i18n/index.js';
import { MailLinkPage, type MailLinkView } from '../../views/pages/mail-link-page.js';
import type { ServiceContext } from '../services/context.js';
import { inspectNoticeLink, redeemNoticeLink, type NoticeRenderer } from '../services/mail-links.js';
import {
  confirmSubscription,
  inspectSubscriptionLink,
  unsubscribe,
  type SubscriptionLinkResult,
} from '../services/subscriptions.js';
import { clientOf, type AppEnv } from './http.js';

type Status = 200 | 400 | 410 | 500;

/** HTTP status of a link outcome: refused links are 400 (not ours) or 410 (ours, but no longer usable). */
function statusOf(view: MailLinkView): Status {
  switch (view.status) {
    case 'invalid':
      return 400;
    case 'expired':
    case 'used':
    case 'reissued':
      return 410;
    case 'unavailable':
      return 500;
    default:
      return 200;
  }
}

function subscriptionView(
  kind: 'confirm' | 'unsubscribe',
  r: SubscriptionLinkResult,
  token: string,
  acted: boolean,
): MailLinkView {
  if (!('target' in r)) return { kind, status: r.status };
  if (r.status === 'done' || acted) return { kind, status: 'done', target: r.target };
  return { kind, status: 'ok', target: r.target, token };
}

/** The page of a mail link in its state (no-store, noindex). */
function renderer(ctx: ServiceContext) {
  return (c: Context<AppEnv>, view: MailLinkView) => {
    c.header('Cache-Control', 'no-store');
    c.header('X-Robots-Tag', 'noindex');
    return c.html(
      <MailLinkPage
        t={translator(c.get('lang'))}
        lang={c.get('lang')}
        path={c.req.path}
        nonce={c.get('nonce')}
        issuerName={ctx.config.issuerName}
        view={view}
      />,
      statusOf(view),
    );
  };
}

// The token is the last path segment; the page's button posts back to the same URL.
const tokenOf = (c: Context<AppEnv>) => c.req.param('token') ?? '';

/**
 * POST /unsubscribe/:token: the page's button and an RFC 8058 client (body `List-Unsubscribe=One-Click`) both post
 * to the link's own URL. Mail providers post without an Origin, so app.ts mounts this before the CSRF check; the
 * signed single-purpose token is the proof.
 */
export function oneClickUnsubscribeRoutes(ctx: ServiceContext): Hono<AppEnv> {
  const render = renderer(ctx);
  return new Hono<AppEnv>().post('/unsubscribe/:token', async (c) => {
    const token = tokenOf(c);
    return render(c, subscriptionView('unsubscribe', await unsubscribe(ctx, token), token, true));
  });
}

export function mailLinkRoutes(ctx: ServiceContext, renderNotice: NoticeRenderer): Hono<AppEnv> {
  const pages = new Hono<AppEnv>();
  const render = renderer(ctx);

  pages.get('/notice/:token', async (c) => {
    const token = tokenOf(c);
    const r = await inspectNoticeLink(ctx, token);
    if (r.status === 'ok') {
      return render(c, { kind: 'notice', status: 'ok', target: r.target, expiresAt: r.expiresAt.toISOString(), token });
    }
    if (r.status === 'used') return render(c, { kind: 'notice', status: 'used', target: r.target, usedAt: r.usedAt });
    return render(c, { kind: 'notice', status: r.status });
  });

  pages.post('/notice/:token', async (c) => {
    const r = await redeemNoticeLink(ctx, tokenOf(c), clientOf(ctx, c).key, renderNotice);
    if (r.status === 'downloaded') {
      // The PDF holds the key: never cached, never shown inline where a shared screen might keep it.
      return c.body(r.pdf as Uint8Array<ArrayBuffer>, 200, {
        'Content-Type': 'application/pdf',
        'Content-Disposition': `attachment; filename="notice-${r.target.contractNumber}.pdf"`,
        'Cache-Control': 'no-store',
        'X-Robots-Tag': 'noindex',
      });
    }
    if (r.status === 'ok') throw new Error('unreachable: a redeemed link is downloaded or refused');
    if (r.status === 'used') return render(c, { kind: 'notice', status: 'used', target: r.target, usedAt: r.usedAt });
    return render(c, { kind: 'notice', status: r.status });
  });

  pages.get('/subscriptions/confirm/:token', async (c) => {
    const token = tokenOf(c);
    return render(c, subscriptionView('confirm', await inspectSubscriptionLink(ctx, token, 'confirm'), token, false));
  });

  pages.post('/subscriptions/confirm/:token', async (c) => {
    const token = tokenOf(c);
    return render(c, subscriptionView('confirm', await confirmSubscription(ctx, token), token, true));
  });

  pages.get('/unsubscribe/:token', async (c) => {
    const token = tokenOf(c);
    return render(
      c,
      subscriptionView('unsubscribe', await inspectSubscriptionLink(ctx, token, 'unsubscribe'), token, false),
    );
  });

  return pages;
}
