// Shared fixtures for the pure-domain suites: one valid certificate per product, built as plain JSON.
import { certificateSchema, type Certificate, type Product } from '../../src/domain/certificate.js';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** A certificate body as an issuer would send it, valid for `product`. Plain JSON so tests can break it freely. */
export function certificateInput(product: Product): Record<string, Json> {
  const common: Record<string, Json> = {
    product,
    contractNumber: '10001-000001',
    issuer: { name: '東日本建設業保証株式会社', office: '静岡支店', representative: '支店長 山田太郎' },
    obligee: { id: 'mishima-city', name: '三島市', title: '三島市長' },
    contractor: { name: '株式会社三島土木', address: '静岡県三島市北田町4-47', representative: '代表取締役 鈴木一郎' },
    works: {
      name: '市道1-23号線道路改良工事',
      number: '三島市第8-101号',
      location: '三島市大宮町地内',
      contractDate: '2026-01-05',
      tenderDate: '2025-12-01',
      bidDate: '2025-12-15',
      period: { from: '2026-01-06', to: '2026-12-25' },
    },
    contractAmount: 125_000_000,
    guaranteePeriod: { from: '2026-01-06', to: '2027-01-24' },
    guaranteeDate: '2026-01-05',
  };
  switch (product) {
    case 'advance_payment':
      return { ...common, guaranteeAmount: 50_000_000, advanceAmount: 50_000_000, depositBank: 'スルガ銀行 三島支店' };
    case 'intermediate_advance_payment':
      return {
        ...common,
        contractNumber: '10001-000002',
        guaranteeAmount: 25_000_000,
        advanceAmount: 25_000_000,
        depositBank: 'スルガ銀行 三島支店',
        relatedContractNumber: '10001-000001',
      };
    case 'contract':
      return { ...common, contractNumber: '10001-000003', guaranteeAmount: 12_500_000 };
  }
}

/** A parsed (typed) certificate for `product`, optionally with top-level fields replaced. */
export function certificate(product: Product = 'advance_payment', overrides: Record<string, Json> = {}): Certificate {
  return certificateSchema.parse({ ...certificateInput(product), ...overrides });
}
