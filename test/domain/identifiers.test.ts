// Contract numbers and authentication keys (DESIGN §2): input normalisation, key alphabet and key generation.
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import {
  AUTH_KEY_ALPHABET,
  AUTH_KEY_LENGTH,
  EXCLUDED_KEY_CHARACTERS,
  MAX_IDENTIFIER_INPUT,
  MAX_OFFICE_SEQUENCE,
  formatContractNumber,
  generateAuthKey,
  isContractNumber,
  normalizeAuthKey,
  normalizeContractNumber,
} from '../../src/domain/identifiers.js';

/** Every dash-like character DESIGN §2 lists: ‐ - – — ― − ー ｰ － */
const DASH_VARIANTS = ['\u2010', '-', '\u2013', '\u2014', '\u2015', '\u2212', '\u30fc', '\uff70', '\uff0d'] as const;
const SPACE_VARIANTS = [' ', '\u3000'] as const;

/** The full-width (zenkaku) rendering of a printable ASCII character. */
const fullWidth = (c: string): string => String.fromCharCode(c.charCodeAt(0) + 0xfee0);
const fullWidthString = (s: string): string => [...s].map(fullWidth).join('');

const digits = (n: number) =>
  fc.array(fc.integer({ min: 0, max: 9 }), { minLength: n, maxLength: n }).map((a) => a.join(''));

/** Inserts `spaces[i]` before character i (and the last one at the end). */
function interleave(chars: string[], spaces: string[]): string {
  return chars.map((c, i) => (spaces[i] ?? '') + c).join('') + (spaces[chars.length] ?? '');
}

describe('normalizeContractNumber', () => {
  it('accepts the canonical form unchanged', () => {
    expect(normalizeContractNumber('12345-000001')).toBe('12345-000001');
  });

  it('turns full-width digits and a full-width dash into ASCII', () => {
    expect(normalizeContractNumber('１２３４５－０００００１')).toBe('12345-000001');
  });

  it.each(DASH_VARIANTS.map((d) => [d.codePointAt(0)!.toString(16).padStart(4, '0'), d]))(
    'accepts the dash variant U+%s between the two blocks',
    (_code, dash) => {
      expect(normalizeContractNumber(`12345${dash}000001`)).toBe('12345-000001');
    },
  );

  it('accepts 11 bare digits and inserts the hyphen after the fifth', () => {
    expect(normalizeContractNumber('12345000001')).toBe('12345-000001');
    expect(normalizeContractNumber('１２３４５０００００１')).toBe('12345-000001');
  });

  it('removes ordinary and ideographic spaces anywhere in the input', () => {
    expect(normalizeContractNumber(' 12345 - 000001 ')).toBe('12345-000001');
    expect(normalizeContractNumber('\u300012345\u3000－\u3000000001\u3000')).toBe('12345-000001');
    expect(normalizeContractNumber('123 45 000 001')).toBe('12345-000001');
  });

  it('accepts input of exactly 32 characters and rejects 33 before looking at it', () => {
    const padded32 = '12345-000001'.padEnd(MAX_IDENTIFIER_INPUT, ' ');
    expect(padded32).toHaveLength(32);
    expect(normalizeContractNumber(padded32)).toBe('12345-000001');
    expect(normalizeContractNumber(padded32 + ' ')).toBeNull();
  });

  it.each([
    ['an empty string', ''],
    ['four digits before the dash', '1234-000001'],
    ['six digits before the dash', '123456-000001'],
    ['five digits after the dash', '12345-00001'],
    ['seven digits after the dash', '12345-0000001'],
    ['ten bare digits', '1234500001'],
    ['twelve bare digits', '123450000012'],
    ['a letter among the digits', '12345-00000A'],
    ['a full-width letter', '12345-00000Ａ'],
    ['letters only', 'ABCDE-FGHIJK'],
    ['two dashes', '12345--000001'],
    ['a dash in the wrong place', '1234-5000001'],
    ['a slash instead of a dash', '12345/000001'],
    ['a dot instead of a dash', '12345.000001'],
    ['a leading plus sign', '+12345-000001'],
  ])('rejects %s', (_label, input) => {
    expect(normalizeContractNumber(input)).toBeNull();
  });

  it('normalises any 5+6 digits written with any dash variant, full-width characters and spaces to NNNNN-NNNNNN', () => {
    fc.assert(
      fc.property(
        digits(5),
        digits(6),
        fc.constantFrom<string>(...DASH_VARIANTS, ''),
        fc.array(fc.boolean(), { minLength: 12, maxLength: 12 }),
        fc.array(fc.constantFrom<string>('', '', '', ...SPACE_VARIANTS), { minLength: 13, maxLength: 13 }),
        (first, second, dash, wide, spaces) => {
          const chars = [...first, ...(dash === '' ? [] : [dash]), ...second].map((c, i) =>
            wide[i] && /\d/.test(c) ? fullWidth(c) : c,
          );
          const input = interleave(chars, spaces);
          expect(input.length).toBeLessThanOrEqual(MAX_IDENTIFIER_INPUT);
          expect(normalizeContractNumber(input)).toBe(`${first}-${second}`);
        },
      ),
    );
  });

  it('returns either null or a canonical NNNNN-NNNNNN for any string', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 40 }), (s) => {
        const n = normalizeContractNumber(s);
        if (n !== null) expect(n).toMatch(/^\d{5}-\d{6}$/);
      }),
    );
  });

  it('is idempotent', () => {
    const candidate = fc.oneof(
      fc.string({ maxLength: 40 }),
      fc.tuple(digits(5), digits(6), fc.constantFrom<string>(...DASH_VARIANTS)).map(([a, b, d]) => a + d + b),
    );
    fc.assert(
      fc.property(candidate, (s) => {
        const n = normalizeContractNumber(s);
        if (n !== null) expect(normalizeContractNumber(n)).toBe(n);
      }),
    );
  });

  it('rejects every input longer than 32 characters, even one that would normalise', () => {
    fc.assert(
      fc.property(fc.integer({ min: MAX_IDENTIFIER_INPUT + 1, max: 200 }), (length) => {
        expect(normalizeContractNumber('12345-000001'.padStart(length, ' '))).toBeNull();
        expect(normalizeContractNumber('12345-000001'.padEnd(length, '\u3000'))).toBeNull();
      }),
    );
  });
});

