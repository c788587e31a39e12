// The PDF worker thread: documents come back as bytes, a failing job fails alone, and the thread keeps serving.
import { afterAll, describe, expect, it } from 'vitest';
import { UnreadablePdf } from '../../src/pdf/inspect.js';
import { workerRunner } from '../../src/pdf/pool.js';

describe('the PDF worker', () => {
  const runner = workerRunner();
  afterAll(() => runner.close());

  it('reports an unreadable PDF as such, then still answers the next job', async () => {
    await expect(runner.run({ kind: 'inspect', bytes: new TextEncoder().encode('%PDF-1.7 nothing') })).rejects.toThrow(
      UnreadablePdf,
    );
    const warmed = await runner.run({ kind: 'warm' });
    expect(warmed).toBeInstanceOf(Uint8Array);
  }, 30_000);

  it('passes a rendering error back to the caller instead of hanging', async () => {
    const bad = { kind: 'certificate', certificate: {} } as never;
    await expect(runner.run(bad)).rejects.toThrow();
    expect(await runner.run({ kind: 'warm' })).toHaveLength(0);
  }, 30_000);
});
