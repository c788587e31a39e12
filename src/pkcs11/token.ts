// Sessions on a PKCS#11 token, shared by the e-seal (src/pdf-sign/pkcs11.ts) and the version-signing key
// (src/signing/token-key.ts): C_Initialize and C_Finalize are per process and a login covers every session of the
// application on that token, so each user opens its own session here and the module is finalized with the last one.
import pkcs11js from 'pkcs11js';

export interface TokenOptions {
  module: string;
  /** The token label (ESURETY_PDF_SIGN_PKCS11_TOKEN). */
  token: string;
  pin: string;
  /** A read-write session, for creating a key; signing needs none (and a write-protected token refuses one). */
  readWrite?: boolean;
}

/** The token cannot be used: the message names the module, token or key, never the PIN. */
export class Pkcs11Error extends Error {
  override name = 'Pkcs11Error';
}

export interface TokenSession {
  p11: pkcs11js.PKCS11;
  session: Buffer;
  find(template: pkcs11js.Template, max?: number): Buffer[];
  /** One signature at a time on this session (PKCS#11 sessions are not re-entrant); others wait in turn. */
  sign(mechanism: number, key: Buffer, data: Buffer): Promise<Buffer>;
  close(): void;
}

const loaded = new Map<string, { p11: pkcs11js.PKCS11; sessions: number }>();

/** The token's return code (CKR_PIN_INCORRECT …) without anything else pkcs11js put in the message. */
export const returnCode = (error: unknown): string => (error as Error).message.split(':')[0] ?? 'unknown';

function acquire(module: string): pkcs11js.PKCS11 {
  const hit = loaded.get(module);
  if (hit) {
    hit.sessions++;
    return hit.p11;
  }
  const p11 = new pkcs11js.PKCS11();
  try {
    p11.load(module);
  } catch (error) {
    throw new Pkcs11Error(`the PKCS#11 module ${module} cannot be loaded: ${(error as Error).message}`);
  }
  p11.C_Initialize();
  loaded.set(module, { p11, sessions: 1 });
  return p11;
}

function release(module: string): void {
  const hit = loaded.get(module);
  if (!hit || --hit.sessions > 0) return;
  loaded.delete(module);
  hit.p11.C_Finalize();
}

/**
 * Opens a read-write session on the token labelled `options.token` and logs in as the user.
 * @throws Pkcs11Error module not loadable, no such token, login refused (the token's code, never the PIN)
 */
export function openTokenSession(options: TokenOptions): TokenSession {
  const p11 = acquire(options.module);
  const fail = (message: string, session?: Buffer): never => {
    if (session) p11.C_CloseSession(session);
    release(options.module);
    throw new Pkcs11Error(message);
  };
  const slot = p11.C_GetSlotList(true).find((s) => p11.C_GetTokenInfo(s).label.trim() === options.token);
  if (slot === undefined) return fail(`no PKCS#11 token labelled "${options.token}" in ${options.module}`);
  const flags = pkcs11js.CKF_SERIAL_SESSION | (options.readWrite ? pkcs11js.CKF_RW_SESSION : 0);
  const open = p11.C_OpenSession(slot, flags);
  try {
    p11.C_Login(open, pkcs11js.CKU_USER, options.pin);
  } catch (error) {
    // Another session of this process (the e-seal, or the version key) logged in already: the login is shared.
    if (returnCode(error) !== 'CKR_USER_ALREADY_LOGGED_IN') {
      fail(`cannot log in to the PKCS#11 token "${options.token}": ${returnCode(error)}`, open);
    }
  }
  let queue: Promise<unknown> = Promise.resolve();
  const signOnce = (mechanism: number, key: Buffer, data: Buffer) =>
    new Promise<Buffer>((resolve, reject) => {
      p11.C_SignInit(open, { mechanism }, key);
      p11.C_Sign(open, data, Buffer.alloc(512), (error, signature) => {
        if (error) reject(new Pkcs11Error(`the PKCS#11 token refused to sign: ${returnCode(error)}`));
        else resolve(signature);
      });
    });
  let closed = false;
  return {
    p11,
    session: open,
    find(template, max = 100) {
      p11.C_FindObjectsInit(open, template);
      try {
        return p11.C_FindObjects(open, max);
      } finally {
        p11.C_FindObjectsFinal(open);
      }
    },
    sign(mechanism, key, data) {
      const next = queue.then(() => signOnce(mechanism, key, data));
      queue = next.catch(() => undefined);
      return next;
    },
    close() {
      if (closed) return;
      closed = true;
      // Closing the last session of the token logs the user out (PKCS#11 §5.6); no C_Logout, which would log out
      // the other user's session too.
      try {
        p11.C_CloseSession(open);
      } finally {
        release(options.module);
      }
    },
  };
}

/** CKA_KEY_TYPE as pkcs11js returns it (a little-endian CK_ULONG buffer) as a number. */
export function keyTypeOf(value: unknown): number {
  if (Buffer.isBuffer(value)) return value.length >= 4 ? value.readUInt32LE(0) : (value[0] ?? -1);
  return Number(value);
}
