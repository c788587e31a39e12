// The field registry against the schemas it describes, the catalogs its labels live in and the cross-field rules
// its products mirror; and the rows it derives for the certificate, notice, receipt and mails.
import { describe, expect, it } from 'vitest';
import { PRODUCTS, certificateSchema } from '../../src/domain/certificate.js';
import { certificateRows, mailRows, rowsFor, type FieldRow } from '../../src/domain/field-rows.js';
import { FIELDS, fieldAt, isRequired, labelKeyOf, schemaOf, type Field } from '../../src/domain/fields.js';
import { publishRequestSchema } from '../../src/domain/requests.js';
import { en } from '../../src/i18n/en.js';
import { ja } from '../../src/i18n/ja.js';
import { fieldFormatters } from '../../src/i18n/format.js';
import { certificate, certificateInput } from './fixtures.js';

type Def = { type: string; innerType?: { def: Def }; shape?: Record<string, { def: Def }> };

/** Every leaf path of a zod object schema; a `{ from, to }` period and an array count as one leaf. */
function leaves(def: Def, prefix = ''): string[] {
  while (def.type === 'optional') def = (def.innerType as { def: Def }).def;
  if (def.type !== 'object' || !def.shape) return [prefix];
  const keys = Object.keys(def.shape);
  if (keys.length === 2 && keys.includes('from') && keys.includes('to')) return [prefix];
  return keys.flatMap((k) =>
    leaves((def.shape as Record<string, { def: Def }>)[k]!.def, prefix ? `${prefix}.${k}` : k),
  );
}

const certificateLeaves = leaves((certificateSchema as unknown as { def: Def }).def);
const requestLeaves = leaves((publishRequestSchema as unknown as { def: Def }).def);
/** Publication inputs of the JSON API only: not typed by staff, not imported from CSV. */
const API_ONLY = ['officeCode'];
const labelsOf = (rows: FieldRow[]) => rows.map((r) => [ja[r.label], r.value]);
const jaFormats = fieldFormatters('ja');

