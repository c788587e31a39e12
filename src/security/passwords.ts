// Staff passwords: Argon2id (@node-rs/argon2) with bounded concurrency, a minimum length, a common-password check and
// no truncation.
import { hash, verify } from '@node-rs/argon2';

export const MIN_PASSWORD_LENGTH = 12;
/** Rejected, never truncated: a long input is refused with a message instead of being silently shortened. */
export const MAX_PASSWORD_LENGTH = 256;

/**
 * OWASP's Argon2id baseline (19 MiB, 2 passes, 1 lane). Tests (NODE_ENV=test only) use the smallest legal cost so
 * that the suite stays fast; production can never select it because config.env is 'production' or 'development'.
 */
export interface PasswordCost {
  memoryCost: number;
  timeCost: number;
  parallelism: number;
}
export const PRODUCTION_COST: PasswordCost = { memoryCost: 19_456, timeCost: 2, parallelism: 1 };
export const TEST_COST: PasswordCost = { memoryCost: 1024, timeCost: 1, parallelism: 1 };
export const costFor = (env: string): PasswordCost => (env === 'test' ? TEST_COST : PRODUCTION_COST);

// The most common passwords of public breach corpora (lower-cased, at least MIN_PASSWORD_LENGTH long or
// close to it), plus Japanese-keyboard favourites. Short ones are already refused by the length rule.
const COMMON = new Set([
  '123456789012',
  '1234567890123',
  '12345678901234',
  '123456789abc',
  '1q2w3e4r5t6y',
  '1qaz2wsx3edc',
  '1qaz2wsx3edc4rfv',
  'qwertyuiop12',
  'qwertyuiop123',
  'qwertyuiopasdf',
  'qwerty123456',
  'qwerty1234567',
  'asdfghjkl123',
  'zxcvbnm12345',
  'password1234',
  'password12345',
  'password123456',
  'passw0rd1234',
  'p@ssw0rd1234',
  'p@ssword1234',
  'passwordpassword',
  'iloveyou1234',
  'administrator',
  'administrator1',
  'administrator123',
  'admin1234567',
  'admin12345678',
  'adminadmin123',
  'welcome12345',
  'welcome123456',
  'letmein12345',
  'changeme1234',
  'changeme12345',
  'sunshine1234',
  'football1234',
  'baseball1234',
  'superman1234',
  'princess1234',
  'dragon123456',
  'monkey123456',
  'abc123456789',
  'abcdefghijkl',
  'abcd12345678',
  'aaaaaaaaaaaa',
  '111111111111',
  '000000000000',
  '987654321098',
  'esurety12345',
  'esurety123456',
  'hoshou123456',
  'hosyou123456',
  'denshihoshou',
  'denshihosyou',
  'nihon1234567',
  'tokyo1234567',
  'sakura123456',
]);

export type PasswordProblem = 'too_short' | 'too_long' | 'common';

/** Why a new password is refused, or null. Length counts code points after NFKC (what is hashed). */
export function passwordProblem(password: string, email?: string): PasswordProblem | null {
  const normalised = password.normalize('NFKC');
  const length = [...normalised].length;
  if (length < MIN_PASSWORD_LENGTH) return 'too_short';
  if (length > MAX_PASSWORD_LENGTH) return 'too_long';
  const lower = normalised.toLowerCase();
  if (COMMON.has(lower) || /^(.)\1+$/u.test(lower)) return 'common';
  const local = email?.split('@')[0]?.toLowerCase();
  if (local && local.length >= 4 && lower.includes(local)) return 'common';
  return null;
}

export const PASSWORD_MESSAGES: Record<PasswordProblem, string> = {
  too_short: `パスワードは${MIN_PASSWORD_LENGTH}文字以上にしてください`,
  too_long: `パスワードは${MAX_PASSWORD_LENGTH}文字以内にしてください`,
  common: 'よく使われるパスワードやメールアドレスを含むパスワードは使えません',
};

export function hashPassword(password: string, cost: PasswordCost): Promise<string> {
  return hash(password.normalize('NFKC'), { ...cost, algorithm: 2 /* Argon2id */ });
}

/**
 * Argon2 is the one thing an anonymous request can make expensive: each log-in costs ~19 MiB and tens of ms of CPU on
 * the libuv pool, beside the verification path that officers wait on. So at most HASH_CONCURRENCY computations run at
 * once (never the whole machine) and at most HASH_QUEUE wait; a log-in beyond that is refused before any work
 * (hashing, counting, auditing) instead of queueing without bound. Per process: it bounds this process's CPU.
 */
export const HASH_CONCURRENCY = 1;
export const HASH_QUEUE = 4;
let hashing = 0;
const hashWaiting: (() => void)[] = [];

/**
 * A slot for one Argon2 computation: resolves with its release function once one is free, or is null at once when
 * HASH_QUEUE requests are already waiting (the caller answers "busy, try again").
 */
export function acquireHashSlot(): Promise<() => void> | null {
  if (hashing >= HASH_CONCURRENCY && hashWaiting.length >= HASH_QUEUE) return null;
  const release = () => {
    const next = hashWaiting.shift();
    if (next) next();
    else hashing--;
  };
  if (hashing < HASH_CONCURRENCY) {
    hashing++;
    return Promise.resolve(release);
  }
  return new Promise((resolve) => hashWaiting.push(() => resolve(release)));
}

export async function verifyPassword(stored: string, password: string): Promise<boolean> {
  if (password.length > MAX_PASSWORD_LENGTH * 4) return false;
  try {
    return await verify(stored, password.normalize('NFKC'));
  } catch {
    return false;
  }
}
