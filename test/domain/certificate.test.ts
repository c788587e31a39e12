// The certificate of DESIGN §3: per-product schema, cross-field rules, strictness, dates, amounts and merge patches.
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import {
  IMMUTABLE_FIELDS,
  PRODUCTS,
  certificateSchema,
  guaranteeEndsBeforeWorks,
  isoDate,
  mergePatch,
  type Product,
} from '../../src/domain/certificate.js';
import { certificate, certificateInput, type Json } from './fixtures.js';

type Path = (string | number)[];

/** The paths of every issue certificateSchema reports, or [] when it accepts the input. */
function issuePaths(input: unknown): Path[] {
  const result = certificateSchema.safeParse(input);
  return result.success ? [] : result.error.issues.map((i) => i.path as Path);
}

function expectRejectedAt(input: unknown, path: Path): void {
  const result = certificateSchema.safeParse(input);
  expect(result.success).toBe(false);
  expect(issuePaths(input)).toContainEqual(path);
}

/** The fixture with a nested field replaced, e.g. with(['works', 'contractDate'], 'x'). */
function withField(product: Product, path: string[], value: Json | undefined): Record<string, Json> {
  const copy = structuredClone(certificateInput(product));
  let node: Record<string, Json> = copy;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string, Json>;
  const last = path[path.length - 1]!;
  if (value === undefined) delete node[last];
  else node[last] = value;
  return copy;
}

const ADVANCE: Product[] = ['advance_payment', 'intermediate_advance_payment'];

describe('certificateSchema: one valid certificate per product', () => {
  it.each(PRODUCTS)('accepts a complete %s certificate', (product) => {
    const input = certificateInput(product);
    const result = certificateSchema.safeParse(input);
    expect(result.success ? [] : result.error.issues).toEqual([]);
    expect(result.data).toEqual(input);
  });

  it.each(PRODUCTS)('accepts a minimal %s certificate without optional fields', (product) => {
    const input = certificateInput(product);
    input.issuer = { name: '保証株式会社' };
    input.obligee = { id: 'mishima-city', name: '三島市' };
    input.contractor = { name: '株式会社三島土木' };
    input.works = { name: '工事', contractDate: '2026-01-05', period: { from: '2026-01-06', to: '2026-12-25' } };
    delete input.relatedContractNumber;
    expect(issuePaths(input)).toEqual([]);
  });

  it('accepts a joint venture with its members', () => {
    const input = { ...certificateInput('contract'), jointVenture: { name: '三島・沼津JV', members: ['A社', 'B社'] } };
    expect(issuePaths(input)).toEqual([]);
  });

  it('rejects a joint venture without members', () => {
    expectRejectedAt({ ...certificateInput('contract'), jointVenture: { name: 'JV', members: [] } }, [
      'jointVenture',
      'members',
    ]);
  });

  it('rejects an unknown product code', () => {
    expectRejectedAt({ ...certificateInput('contract'), product: 'bid_bond' }, ['product']);
  });

  it.each([
    ['contractor', ['contractor']],
    ['works', ['works']],
    ['guaranteeDate', ['guaranteeDate']],
    ['guaranteePeriod', ['guaranteePeriod']],
    ['contractAmount', ['contractAmount']],
    ['guaranteeAmount', ['guaranteeAmount']],
    ['issuer', ['issuer']],
    ['obligee', ['obligee']],
    ['contractNumber', ['contractNumber']],
  ])('rejects a certificate missing %s', (field, path) => {
    expectRejectedAt(withField('contract', [field], undefined), path);
  });

  it('rejects a works entry without a name or a contract date', () => {
    expectRejectedAt(withField('contract', ['works', 'name'], undefined), ['works', 'name']);
    expectRejectedAt(withField('contract', ['works', 'contractDate'], undefined), ['works', 'contractDate']);
  });

  it('rejects names that are blank after trimming', () => {
    expectRejectedAt(withField('contract', ['contractor', 'name'], '   '), ['contractor', 'name']);
    expectRejectedAt(withField('contract', ['works', 'name'], '\u3000'), ['works', 'name']);
  });

  it('rejects a contract number that is not in canonical NNNNN-NNNNNN form', () => {
    for (const n of ['12345000001', '１２３４５－０００００１', '1234-000001', '12345-00001', 'ABCDE-000001']) {
      expectRejectedAt({ ...certificateInput('contract'), contractNumber: n }, ['contractNumber']);
    }
  });
});