describe('the field registry', () => {
  it('has one entry for every leaf of the certificate schema, and no entry outside it', () => {
    const registered = FIELDS.filter((f: Field) => !f.requestOnly).map((f) => f.path);
    expect([...registered].sort()).toEqual([...certificateLeaves].sort());
    expect(new Set(FIELDS.map((f) => f.path)).size).toBe(FIELDS.length);
  });

  it('covers every input of a publication request, request-only ones included', () => {
    const known = new Set([...FIELDS.map((f) => f.path), ...API_ONLY]);
    expect(requestLeaves.filter((p) => !known.has(p))).toEqual([]);
    for (const f of FIELDS.filter((f: Field) => f.requestOnly)) expect(requestLeaves).toContain(f.path);
  });

  it('resolves every entry to its piece of the zod schema', () => {
    for (const f of FIELDS) expect(() => schemaOf(f), f.path).not.toThrow();
    expect(schemaOf(fieldAt('guaranteeAmount')!).schema.safeParse(1.5).success).toBe(false);
    expect(schemaOf(fieldAt('works.tenderDate')!).optional).toBe(true);
    expect(schemaOf(fieldAt('jointVenture.name')!).optional).toBe(true);
  });

  it('gives every field an issuer sends a CSV column, each name once; the envelope comes from the platform', () => {
    const issuerSends = requestLeaves.filter((p) => !API_ONLY.includes(p));
    for (const path of issuerSends) expect(fieldAt(path)?.csv, path).toBeDefined();
    const envelope = (FIELDS as readonly Field[]).filter((f) => f.envelope).map((f) => f.path);
    expect(envelope.filter((p) => requestLeaves.includes(p) || fieldAt(p)?.csv)).toEqual([]);
    expect(new Set(envelope.map((p) => p.split('.')[0]))).toEqual(new Set(['issuer', 'obligee']));
    const names = FIELDS.flatMap((f: Field) =>
      f.csv === undefined ? [] : typeof f.csv === 'string' ? [f.csv] : [f.csv.from, f.csv.to],
    );
    expect(new Set(names).size).toBe(names.length);
  });

  it('keeps every label in both catalogs, and gives every placed field a label', () => {
    const keys = FIELDS.flatMap((f: Field) => [f.label, ...Object.values(f.labelFor ?? {})]).filter(
      (k): k is string => k !== null,
    );
    for (const key of keys) {
      expect(ja[key as keyof typeof ja], key).toBeTruthy();
      expect(en[key as keyof typeof en], key).toBeTruthy();
    }
    for (const f of FIELDS as readonly Field[]) {
      if (f.certificate || f.notice || f.receipt || f.mail || f.csv) expect(f.label, f.path).not.toBeNull();
    }
  });

  it('never gives two fields the same place on one surface', () => {
    const placeOf: Record<string, (f: Field) => string | number | undefined> = {
      certificate: (f: Field) => f.certificate && `${f.certificate.section}:${f.certificate.order}`,
      notice: (f: Field) => f.notice?.order,
      receipt: (f: Field) => f.receipt?.order,
      mail: (f: Field) => f.mail?.order,
    };
    for (const [surface, place] of Object.entries(placeOf)) {
      const taken = (FIELDS as readonly Field[]).map(place).filter((p) => p !== undefined);
      expect(new Set(taken).size, surface).toBe(taken.length);
    }
    const omitWith = (FIELDS as readonly Field[]).flatMap((f) => [f.notice, f.receipt, f.mail].map((p) => p?.omitWith));
    for (const path of omitWith.filter((p) => p !== undefined)) expect(fieldAt(path), path).toBeDefined();
  });

  it('is frozen, entries and all', () => {
    expect(Object.isFrozen(FIELDS)).toBe(true);
    expect(FIELDS.every((f) => Object.isFrozen(f))).toBe(true);
    expect(Object.isFrozen(fieldAt('guaranteeAmount')?.certificate)).toBe(true);
  });

  it('agrees with the cross-field rules on which products carry and require a field', () => {
    for (const f of (FIELDS as readonly Field[]).filter((f) => f.products)) {
      const [top] = f.path.split('.') as [string];
      for (const product of PRODUCTS) {
        const input = certificateInput(product);
        const allowed = f.products!.only.includes(product);
        // The product's own value where it has one (an advance must equal the guarantee), else any valid one.
        const sample = input[top] ?? certificateInput(f.products!.only[0]!)[top];
        const present = certificateSchema.safeParse({ ...input, [top]: sample });
        const paths = present.success ? [] : present.error.issues.map((i) => i.path.join('.'));
        expect(paths.includes(f.path), `${f.path} on ${product}`).toBe(!allowed);
        const { [top]: _dropped, ...without } = input;
        const absent = certificateSchema.safeParse(without);
        const missing = absent.success ? [] : absent.error.issues.map((i) => i.path.join('.'));
        expect(missing.includes(f.path), `${f.path} missing on ${product}`).toBe(allowed && f.products!.required);
        expect(isRequired(f, product)).toBe(allowed && f.products!.required);
      }
    }
  });

  it('marks as required what every guarantee must have', () => {
    const required = (FIELDS as readonly Field[]).filter((f) => f.form && isRequired(f)).map((f) => f.path);
    expect(required).toEqual([
      'contractor.name',
      'works.name',
      'works.contractDate',
      'works.period',
      'contractAmount',
      'guaranteeAmount',
      'depositBank',
      'guaranteePeriod',
      'guaranteeDate',
    ]);
  });

  it('names the advance by its product', () => {
    const advance = fieldAt('advanceAmount')!;
    expect(labelKeyOf(advance, 'advance_payment')).toBe('field.advanceAmount');
    expect(labelKeyOf(advance, 'intermediate_advance_payment')).toBe('field.intermediateAdvanceAmount');
    expect(labelKeyOf(fieldAt('obligee.title')!)).toBeNull();
  });
});

