// What changed between two certificates, leaf by leaf, and the merge patch a change form sends: only what differs,
// never an immutable field or a request-only input, and applying it gives the edited body back.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { certificateSchema, mergePatch } from '../../src/domain/certificate.js';
import { changesPatch, diffCertificates } from '../../src/domain/diff.js';
import { certificate } from './fixtures.js';

describe('diffCertificates', () => {
  it('lists every leaf of a first version in the certificate order, periods by their ends and lists joined', () => {
    const c = certificate('contract', { jointVenture: { name: 'JV', members: ['A社', 'B社'] } });
    const changes = diffCertificates(null, c);
    expect(changes.map((ch) => ch.path)).toEqual([
      'product',
      'contractor.name',
      'contractor.address',
      'contractor.representative',
      'jointVenture.name',
      'jointVenture.members',
      'works.name',
      'works.number',
      'works.location',
      'works.contractDate',
      'works.tenderDate',
      'works.bidDate',
      'works.period.from',
      'works.period.to',
      'contractAmount',
      'guaranteeAmount',
      'guaranteePeriod.from',
      'guaranteePeriod.to',
      'guaranteeDate',
      'contractNumber',
      'issuer.name',
      'issuer.office',
      'issuer.representative',
      'obligee.id',
      'obligee.name',
      'obligee.title',
    ]);
    expect(changes.every((ch) => ch.before === undefined)).toBe(true);
    expect(changes.find((ch) => ch.path === 'jointVenture.members')?.after).toBe('A社、B社');
  });

  it('gives only what a change touched, a removed field as after: undefined', () => {
    const before = certificate('advance_payment');
    const after = certificateSchema.parse({
      ...before,
      guaranteeAmount: 60_000_000,
      advanceAmount: 60_000_000,
      works: { ...before.works, tenderDate: undefined, period: { ...before.works.period, to: '2027-02-10' } },
    });
    expect(diffCertificates(before, after)).toEqual([
      { path: 'works.tenderDate', before: '2025-12-01', after: undefined },
      { path: 'works.period.to', before: '2026-12-25', after: '2027-02-10' },
      { path: 'guaranteeAmount', before: 50_000_000, after: 60_000_000 },
      { path: 'advanceAmount', before: 50_000_000, after: 60_000_000 },
    ]);
    expect(diffCertificates(before, before)).toEqual([]);
  });

  it('compares JV members as one value', () => {
    const jv = (members: string[]) => certificate('contract', { jointVenture: { name: 'JV', members } });
    expect(diffCertificates(jv(['A社', 'B社']), jv(['A社', 'C社']))).toEqual([
      { path: 'jointVenture.members', before: 'A社、B社', after: 'A社、C社' },
    ]);
  });
});

describe('changesPatch', () => {
  const body = {
    product: 'contract',
    obligeeId: 'mishima-city',
    contractorEmail: 'a@example.jp',
    contractor: { name: 'A社', address: '三島市' },
    works: { name: '工事', period: { from: '2026-04-02', to: '2027-03-19' } },
    guaranteeAmount: 5_000_000,
  };

  it('holds only what differs: a nested member, a cleared field as null, a list whole', () => {
    expect(changesPatch(body, structuredClone(body))).toEqual({});
    const after = {
      ...structuredClone(body),
      contractor: { name: 'A社' },
      works: { name: '工事', period: { from: '2026-04-02', to: '2027-04-30' } },
      guaranteeAmount: 6_000_000,
      jointVenture: { name: 'JV', members: ['A社', 'B社'] },
    };
    expect(changesPatch(body, after)).toEqual({
      contractor: { address: null },
      works: { period: { to: '2027-04-30' } },
      guaranteeAmount: 6_000_000,
      jointVenture: { name: 'JV', members: ['A社', 'B社'] },
    });
  });

  it('never carries an immutable field or a request-only input', () => {
    const after = {
      ...body,
      product: 'advance_payment',
      obligeeId: 'atami-city',
      contractorEmail: 'b@example.jp',
      contractNumber: '10001-000009',
    };
    expect(changesPatch(body, after)).toEqual({});
  });

  it('gives back the edited body when applied with mergePatch (RFC 7396)', () => {
    const key = fc.constantFrom('a', 'b', 'c', 'works', 'period', '__proto__');
    const leaf = fc.oneof(fc.string({ maxLength: 3 }), fc.integer(), fc.array(fc.string({ maxLength: 2 })));
    const { tree } = fc.letrec((tie) => ({
      tree: fc.dictionary(key, fc.oneof({ depthSize: 'small' }, leaf, tie('tree')), { maxKeys: 4 }),
    }));
    fc.assert(
      fc.property(tree, tree, (before, after) => {
        expect(mergePatch(before, changesPatch(before, after))).toEqual(after);
      }),
    );
  });
});
