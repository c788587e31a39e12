// Request bodies a real issuer would send, and a helper that publishes one through the API.
import type { TestEnv } from './harness.js';

export const MISHIMA = {
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

export function advanceBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    product: 'advance_payment',
    obligeeId: 'mishima-city',
    contractor: {
      name: '富士見建設株式会社',
      address: '静岡県三島市北田町4番47号',
      representative: '代表取締役 髙橋 一郎',
    },
    works: {
      name: '市道大場線道路改良工事',
      number: '第12号',
      location: '静岡県三島市大場地内',
      contractDate: '2026-04-01',
      period: { from: '2026-04-02', to: '2027-03-19' },
    },
    contractAmount: 50_000_000,
    guaranteeAmount: 20_000_000,
    advanceAmount: 20_000_000,
    depositBank: '静岡中央銀行 三島支店',
    guaranteePeriod: { from: '2026-04-02', to: '2027-04-30' },
    guaranteeDate: '2026-04-10',
    ...overrides,
  };
}

export function contractBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const { advanceAmount: _a, depositBank: _d, ...rest } = advanceBody();
  return { ...rest, product: 'contract', guaranteeAmount: 5_000_000, ...overrides };
}

export async function registerMishima(env: TestEnv): Promise<void> {
  const res = await env.api('PUT', '/api/v1/obligees/mishima-city', MISHIMA);
  if (res.status !== 200) throw new Error(`obligee registration failed: ${res.text}`);
}

export async function publish(
  env: TestEnv,
  body: Record<string, unknown> = advanceBody(),
): Promise<{ contractNumber: string; authKey: string; jws: string }> {
  const res = await env.api('POST', '/api/v1/sureties', body);
  if (res.status !== 201) throw new Error(`publication failed: ${res.status} ${res.text}`);
  return { contractNumber: res.json.contractNumber, authKey: res.json.authKey, jws: res.json.version.jws };
}

export async function addVersion(env: TestEnv, contractNumber: string, body: Record<string, unknown>) {
  return env.api('POST', `/api/v1/sureties/${contractNumber}/versions`, body);
}