describe('rows derived from the registry', () => {
  it('lays out an advance certificate as the paper one: numbers, then what, who and which works', () => {
    const { head, sections } = certificateRows(certificate('advance_payment'), jaFormats);
    expect(labelsOf(head)).toEqual([
      ['保証契約番号', '10001-000001'],
      ['保証契約締結日', '令和8年1月5日'],
    ]);
    expect(sections.map(labelsOf)).toEqual([
      [
        ['保証金額', '50,000,000円'],
        ['保証期間', '令和8年1月6日 ～ 令和9年1月24日'],
        ['前払金額', '50,000,000円'],
        ['預託金融機関', 'スルガ銀行 三島支店'],
      ],
      [
        ['発注者', '三島市'],
        ['請負者', '株式会社三島土木'],
        ['請負者住所', '静岡県三島市北田町4-47'],
        ['請負者代表者', '代表取締役 鈴木一郎'],
      ],
      [
        ['工事名', '市道1-23号線道路改良工事'],
        ['工事番号', '三島市第8-101号'],
        ['工事場所', '三島市大宮町地内'],
        ['工期', '令和8年1月6日 ～ 令和8年12月25日'],
        ['請負代金額（税込）', '125,000,000円'],
        ['請負契約締結日', '令和8年1月5日'],
        ['入札公告日', '令和7年12月1日'],
        ['入札日', '令和7年12月15日'],
      ],
    ]);
    expect(sections[0]!.map((r) => r.strong)).toEqual([true, true, false, false]);
    expect(sections[1]!.every((r) => r.data)).toBe(true);
  });

  it('names the intermediate advance and its original guarantee, and leaves out what a contract guarantee lacks', () => {
    const intermediate = certificateRows(certificate('intermediate_advance_payment'), jaFormats).sections[0]!;
    expect(labelsOf(intermediate).slice(2)).toEqual([
      ['中間前払金額', '25,000,000円'],
      ['預託金融機関', 'スルガ銀行 三島支店'],
      ['前払金保証の保証契約番号', '10001-000001'],
    ]);
    const contract = certificateRows(certificate('contract'), jaFormats).sections[0]!;
    expect(contract.map((r) => r.field.path)).toEqual(['guaranteeAmount', 'guaranteePeriod']);
  });

  it('lists a JV and its members on the notice instead of the contractor, and the JV as the party elsewhere', () => {
    const jv = certificate('contract', {
      jointVenture: { name: '三島・函南JV', members: ['富士見建設株式会社', '函南土木株式会社'] },
    });
    expect(labelsOf(rowsFor('notice', jv, jaFormats))).toEqual([
      ['保証の種類', '契約保証'],
      ['発注者', '三島市（三島市長）'],
      ['工事名', '市道1-23号線道路改良工事'],
      ['工事番号', '三島市第8-101号'],
      ['共同企業体名（JV名）', '三島・函南JV'],
      ['構成員', ['富士見建設株式会社', '函南土木株式会社']],
      ['保証金額', '12,500,000円'],
    ]);
    expect(labelsOf(rowsFor('notice', certificate('contract'), jaFormats))[4]).toEqual(['請負者', '株式会社三島土木']);
    expect(labelsOf(rowsFor('receipt', jv, jaFormats))).toEqual([
      ['保証契約番号', '10001-000003'],
      ['保証の種類', '契約保証'],
      ['発注者', '三島市（三島市長）'],
      ['請負者', '三島・函南JV'],
      ['工事名', '市道1-23号線道路改良工事'],
      ['保証金額', '12,500,000円'],
      ['保証期間', '令和8年1月6日 ～ 令和9年1月24日'],
    ]);
  });

  it('shows each JV member with its share and names the representative, on the notice and the certificate', () => {
    const jv = certificate('contract', {
      jointVenture: {
        name: '三島・函南JV',
        members: ['富士見建設株式会社', '函南土木株式会社'],
        shares: [60, 40],
        representative: '富士見建設株式会社',
      },
    });
    const notice = labelsOf(rowsFor('notice', jv, jaFormats));
    expect(notice).toContainEqual(['代表構成員', '富士見建設株式会社']);
    expect(notice).toContainEqual(['構成員', ['富士見建設株式会社（60%）', '函南土木株式会社（40%）']]);
    const parties = labelsOf(certificateRows(jv, jaFormats).sections[1]!);
    expect(parties.slice(-3)).toEqual([
      ['共同企業体名（JV名）', '三島・函南JV'],
      ['代表構成員', '富士見建設株式会社'],
      ['構成員', ['富士見建設株式会社（60%）', '函南土木株式会社（40%）']],
    ]);
  });

  it('shows 今年度対象額 beside the contract price when a multi-year contract has one', () => {
    const c = certificate('contract', { currentYearAmount: 30_000_000 });
    expect(labelsOf(certificateRows(c, jaFormats).sections[2]!)).toContainEqual([
      '今年度対象額（出来高予定額・支払限度額）',
      '30,000,000円',
    ]);
    expect(labelsOf(certificateRows(certificate('contract'), jaFormats).sections[2]!).map((r) => r[0])).not.toContain(
      '今年度対象額（出来高予定額・支払限度額）',
    );
  });

  it('builds mail summaries from the parts a mail asks for', () => {
    const c = certificate('advance_payment');
    const paths = (parts: Parameters<typeof mailRows>[1]) => mailRows(c, parts, jaFormats).map((r) => r.field.path);
    expect(paths(['identity'])).toEqual(['contractNumber', 'product', 'works.name', 'obligee.name']);
    expect(paths(['works', 'terms', 'identity', 'party'])).toEqual([
      'contractNumber',
      'product',
      'works.name',
      'obligee.name',
      'contractor.name',
      'guaranteeAmount',
      'guaranteePeriod',
      'works.period',
    ]);
  });

  it('writes values in the page language, labels left to its catalog', () => {
    const { sections } = certificateRows(certificate('advance_payment'), fieldFormatters('en'));
    expect(sections[0]!.slice(0, 2).map((r) => [en[r.label], r.value])).toEqual([
      ['Guarantee amount', '¥50,000,000'],
      ['Guarantee period', '6 January 2026 – 24 January 2027'],
    ]);
  });
});