describe('certificateSchema: advance products and the contract guarantee', () => {
  it.each(ADVANCE)('requires advanceAmount for %s', (product) => {
    expectRejectedAt(withField(product, ['advanceAmount'], undefined), ['advanceAmount']);
  });

  it.each(ADVANCE)('requires advanceAmount to equal guaranteeAmount for %s', (product) => {
    const input = certificateInput(product);
    expectRejectedAt({ ...input, advanceAmount: (input.guaranteeAmount as number) - 1 }, ['advanceAmount']);
    expectRejectedAt({ ...input, advanceAmount: (input.guaranteeAmount as number) + 1 }, ['advanceAmount']);
  });

  it.each(ADVANCE)('requires depositBank for %s', (product) => {
    expectRejectedAt(withField(product, ['depositBank'], undefined), ['depositBank']);
  });

  it('rejects advanceAmount on a contract guarantee', () => {
    const input = certificateInput('contract');
    expectRejectedAt({ ...input, advanceAmount: input.guaranteeAmount }, ['advanceAmount']);
  });

  it('rejects depositBank on a contract guarantee', () => {
    expectRejectedAt({ ...certificateInput('contract'), depositBank: 'スルガ銀行' }, ['depositBank']);
  });

  it('accepts relatedContractNumber only on an intermediate advance guarantee', () => {
    expect(issuePaths(certificateInput('intermediate_advance_payment'))).toEqual([]);
    for (const product of ['advance_payment', 'contract'] as const) {
      expectRejectedAt({ ...certificateInput(product), relatedContractNumber: '10001-000009' }, [
        'relatedContractNumber',
      ]);
    }
  });

  it('reports only the broken field for each cross-field rule', () => {
    const input = certificateInput('advance_payment');
    expect(issuePaths({ ...input, advanceAmount: 1 })).toEqual([['advanceAmount']]);
    expect(issuePaths(withField('advance_payment', ['depositBank'], undefined))).toEqual([['depositBank']]);
  });
});

describe('certificateSchema: amounts', () => {
  it('accepts a guarantee amount equal to the contract amount', () => {
    const input = certificateInput('advance_payment');
    expect(issuePaths({ ...input, guaranteeAmount: 125_000_000, advanceAmount: 125_000_000 })).toEqual([]);
  });

  it('rejects a guarantee amount above the contract amount', () => {
    const input = certificateInput('contract');
    expectRejectedAt({ ...input, guaranteeAmount: 125_000_001 }, ['guaranteeAmount']);
  });

  it('accepts 1 yen and Number.MAX_SAFE_INTEGER yen', () => {
    const input = certificateInput('contract');
    expect(issuePaths({ ...input, contractAmount: 1, guaranteeAmount: 1 })).toEqual([]);
    const max = Number.MAX_SAFE_INTEGER;
    expect(issuePaths({ ...input, contractAmount: max, guaranteeAmount: max })).toEqual([]);
  });

  const badYen: [string, unknown][] = [
    ['negative', -1],
    ['zero', 0],
    ['fractional', 1000.5],
    ['a numeric string', '1000'],
    ['above Number.MAX_SAFE_INTEGER', Number.MAX_SAFE_INTEGER + 1],
    ['huge', 1e20],
    ['NaN', NaN],
    ['Infinity', Infinity],
    ['null', null],
  ];

  describe.each(['contractAmount', 'guaranteeAmount'])('%s', (field) => {
    it.each(badYen)('rejects a %s amount', (_label, value) => {
      const input: Record<string, unknown> = { ...certificateInput('contract'), [field]: value };
      // Keep the other amount valid and large so that only `field` is at fault.
      if (field === 'guaranteeAmount') input.contractAmount = Number.MAX_SAFE_INTEGER;
      expectRejectedAt(input, [field]);
    });
  });

  it.each(badYen)('rejects a %s advanceAmount', (_label, value) => {
    expectRejectedAt({ ...certificateInput('advance_payment'), advanceAmount: value }, ['advanceAmount']);
  });

  it('accepts any integer guarantee amount from 1 yen up to the contract amount', () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 1, max: Number.MAX_SAFE_INTEGER })
          .chain((c) => fc.tuple(fc.constant(c), fc.integer({ min: 1, max: c }))),
        fc.constantFrom(...PRODUCTS),
        ([contractAmount, guaranteeAmount], product) => {
          const input: Record<string, Json> = { ...certificateInput(product), contractAmount, guaranteeAmount };
          if (product !== 'contract') input.advanceAmount = guaranteeAmount;
          expect(issuePaths(input)).toEqual([]);
        },
      ),
    );
  });

  it('rejects any guarantee amount above the contract amount', () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 1, max: Number.MAX_SAFE_INTEGER - 1 })
          .chain((c) => fc.tuple(fc.constant(c), fc.integer({ min: c + 1, max: Number.MAX_SAFE_INTEGER }))),
        ([contractAmount, guaranteeAmount]) => {
          const input = { ...certificateInput('contract'), contractAmount, guaranteeAmount };
          expect(issuePaths(input)).toEqual([['guaranteeAmount']]);
        },
      ),
    );
  });
});

