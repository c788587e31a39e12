// Contract numbers and authentication keys: generation and the input normalisation of DESIGN §2.
import { randomInt } from 'node:crypto';

/** 56 symbols: no 0 O o 1 I l, so a key read aloud or retyped from paper cannot be misread. */
export const AUTH_KEY_ALPHABET = '23456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz';
export const AUTH_KEY_LENGTH = 12;
export const EXCLUDED_KEY_CHARACTERS = ['0', 'O', 'o', '1', 'I', 'l'] as const;
export const MAX_IDENTIFIER_INPUT = 32;

const CONTRACT_NUMBER = /^\d{5}-\d{6}$/;
const AUTH_KEY = new RegExp(`^[${AUTH_KEY_ALPHABET}]{${AUTH_KEY_LENGTH}}$`);
// Every dash-like character a Japanese IME or a PDF copy can produce (after NFKC some are already '-').
const DASHES = /[\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u30fc\uff70\uff0d\u002d\ufe63\u2043]/g;
const SPACES = /[\s\u3000]/g;

/** Normalises user input to `NNNNN-NNNNNN`; returns null when it cannot be a contract number. */
export function normalizeContractNumber(input: string): string | null {
  if (typeof input !== 'string' || input.length > MAX_IDENTIFIER_INPUT) return null;
  const s = input.normalize('NFKC').replace(DASHES, '-').replace(SPACES, '');
  if (/^\d{11}$/.test(s)) return `${s.slice(0, 5)}-${s.slice(5)}`;
  return CONTRACT_NUMBER.test(s) ? s : null;
}

export function isContractNumber(s: string): boolean {
  return CONTRACT_NUMBER.test(s);
}

/** Normalises an authentication key as typed (NFKC, no spaces or hyphens); returns null when it cannot be a key. */
export function normalizeAuthKey(input: string): string | null {
  if (typeof input !== 'string' || input.length > MAX_IDENTIFIER_INPUT) return null;
  const s = input.normalize('NFKC').replace(DASHES, '').replace(SPACES, '');
  return AUTH_KEY.test(s) ? s : null;
}

/** A fresh key: 12 symbols drawn uniformly with a CSPRNG (randomInt has no modulo bias), ≈69.7 bits. */
export function generateAuthKey(): string {
  let key = '';
  for (let i = 0; i < AUTH_KEY_LENGTH; i++) key += AUTH_KEY_ALPHABET[randomInt(AUTH_KEY_ALPHABET.length)];
  return key;
}

export function formatContractNumber(officeCode: string, sequence: number): string {
  return `${officeCode}-${String(sequence).padStart(6, '0')}`;
}

export const MAX_OFFICE_SEQUENCE = 999_999;
