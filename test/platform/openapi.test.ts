// The OpenAPI document describes every /api/v1 route the app serves.
import { afterEach, beforeEach, expect, it } from 'vitest';
import { describeEachDatabase, setup, type TestEnv } from '../support/harness.js';

describeEachDatabase('OpenAPI document', (kind) => {
  let env: TestEnv;
  beforeEach(async () => {
    env = await setup(kind);
  });
  afterEach(async () => env.close());

  it('lists every /api/v1 route with the request schemas used for validation', async () => {
    const doc = (await (await env.app.request('/api/v1/openapi.json')).json()) as {
      paths: Record<string, Record<string, unknown>>;
      components: { schemas: Record<string, { properties?: Record<string, unknown> }> };
    };
    const served = env.app.routes
      .filter((r) => r.path.startsWith('/api/v1/') && r.method !== 'ALL' && r.path !== '/api/v1/openapi.json')
      .map((r) => `${r.method.toLowerCase()} ${r.path.replace('/api/v1', '').replace(/:(\w+)/g, '{$1}')}`);
    const documented = Object.entries(doc.paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m} ${p}`));
    expect(new Set(served)).toEqual(new Set(documented));
    expect(Object.keys(doc.components.schemas.PublishRequest?.properties ?? {})).toEqual(
      expect.arrayContaining(['product', 'obligeeId', 'contractNumber', 'contractorEmail', 'guaranteeAmount', 'works']),
    );
  });
});