describe('certificateSchema: dates and periods', () => {
  it.each([
    ['2026-02-30', 'a day that does not exist in February'],
    ['2025-02-29', 'February 29 in a common year'],
    ['2026-04-31', 'April 31'],
    ['2026-13-01', 'month 13'],
    ['2026-00-10', 'month 0'],
    ['2026-01-00', 'day 0'],
    ['2026-01-32', 'day 32'],
    ['2026/01/05', 'slashes'],
    ['2026-1-5', 'unpadded month and day'],
    ['20260105', 'no separators'],
    ['2026-01-05T00:00:00Z', 'a timestamp'],
    ['R8-01-05', 'an era year'],
    ['', 'an empty string'],
  ])('rejects %s (%s) wherever a date is expected', (value) => {
    expectRejectedAt(withField('contract', ['guaranteeDate'], value), ['guaranteeDate']);
    expectRejectedAt(withField('contract', ['works', 'contractDate'], value), ['works', 'contractDate']);
    expectRejectedAt(withField('contract', ['works', 'tenderDate'], value), ['works', 'tenderDate']);
    expectRejectedAt(withField('contract', ['guaranteePeriod', 'from'], value), ['guaranteePeriod', 'from']);
    expectRejectedAt(withField('contract', ['works', 'period', 'to'], value), ['works', 'period', 'to']);
  });

  it('accepts February 29 in a leap year', () => {
    expect(issuePaths(withField('contract', ['guaranteeDate'], '2024-02-29'))).toEqual([]);
    expect(issuePaths(withField('contract', ['guaranteeDate'], '2000-02-29'))).toEqual([]);
  });

  it('accepts exactly the real calendar dates (checked against an independent leap-year rule)', () => {
    const daysIn = (y: number, m: number) =>
      m === 2 ? ((y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28) : [4, 6, 9, 11].includes(m) ? 30 : 31;
    fc.assert(
      fc.property(
        fc.integer({ min: 1900, max: 2999 }),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 31 }),
        (y, m, d) => {
          const s = `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
          expect(isoDate.safeParse(s).success).toBe(d <= daysIn(y, m));
        },
      ),
    );
  });

  it('rejects a guarantee period that ends before it starts', () => {
    const input = withField('contract', ['guaranteePeriod'], { from: '2026-12-31', to: '2026-01-01' });
    expect(issuePaths(input)).toEqual([['guaranteePeriod', 'to']]);
  });

  it('rejects a works period that ends before it starts', () => {
    const input = withField('contract', ['works', 'period'], { from: '2026-12-31', to: '2026-12-30' });
    expect(issuePaths(input)).toEqual([['works', 'period', 'to']]);
  });

  it('accepts one-day periods', () => {
    const input = withField('contract', ['guaranteePeriod'], { from: '2026-06-01', to: '2026-06-01' });
    expect(issuePaths(input)).toEqual([]);
  });

  it('accepts any period whose start is on or before its end, and rejects the reverse', () => {
    const day = fc
      .date({ min: new Date('1990-01-01T00:00:00Z'), max: new Date('2099-12-31T00:00:00Z'), noInvalidDate: true })
      .map((d) => d.toISOString().slice(0, 10));
    fc.assert(
      fc.property(day, day, (a, b) => {
        const input = withField('contract', ['guaranteePeriod'], { from: a, to: b });
        expect(issuePaths(input)).toEqual(a <= b ? [] : [['guaranteePeriod', 'to']]);
      }),
    );
  });

  it('allows a guarantee period ending before the works period but flags it', () => {
    const early = certificate('contract', { guaranteePeriod: { from: '2026-01-06', to: '2026-12-24' } });
    expect(guaranteeEndsBeforeWorks(early)).toBe(true);
    expect(
      guaranteeEndsBeforeWorks(certificate('contract', { guaranteePeriod: { from: '2026-01-06', to: '2026-12-25' } })),
    ).toBe(false);
    expect(guaranteeEndsBeforeWorks(certificate('contract'))).toBe(false);
  });
});

describe('certificateSchema: unknown fields are rejected', () => {
  it('rejects an unknown top-level field and names it', () => {
    const result = certificateSchema.safeParse({ ...certificateInput('contract'), note: 'x' });
    expect(result.success).toBe(false);
    expect(result.error?.issues).toContainEqual(
      expect.objectContaining({ code: 'unrecognized_keys', keys: ['note'], path: [] }),
    );
  });

  it.each([
    [['issuer'], 'fax'],
    [['obligee'], 'email'],
    [['contractor'], 'phone'],
    [['works'], 'budget'],
    [['works', 'period'], 'days'],
    [['guaranteePeriod'], 'days'],
  ])('rejects an unknown field inside %j', (path, key) => {
    const input = structuredClone(certificateInput('contract'));
    let node = input as Record<string, Json>;
    for (const p of path) node = node[p] as Record<string, Json>;
    node[key] = 'x';
    const result = certificateSchema.safeParse(input);
    expect(result.success).toBe(false);
    expect(result.error?.issues).toContainEqual(
      expect.objectContaining({ code: 'unrecognized_keys', keys: [key], path }),
    );
  });

  it('rejects an issuer-side field such as obligeeId on a stored certificate', () => {
    expect(certificateSchema.safeParse({ ...certificateInput('contract'), obligeeId: 'mishima-city' }).success).toBe(
      false,
    );
  });
});

describe('mergePatch (RFC 7396)', () => {
  // RFC 7396 Appendix A, verbatim.
  it.each([
    [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
    [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
    [{ a: 'b' }, { a: null }, {}],
    [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
    [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
    [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
    [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
    [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
    [
      ['a', 'b'],
      ['c', 'd'],
      ['c', 'd'],
    ],
    [{ a: 'b' }, ['c'], ['c']],
    [{ a: 'foo' }, null, null],
    [{ a: 'foo' }, 'bar', 'bar'],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [[1, 2], { a: 'b', c: null }, { a: 'b' }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ] as [Json, Json, Json][])('merges %j with patch %j into %j', (target, patch, expected) => {
    expect(mergePatch(target, patch)).toEqual(expected);
  });

  it('merges nested objects and keeps untouched siblings', () => {
    const merged = mergePatch(certificateInput('contract'), { works: { period: { to: '2027-03-31' } } }) as Record<
      string,
      Json
    >;
    expect(merged.works).toEqual({
      ...(certificateInput('contract').works as Record<string, Json>),
      period: { from: '2026-01-06', to: '2027-03-31' },
    });
    expect(merged.contractor).toEqual(certificateInput('contract').contractor);
  });

  it('deletes a member patched with null, at any depth', () => {
    const merged = mergePatch(certificateInput('advance_payment'), {
      depositBank: null,
      works: { number: null },
    }) as Record<string, Json>;
    expect(merged).not.toHaveProperty('depositBank');
    expect(merged.works).not.toHaveProperty('number');
    expect(merged.works).toHaveProperty('name', '市道1-23号線道路改良工事');
  });

  it('replaces arrays instead of merging them', () => {
    const target = { ...certificateInput('contract'), jointVenture: { name: 'JV', members: ['A社', 'B社', 'C社'] } };
    const merged = mergePatch(target, { jointVenture: { members: ['D社'] } }) as Record<string, Json>;
    expect(merged.jointVenture).toEqual({ name: 'JV', members: ['D社'] });
  });

  it('changes neither the target nor the patch', () => {
    const target = certificateInput('advance_payment');
    const patch: Json = { works: { period: { to: '2027-03-31' }, number: null }, depositBank: null };
    const targetBefore = structuredClone(target);
    const patchBefore = structuredClone(patch);
    mergePatch(target, patch);
    expect(target).toEqual(targetBefore);
    expect(patch).toEqual(patchBefore);
  });

  // Keys are drawn from a fixed set: see the report on `__proto__` members, which this implementation turns into a
  // prototype instead of an ordinary member.
  const key = fc.constantFrom('a', 'b', 'c', 'works', 'period', 'to', 'x-y', '金額');
  const { value: jsonValue, object: jsonObject } = fc.letrec<{ value: Json; object: { [k: string]: Json } }>((tie) => ({
    value: fc.oneof(
      { depthSize: 'small', maxDepth: 4 },
      fc.constant(null),
      fc.boolean(),
      fc.integer(),
      fc.string({ maxLength: 5 }),
      fc.array(tie('value'), { maxLength: 3 }),
      tie('object'),
    ),
    object: fc.dictionary(key, tie('value'), { maxKeys: 4, noNullPrototype: true }),
  }));

  it('returns a deep copy equal to the target when the patch is {}', () => {
    fc.assert(
      fc.property(jsonObject, (x) => {
        const merged = mergePatch(x, {});
        expect(merged).toEqual(x);
        expect(merged).not.toBe(x);
      }),
    );
  });

  it('is idempotent: applying the same patch twice equals applying it once', () => {
    fc.assert(
      fc.property(jsonValue, jsonValue, (x, p) => {
        const once = mergePatch(x, p);
        expect(mergePatch(once, p)).toEqual(once);
      }),
    );
  });

  it('sets every non-null patch member and deletes every null one', () => {
    fc.assert(
      fc.property(jsonObject, jsonObject, (x, p) => {
        const merged = mergePatch(x, p) as Record<string, Json>;
        for (const [k, v] of Object.entries(p)) {
          if (v === null) expect(merged).not.toHaveProperty([k]);
          else if (typeof v !== 'object' || Array.isArray(v)) expect(merged[k]).toEqual(v);
          else expect(typeof merged[k]).toBe('object');
        }
        for (const [k, v] of Object.entries(x)) if (!(k in p)) expect(merged[k]).toEqual(v);
      }),
    );
  });

  it('lets a change of guaranteeAmount (with the matching advanceAmount) validate as a whole certificate', () => {
    const merged = mergePatch(certificateInput('advance_payment'), {
      guaranteeAmount: 40_000_000,
      advanceAmount: 40_000_000,
    });
    const result = certificateSchema.safeParse(merged);
    expect(result.success).toBe(true);
    expect(result.data?.guaranteeAmount).toBe(40_000_000);
    expect(result.data?.advanceAmount).toBe(40_000_000);
    expect(result.data?.works).toEqual(certificateInput('advance_payment').works);
  });

  it('validates any patched guaranteeAmount between 1 yen and the contract amount', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 125_000_000 }), (amount) => {
        const contract = certificateSchema.safeParse(
          mergePatch(certificateInput('contract'), { guaranteeAmount: amount }),
        );
        expect(contract.success && contract.data.guaranteeAmount).toBe(amount);
        const advance = certificateSchema.safeParse(
          mergePatch(certificateInput('advance_payment'), { guaranteeAmount: amount, advanceAmount: amount }),
        );
        expect(advance.success && advance.data.advanceAmount).toBe(amount);
      }),
    );
  });

  it('makes the merged certificate fail validation when a patch breaks a rule', () => {
    const advance = certificateInput('advance_payment');
    expect(issuePaths(mergePatch(advance, { guaranteeAmount: 40_000_000 }))).toEqual([['advanceAmount']]);
    expect(issuePaths(mergePatch(advance, { guaranteeAmount: 200_000_000, advanceAmount: 200_000_000 }))).toEqual([
      ['guaranteeAmount'],
    ]);
    expect(issuePaths(mergePatch(advance, { depositBank: null }))).toEqual([['depositBank']]);
    expect(issuePaths(mergePatch(advance, { guaranteePeriod: { to: '2025-12-31' } }))).toEqual([
      ['guaranteePeriod', 'to'],
    ]);
    expect(issuePaths(mergePatch(advance, { works: { contractDate: '2026-02-30' } }))).toContainEqual([
      'works',
      'contractDate',
    ]);
    expect(certificateSchema.safeParse(mergePatch(advance, { memo: 'x' })).success).toBe(false);
  });

  it('lists the fields a change may never touch', () => {
    expect([...IMMUTABLE_FIELDS].sort()).toEqual(['contractNumber', 'issuer', 'obligee', 'product']);
  });
});

describe('mergePatch and a member named "__proto__"', () => {
  it('keeps "__proto__" as an ordinary member instead of replacing the prototype', () => {
    const result = mergePatch({}, JSON.parse('{"__proto__":{"a":1}}')) as Record<string, unknown>;
    expect(Object.keys(result)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(result)).toBe(Object.prototype);
    expect((result as { a?: number }).a).toBeUndefined();
  });

  it('so a nested "__proto__" patch is rejected by the strict schema rather than smuggling a field in', () => {
    const cert = certificateInput('contract') as { works: Record<string, unknown> };
    delete cert.works.number;
    const merged = mergePatch(cert, JSON.parse('{"works":{"__proto__":{"number":"X-1"}}}'));
    expect(certificateSchema.safeParse(merged).success).toBe(false);
  });
});

describe('new optional fields (issue 16 item 5)', () => {
  const jv = (over: Record<string, unknown>) => ({
    ...certificateInput('contract'),
    jointVenture: { name: '三島・函南JV', members: ['富士見建設株式会社', '函南土木株式会社'], ...over },
  });
  const paths = (input: unknown) => {
    const r = certificateSchema.safeParse(input);
    return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  };

  it('accepts JV shares that add up to 100 (in hundredths) and a representative among the members', () => {
    expect(paths(jv({ shares: [60, 40], representative: '富士見建設株式会社' }))).toEqual([]);
    expect(
      paths({
        ...jv({}),
        jointVenture: { name: 'JV', members: ['A', 'B', 'C'], shares: [33.33, 33.33, 33.34] },
      }),
    ).toEqual([]);
  });

  it('refuses shares that do not add up, do not match the members, and a representative who is not a member', () => {
    expect(paths(jv({ shares: [60, 30] }))).toEqual([
      'jointVenture.shares: 出資比率の合計を100%にしてください（現在 90%）',
    ]);
    expect(paths(jv({ shares: [100] }))).toEqual([
      'jointVenture.shares: 出資比率は構成員（2社）と同じ数だけ入力してください',
    ]);
    expect(paths(jv({ representative: '伊豆建設株式会社' }))).toEqual([
      'jointVenture.representative: 代表構成員は構成員の中から入力してください',
    ]);
  });

  it('takes 今年度対象額 up to the contract price', () => {
    expect(paths({ ...certificateInput('contract'), currentYearAmount: 125_000_000 })).toEqual([]);
    expect(paths({ ...certificateInput('contract'), currentYearAmount: 125_000_001 })).toEqual([
      'currentYearAmount: 今年度対象額は請負代金額以下にしてください',
    ]);
  });

  it('still reads a certificate signed before the fields existed', () => {
    expect(paths(certificateInput('contract'))).toEqual([]);
    expect(paths(jv({}))).toEqual([]);
  });
});