describe('isContractNumber and formatContractNumber', () => {
  it('recognises only the canonical form', () => {
    expect(isContractNumber('12345-000001')).toBe(true);
    expect(isContractNumber('12345000001')).toBe(false);
    expect(isContractNumber('１２３４５－０００００１')).toBe(false);
    expect(isContractNumber(' 12345-000001')).toBe(false);
  });

  it('pads the per-office sequence to six digits', () => {
    expect(formatContractNumber('10001', 1)).toBe('10001-000001');
    expect(formatContractNumber('10001', 42)).toBe('10001-000042');
    expect(formatContractNumber('99999', MAX_OFFICE_SEQUENCE)).toBe('99999-999999');
  });

  it('formats every sequence of an office as a valid contract number that normalises to itself', () => {
    fc.assert(
      fc.property(digits(5), fc.integer({ min: 1, max: MAX_OFFICE_SEQUENCE }), (office, sequence) => {
        const n = formatContractNumber(office, sequence);
        expect(isContractNumber(n)).toBe(true);
        expect(normalizeContractNumber(n)).toBe(n);
        expect(Number(n.slice(6))).toBe(sequence);
      }),
    );
  });
});

describe('the authentication key alphabet', () => {
  it('has 56 distinct symbols', () => {
    expect(AUTH_KEY_ALPHABET).toHaveLength(56);
    expect(new Set(AUTH_KEY_ALPHABET).size).toBe(56);
  });

  it('contains none of the easily confused characters 0 O o 1 I l', () => {
    expect([...EXCLUDED_KEY_CHARACTERS].sort()).toEqual(['0', '1', 'I', 'O', 'l', 'o']);
    for (const c of ['0', 'O', 'o', '1', 'I', 'l']) expect(AUTH_KEY_ALPHABET).not.toContain(c);
  });

  it('is every ASCII digit and letter except 0 O o 1 I l', () => {
    const expected = [...'0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz']
      .filter((c) => !'0Oo1Il'.includes(c))
      .join('');
    expect([...AUTH_KEY_ALPHABET].sort().join('')).toBe([...expected].sort().join(''));
  });
});

