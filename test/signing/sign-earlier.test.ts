// `pdf:sign-earlier` (DESIGN §13 "a CLI command signs those on request"), on both databases: a version published
// before the e-seal was configured answers 404 until it is queued; then 503 while queued, and the worker's pass signs
// it as usual (pdfsig valid). Queuing is audited per guarantee and filtered by contract and date.
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { openSeal, type Seal } from '../../src/pdf-sign/open-seal.js';
import { listAudit } from '../../src/repositories/audit-log.js';
import { findSignedPdf } from '../../src/repositories/signed-pdfs.js';
import { queueEarlierVersions } from '../../src/services/sign-earlier.js';
import { runSigningPass } from '../../src/services/signed-pdfs.js';
import { publish, registerMishima } from '../support/fixtures.js';
import { describeEachDatabase, setup, type TestEnv } from '../support/harness.js';
import { makePki, pdfsig, startTsa, type TestPki, type TestTsa } from '../support/pki.js';

let pki: TestPki;
let tsa: TestTsa;
beforeAll(async () => {
  pki = makePki();
  tsa = await startTsa(pki);
});
afterAll(async () => {
  await tsa.close();
  pki.cleanup();
});

const cli = { type: 'cli', id: 'operator' } as const;

describeEachDatabase('signing earlier versions on request', (kind) => {
  let env: TestEnv;
  let seal: Seal;
  afterEach(async () => {
    seal?.close();
    await env?.platform.close();
  });

  it('queues versions published before signing began, audited, and the worker then signs them', async () => {
    env = await setup(kind, {
      env: {
        ESURETY_PDF_SIGN_P12: pki.p12Path,
        ESURETY_PDF_SIGN_P12_PASSWORD: pki.p12Password,
        ESURETY_TSA_URL: tsa.url,
      },
    });
    seal = (await openSeal(env.config))!;
    await registerMishima(env);
    const older = await publish(env);
    env.setNow('2026-11-24T02:00:00.000Z');
    const old = await publish(env);
    env.setNow('2026-11-24T05:00:00.000Z'); // the first signing pass: signing begins here
    expect(await runSigningPass(env.ctx, seal)).toBe(0);
    const path = (no: string) => `/api/v1/sureties/${no}/versions/1/signed.pdf`;
    expect((await env.api('GET', path(old.contractNumber))).status).toBe(404);

    // --since leaves the older one alone; --contract narrows to one guarantee.
    const none = await queueEarlierVersions(env.ctx, cli, {
      contractNumber: older.contractNumber,
      since: new Date('2026-11-24T01:30:00.000Z'),
    });
    expect(none).toEqual([]);
    const queued = await queueEarlierVersions(env.ctx, cli, { since: new Date('2026-11-24T01:30:00.000Z') });
    expect(queued).toEqual([{ contractNumber: old.contractNumber, seqs: [1] }]);
    expect(await findSignedPdf(env.ctx.db, older.contractNumber, 1)).toBeUndefined();
    const audit = (await listAudit(env.ctx.db, old.contractNumber)).filter(
      (a) => a.action === 'signed_pdf.queued_earlier',
    );
    expect(audit).toHaveLength(1);
    expect(audit[0]!.actor_id).toBe('operator');

    const waiting = await env.api('GET', path(old.contractNumber));
    expect(waiting.status).toBe(503);
    expect(await runSigningPass(env.ctx, seal)).toBe(1);
    const signed = await env.app.request(path(old.contractNumber), {
      headers: { authorization: `Bearer ${env.token}` },
    });
    expect(signed.status).toBe(200);
    const report = await pdfsig(new Uint8Array(await signed.arrayBuffer()), pki.dir);
    expect(report).toContain('Signature Validation: Signature is Valid.');

    // Run again: nothing left but the older one, queued once.
    expect(await queueEarlierVersions(env.ctx, cli, {})).toEqual([{ contractNumber: older.contractNumber, seqs: [1] }]);
    expect(await queueEarlierVersions(env.ctx, cli, {})).toEqual([]);
  });

  it('refuses without an e-seal, and changes nothing', async () => {
    env = await setup(kind);
    await registerMishima(env);
    const { contractNumber } = await publish(env);
    const error = await queueEarlierVersions(env.ctx, cli, {}).catch((e: { code: string }) => e);
    expect((error as { code: string }).code).toBe('conflict');
    expect(await findSignedPdf(env.ctx.db, contractNumber, 1)).toBeUndefined();
  });
});
