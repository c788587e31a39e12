// Request schemas (DESIGN §5): contract numbers typed any way, publication bodies, version requests and obligees.
import { describe, it, expect } from 'vitest';
import {
  contractNumberInput,
  obligeeIdSchema,
  obligeeRequestSchema,
  publishRequestSchema,
  verifyRequestSchema,
  versionRequestSchema,
} from '../../src/domain/requests.js';
import { certificateInput } from './fixtures.js';

function publishBody(product: 'advance_payment' | 'contract' = 'advance_payment') {
  const { issuer: _issuer, obligee: _obligee, contractNumber: _number, ...body } = certificateInput(product);
  return { ...body, obligeeId: 'mishima-city' };
}

describe('contractNumberInput', () => {
  it('normalises full-width digits, dash variants and spaces', () => {
    expect(contractNumberInput.parse('１２３４５－０００００１')).toBe('12345-000001');
    expect(contractNumberInput.parse(' 12345ー000001 ')).toBe('12345-000001');
    expect(contractNumberInput.parse('12345000001')).toBe('12345-000001');
  });

  it('rejects a malformed number and input longer than 32 characters', () => {
    expect(contractNumberInput.safeParse('1234-000001').success).toBe(false);
    expect(contractNumberInput.safeParse('12345-000001'.padEnd(33, ' ')).success).toBe(false);
  });
});

describe('publishRequestSchema', () => {
  it('accepts a publication body with obligeeId instead of obligee and no issuer', () => {
    const result = publishRequestSchema.safeParse(publishBody());
    expect(result.success ? [] : result.error.issues).toEqual([]);
  });

  it('normalises an issuer-supplied contract number', () => {
    const result = publishRequestSchema.parse({ ...publishBody(), contractNumber: '１２３４５－０００００１' });
    expect(result.contractNumber).toBe('12345-000001');
  });

  it('applies the cross-field rules of the certificate', () => {
    const result = publishRequestSchema.safeParse({ ...publishBody(), advanceAmount: 1 });
    expect(result.error?.issues.map((i) => i.path)).toContainEqual(['advanceAmount']);
    const contract = publishRequestSchema.safeParse({ ...publishBody('contract'), depositBank: 'スルガ銀行' });
    expect(contract.error?.issues.map((i) => i.path)).toContainEqual(['depositBank']);
  });

  it('rejects an issuer object, an unknown field and a bad office code', () => {
    expect(publishRequestSchema.safeParse({ ...publishBody(), issuer: { name: 'X' } }).success).toBe(false);
    expect(publishRequestSchema.safeParse({ ...publishBody(), memo: 'x' }).success).toBe(false);
    expect(publishRequestSchema.safeParse({ ...publishBody(), officeCode: '1234' }).success).toBe(false);
    expect(publishRequestSchema.safeParse({ ...publishBody(), officeCode: '12345' }).success).toBe(true);
  });

  it('rejects a malformed contractor email', () => {
    const result = publishRequestSchema.safeParse({ ...publishBody(), contractorEmail: 'not-an-email' });
    expect(result.error?.issues.map((i) => i.path)).toContainEqual(['contractorEmail']);
  });
});

describe('versionRequestSchema', () => {
  it('accepts each event of the history', () => {
    for (const event of ['issue', 'change', 'correction', 'change_cancellation', 'cancellation']) {
      expect(versionRequestSchema.safeParse({ event }).success).toBe(true);
    }
  });

  it('rejects an unknown event, a non-positive target and a reason over 200 characters', () => {
    expect(versionRequestSchema.safeParse({ event: 'delete' }).success).toBe(false);
    expect(versionRequestSchema.safeParse({ event: 'correction', target: 0 }).success).toBe(false);
    expect(versionRequestSchema.safeParse({ event: 'correction', target: 1.5 }).success).toBe(false);
    expect(versionRequestSchema.safeParse({ event: 'cancellation', reason: 'あ'.repeat(200) }).success).toBe(true);
    expect(versionRequestSchema.safeParse({ event: 'cancellation', reason: 'あ'.repeat(201) }).success).toBe(false);
  });
});

describe('obligee and verification requests', () => {
  it('accepts slug ids only', () => {
    expect(obligeeIdSchema.safeParse('mishima-city').success).toBe(true);
    expect(obligeeIdSchema.safeParse('Mishima').success).toBe(false);
    expect(obligeeIdSchema.safeParse('-mishima').success).toBe(false);
    expect(obligeeIdSchema.safeParse('三島市').success).toBe(false);
    expect(obligeeIdSchema.safeParse('a'.repeat(65)).success).toBe(false);
  });

  it('accepts the 三島市 registration', () => {
    const body = {
      name: '三島市',
      title: '三島市長',
      rules: [
        {
          products: ['advance_payment', 'intermediate_advance_payment', 'contract'],
          basis: 'contract_date',
          effectiveFrom: '2026-01-01',
        },
      ],
    };
    expect(obligeeRequestSchema.safeParse(body).success).toBe(true);
  });

  it('rejects verification input longer than 32 characters before anything else', () => {
    expect(verifyRequestSchema.safeParse({ contractNumber: '12345-000001', authKey: 'Ab3dEf7hJk9m' }).success).toBe(
      true,
    );
    expect(verifyRequestSchema.safeParse({ contractNumber: '1'.repeat(33), authKey: 'Ab3dEf7hJk9m' }).success).toBe(
      false,
    );
    expect(verifyRequestSchema.safeParse({ contractNumber: '12345-000001', authKey: 'a'.repeat(33) }).success).toBe(
      false,
    );
  });
});
