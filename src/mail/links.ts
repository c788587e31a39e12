// Signed mail links (DESIGN §10): HS256 JWTs that expire and open only what they name. They are signed when a mail
// is sent, never stored, so neither the outbox nor a database leak holds a usable link.
import { createHmac } from 'node:crypto';
import { errors, jwtVerify, SignJWT } from 'jose';

export const LINK_TYPE = 'esurety-link+jwt';
const AUDIENCE = 'esurety-mail';
/** Links that open a document or confirm an address: 7 days (DESIGN §10). */
export const LINK_TTL_MS = 7 * 86_400_000;
/** Unsubscribing only ever removes mail, so its link stays usable for a year: an old mail must still stop the next. */
export const UNSUBSCRIBE_TTL_MS = 365 * 86_400_000;
/** Far longer than any link we sign; anything longer is not ours and is refused before any crypto. */
const MAX_TOKEN_LENGTH = 1024;

/** Where each kind of link opens (routes/mail-links.tsx serves them under /mail). */
export const LINK_PATHS = {
  notice: '/mail/notice',
  confirm: '/mail/subscriptions/confirm',
  unsubscribe: '/mail/unsubscribe',
  /** A new staff account's single-use second-factor enrolment (routes/admin/enrol.tsx). */
  enrol: '/admin/enrol',
} as const;

export type LinkClaims =
  /** The key notice PDF of a guarantee; `kh` binds it to the key current when the mail was written. */
  | { pur: 'notice'; sub: string; jti: string; kh: string }
  | { pur: 'confirm'; sub: string }
  | { pur: 'unsubscribe'; sub: string }
  /** A staff account's second-factor enrolment; `jti` names its single-use row in staff_enrolments. */
  | { pur: 'enrol'; sub: string; jti: string };

export type LinkPurpose = LinkClaims['pur'];

export type LinkCheck =
  | { ok: true; claims: LinkClaims; expiresAt: Date }
  | { ok: false; reason: 'expired' | 'invalid'; purpose?: LinkPurpose };

export interface LinkSigner {
  sign(claims: LinkClaims, expiresAt: Date): Promise<string>;
  /** Checks signature, type, audience, purpose and expiry against `now`. */
  verify(token: string, purpose: LinkPurpose, now: Date): Promise<LinkCheck>;
}

/**
 * The link key is derived from the cookie secret of the secrets file (domain-separated), so it needs no new secret
 * and, like every other secret, is never in the database. The platform is both the only issuer and the only
 * verifier, so the token carries no `iss`: a shorter link is easier to copy from a plain-text mail.
 */
export function createLinkSigner(cookieSecret: string): LinkSigner {
  const key = new Uint8Array(
    createHmac('sha256', Buffer.from(cookieSecret, 'base64url')).update('esurety mail links v1').digest(),
  );
  return {
    // HS256 over the same claims gives the same token: a retried mail carries exactly the same link.
    sign: (claims, expiresAt) =>
      new SignJWT({ ...claims })
        .setProtectedHeader({ alg: 'HS256', typ: LINK_TYPE })
        .setAudience(AUDIENCE)
        .setExpirationTime(Math.floor(expiresAt.getTime() / 1000))
        .sign(key),
    async verify(token, purpose, now) {
      if (token.length === 0 || token.length > MAX_TOKEN_LENGTH) return { ok: false, reason: 'invalid' };
      try {
        const { payload } = await jwtVerify(token, key, {
          algorithms: ['HS256'],
          typ: LINK_TYPE,
          audience: AUDIENCE,
          currentDate: now,
          requiredClaims: ['exp', 'sub', 'pur'],
        });
        if (payload.pur !== purpose || typeof payload.sub !== 'string') return { ok: false, reason: 'invalid' };
        if (purpose === 'notice' && (typeof payload.jti !== 'string' || typeof payload.kh !== 'string')) {
          return { ok: false, reason: 'invalid' };
        }
        if (purpose === 'enrol' && typeof payload.jti !== 'string') return { ok: false, reason: 'invalid' };
        return { ok: true, claims: payload as unknown as LinkClaims, expiresAt: new Date((payload.exp ?? 0) * 1000) };
      } catch (error) {
        // jose checks the signature before the claims: an expired link is a genuine link that is too old.
        if (error instanceof errors.JWTExpired && error.payload.pur === purpose) {
          return { ok: false, reason: 'expired', purpose };
        }
        return { ok: false, reason: 'invalid' };
      }
    },
  };
}

const signers = new WeakMap<object, LinkSigner>();

/** The signer of a service context (built once per context: deriving the key is cheap, but not free). */
export function linkSignerFor(ctx: { cookieSecret: string }): LinkSigner {
  let signer = signers.get(ctx);
  if (!signer) {
    signer = createLinkSigner(ctx.cookieSecret);
    signers.set(ctx, signer);
  }
  return signer;
}
