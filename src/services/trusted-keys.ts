// Where the keys a document is checked against come from: a JWKS file, an https URL (http only for a loopback host,
// on request), or this platform's own keyring (/verify-file). The report names the source before any check.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { calculateJwkThumbprint, importJWK, type JWK } from 'jose';
import { z } from 'zod';
import type { KeyLookup } from '../signing/versions.js';
import type { ServiceContext } from './context.js';

export interface TrustedKeys {
  /** Where the keys come from (a path or URL), named in the key check. */
  source: string;
  /** How they were obtained (file digest, https or loopback http, which kids): the report's first lines. */
  provenance?: string;
  keys: Map<string, JWK>;
  lookup: KeyLookup;
  /** The platform the keys belong to; a payload's `iss` must name it. Null for a JWKS file of unknown origin. */
  issuer: string | null;
  /**
   * The transparency log's published verifier key (GET /log/key) when known: the platform's own, or the CLI's
   * `--log-key`. A document's attached log key must equal it; without it the attached key is used and the report
   * says the key was not confirmed.
   */
  logKey?: string | null;
}

/** A JWKS of P-256 keys, as this platform publishes and embeds in its PDFs. */
export const jwksSchema = z.object({
  keys: z.array(z.looseObject({ kty: z.literal('EC'), crv: z.literal('P-256'), x: z.string(), y: z.string() })),
});

/** @throws Error when the JSON is not a JWKS of P-256 keys */
export async function trustedKeysFromJwks(json: unknown, source: string, issuer: string | null): Promise<TrustedKeys> {
  const parsed = jwksSchema.safeParse(json);
  if (!parsed.success) throw new Error(`${source} は公開鍵一覧（JWKS: P-256 の鍵の keys 配列）ではありません`);
  const keys = new Map<string, JWK>();
  const imported = new Map<string, Awaited<ReturnType<typeof importJWK>>>();
  for (const jwk of parsed.data.keys) {
    const kid = typeof jwk.kid === 'string' ? jwk.kid : await calculateJwkThumbprint(jwk as JWK, 'sha256');
    keys.set(kid, jwk as JWK);
    imported.set(kid, await importJWK({ kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y }, 'ES256'));
  }
  return {
    source,
    keys,
    issuer,
    lookup: { publicKey: async (kid) => (imported.get(kid) as never) ?? null },
  };
}

/** A `--jwks` the CLI refuses to use (exit 2): the message says what to give instead. */
export class UntrustedKeySource extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UntrustedKeySource';
  }
}

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/i;

/** This machine's own address in a URL's hostname (localhost, 127.x.x.x, [::1]): plain http may go there. */
export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK.test(hostname);
}

export interface KeySourceOptions {
  /** `--allow-http-loopback`: accept `http:` for a JWKS on this machine only (a local test platform). */
  allowHttpLoopback?: boolean;
}

/**
 * The keys the CLI trusts: `--jwks` as a file path or an `https:` URL, else the configured platform's JWKS when its
 * public URL is `https:`. Plain `http:` would let anyone on the path swap the keys and with them the verdict, so it is
 * refused, except for a loopback host with `--allow-http-loopback`. Redirects are refused for the same reason.
 * @throws UntrustedKeySource when the source is not acceptable; Error when the keys cannot be read
 */
export async function loadTrustedKeys(
  spec: string | undefined,
  platformUrl: string,
  options: KeySourceOptions = {},
): Promise<TrustedKeys> {
  const target = spec ?? `${platformUrl}/.well-known/jwks.json`;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(target)) {
    const url = new URL(target);
    const loopback = url.protocol === 'http:' && LOOPBACK.test(url.hostname) && options.allowHttpLoopback === true;
    if (url.protocol !== 'https:' && !loopback) {
      throw new UntrustedKeySource(
        spec === undefined
          ? `公開鍵一覧（JWKS）の取得先が決まっていません（設定の公開URL ${platformUrl} は https: ではありません）。` +
              '保証事業会社が公開する https: の URL か、保存した jwks.json のファイルを --jwks で指定してください'
          : `公開鍵一覧（JWKS）の URL は https: に限ります（${url.protocol} は通信途中で鍵を差し替えられます）。` +
              'https: の URL か、保存した jwks.json のファイルを --jwks で指定してください' +
              (url.protocol === 'http:' && LOOPBACK.test(url.hostname)
                ? '（この端末上の試験用サーバーなら --allow-http-loopback を付けてください）'
                : ''),
      );
    }
    let res: Response;
    try {
      res = await fetch(url, {
        signal: AbortSignal.timeout(10_000),
        headers: { accept: 'application/json' },
        redirect: 'error',
      });
    } catch (error) {
      throw new Error(
        `公開鍵一覧（JWKS）を取得できませんでした（${target}: ${(error as Error).message}）。` +
          'オフラインで検証するときは、保存した jwks.json を --jwks で指定してください',
        { cause: error },
      );
    }
    if (!res.ok) throw new Error(`公開鍵一覧（JWKS）を取得できませんでした（${target}: HTTP ${res.status}）`);
    const how = loopback ? 'この端末の http（--allow-http-loopback）で取得' : 'https で取得';
    const from = spec === undefined ? `、設定の公開URL（ESURETY_PUBLIC_URL）から` : '';
    const keys = await trustedKeysFromJwks(await res.json(), target, url.origin);
    // The same platform, over the same channel, publishes its transparency log's key: the log inclusion check then
    // requires a document's attached log key to be that one. A platform without a log leaves it unknown.
    const logKey = await fetch(new URL('/log/key', url), { signal: AbortSignal.timeout(10_000), redirect: 'error' })
      .then(async (r) => (r.ok ? (await r.text()).trim() : null))
      .catch(() => null);
    return { ...keys, logKey, provenance: `${target}（${how}${from}、${describeKeys(keys)}）` };
  }
  let text: string;
  try {
    text = fs.readFileSync(target, 'utf8');
  } catch (error) {
    throw new Error(`公開鍵一覧（JWKS）のファイル ${target} を読めません（${(error as NodeJS.ErrnoException).code}）`, {
      cause: error,
    });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`${target} は JSON ではありません`);
  }
  const keys = await trustedKeysFromJwks(json, target, null);
  const sha = createHash('sha256').update(text).digest('hex').slice(0, 16);
  return {
    ...keys,
    provenance:
      `ファイル ${path.resolve(target)}（SHA-256 ${sha}…、${describeKeys(keys)}。` +
      'このファイルが保証事業会社の公開鍵であることは、入手した経路で確かめてください）',
  };
}

const describeKeys = (keys: TrustedKeys) => `鍵 ${keys.keys.size} 本: ${[...keys.keys.keys()].join(', ')}`;

/** The platform's own keys, for the /verify-file page. */
export async function platformKeys(ctx: ServiceContext): Promise<TrustedKeys> {
  const { keys } = await ctx.keyring.jwks();
  return {
    source: `${ctx.config.publicUrl}/.well-known/jwks.json`,
    keys: new Map(keys.map((k) => [k.kid, k as JWK])),
    lookup: ctx.keyring,
    issuer: ctx.config.publicUrl,
    logKey: ctx.logSigner.verifierKey,
  };
}