describe('normalizeAuthKey', () => {
  const key = 'Ab3dEf7hJk9m';

  it('accepts a 12-character key unchanged', () => {
    expect(normalizeAuthKey(key)).toBe(key);
  });

  it('turns full-width letters and digits into ASCII (NFKC)', () => {
    expect(normalizeAuthKey(fullWidthString(key))).toBe(key);
    expect(normalizeAuthKey('ＡＢＣＤｅｆｇｈ２３４５')).toBe('ABCDefgh2345');
  });

  it('removes spaces, ideographic spaces and hyphens', () => {
    expect(normalizeAuthKey('Ab3d Ef7h Jk9m')).toBe(key);
    expect(normalizeAuthKey('Ab3d-Ef7h-Jk9m')).toBe(key);
    expect(normalizeAuthKey('Ab3d\u3000Ef7h\u3000Jk9m')).toBe(key);
    expect(normalizeAuthKey('Ab3d－Ef7h－Jk9m')).toBe(key);
    expect(normalizeAuthKey('  Ab3d - Ef7h - Jk9m  ')).toBe(key);
  });

  it('is case-sensitive: it never changes the case of a letter', () => {
    expect(normalizeAuthKey('ABCDEFGHJKMN')).toBe('ABCDEFGHJKMN');
    expect(normalizeAuthKey('abcdefghjkmn')).toBe('abcdefghjkmn');
    expect(normalizeAuthKey(key.toUpperCase())).toBe(key.toUpperCase());
    expect(normalizeAuthKey(key.toUpperCase())).not.toBe(key);
  });

  it.each(['0', 'O', 'o', '1', 'I', 'l'])('rejects a key containing the never-issued character %s', (c) => {
    expect(normalizeAuthKey(key.slice(0, 11) + c)).toBeNull();
    expect(normalizeAuthKey(c + key.slice(1))).toBeNull();
  });

  it.each([
    ['an empty string', ''],
    ['11 characters', key.slice(0, 11)],
    ['13 characters', key + 'a'],
    ['a symbol', 'Ab3dEf7hJk9!'],
    ['an underscore', 'Ab3dEf7hJk9_'],
    ['a non-ASCII letter', 'Ab3dEf7hJk9é'],
    ['a kana character', 'Ab3dEf7hJk9あ'],
  ])('rejects %s', (_label, input) => {
    expect(normalizeAuthKey(input)).toBeNull();
  });

  it('rejects input longer than 32 characters even when it would normalise to a key', () => {
    const spaced = [...key].join('  ');
    expect(spaced.length).toBeGreaterThan(MAX_IDENTIFIER_INPUT);
    expect(normalizeAuthKey(spaced)).toBeNull();
    expect(normalizeAuthKey(key.padEnd(MAX_IDENTIFIER_INPUT, ' '))).toBe(key);
  });

  it('recovers any valid key typed with full-width characters, spaces and hyphens', () => {
    const keyArb = fc
      .array(fc.constantFrom(...AUTH_KEY_ALPHABET), { minLength: AUTH_KEY_LENGTH, maxLength: AUTH_KEY_LENGTH })
      .map((a) => a.join(''));
    fc.assert(
      fc.property(
        keyArb,
        fc.array(fc.boolean(), { minLength: 12, maxLength: 12 }),
        fc.array(fc.constantFrom('', '', '', ' ', '\u3000', '-', '－'), { minLength: 13, maxLength: 13 }),
        (k, wide, separators) => {
          const typed = interleave(
            [...k].map((c, i) => (wide[i] ? fullWidth(c) : c)),
            separators,
          );
          fc.pre(typed.length <= MAX_IDENTIFIER_INPUT);
          expect(normalizeAuthKey(typed)).toBe(k);
        },
      ),
    );
  });

  it('returns either null or 12 alphabet symbols for any string', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 40 }), (s) => {
        const n = normalizeAuthKey(s);
        if (n !== null) {
          expect(n).toHaveLength(AUTH_KEY_LENGTH);
          for (const c of n) expect(AUTH_KEY_ALPHABET).toContain(c);
        }
      }),
    );
  });
});

describe('generateAuthKey', () => {
  it('makes 12-character keys of alphabet symbols that normalise to themselves', () => {
    for (let i = 0; i < 1000; i++) {
      const k = generateAuthKey();
      expect(k).toHaveLength(12);
      expect(k).toMatch(/^[23456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz]{12}$/);
      expect(normalizeAuthKey(k)).toBe(k);
    }
  });

  it('draws every symbol uniformly at every position (chi-square over 20,000 keys)', () => {
    const keys = 20_000;
    const symbols = AUTH_KEY_ALPHABET.length;
    const total = new Map<string, number>([...AUTH_KEY_ALPHABET].map((c) => [c, 0]));
    const perPosition = Array.from({ length: AUTH_KEY_LENGTH }, () => new Map<string, number>());
    const seen = new Set<string>();
    const foreign = new Set<string>();
    for (let i = 0; i < keys; i++) {
      const k = generateAuthKey();
      seen.add(k);
      [...k].forEach((c, pos) => {
        if (!total.has(c)) foreign.add(c);
        total.set(c, (total.get(c) ?? 0) + 1);
        const counts = perPosition[pos]!;
        counts.set(c, (counts.get(c) ?? 0) + 1);
      });
    }
    expect([...foreign]).toEqual([]);
    // 20,000 keys of ≈69.7 bits: a repeat would mean the generator is badly broken.
    expect(seen.size).toBe(keys);

    const chiSquare = (counts: Map<string, number>, n: number) => {
      const expected = n / symbols;
      return [...AUTH_KEY_ALPHABET].reduce((sum, c) => sum + ((counts.get(c) ?? 0) - expected) ** 2 / expected, 0);
    };
    // 55 degrees of freedom: mean 55, sd ≈ 10.5; 120 is beyond the 99.9999th percentile, so a false alarm is
    // practically impossible, while a missing symbol (χ² ≈ 4,300 overall) or a 2× bias on one symbol fails.
    const overall = keys * AUTH_KEY_LENGTH;
    for (const c of AUTH_KEY_ALPHABET) {
      const count = total.get(c) ?? 0;
      expect(count, `symbol ${c}`).toBeGreaterThan((overall / symbols) * 0.85);
      expect(count, `symbol ${c}`).toBeLessThan((overall / symbols) * 1.15);
    }
    expect(chiSquare(total, overall)).toBeLessThan(120);
    perPosition.forEach((counts, pos) => {
      expect(counts.size, `position ${pos}`).toBe(symbols);
      expect(chiSquare(counts, keys), `position ${pos}`).toBeLessThan(130);
    });
  });
});
