// The key notice with the fields of issue 16 item 5, as poppler renders and reads it: 工事番号, the JV's
// representative and each member's share — ink for every glyph, no warnings. The rendered page is kept for a look
// (E2E_SCREENSHOT_DIR) when asked for.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { publish, registerMishima } from '../support/fixtures.js';
import { describeEachDatabase, setup, type TestEnv } from '../support/harness.js';
import { readAsPerson } from './poppler.js';
import { jvContractBody } from './support.js';

const squash = (s: string) => s.replace(/\s+/g, '');

describeEachDatabase('the key notice with 工事番号 and the JV', (kind) => {
  let env: TestEnv;
  beforeEach(async () => {
    env = await setup(kind);
    await registerMishima(env);
  });
  afterEach(async () => env.close());

  describe('認証キーのお知らせ', () => {
    it('prints the 工事番号, the representative member and each member with its share', async () => {
      const body = jvContractBody();
      const { contractNumber } = await publish(env, {
        ...body,
        jointVenture: {
          ...(body.jointVenture as object),
          shares: [60, 40],
          representative: '富士見建設株式会社',
        },
        contractorContact: { name: '三島 花子', phone: '055-983-2600' },
      });
      const res = await env.app.request(`/api/v1/sureties/${contractNumber}/notice.pdf`, {
        headers: { authorization: `Bearer ${env.token}` },
      });
      expect(res.status).toBe(200);
      const pdf = new Uint8Array(await res.arrayBuffer());
      const seen = await readAsPerson(pdf);
      expect(seen.warnings).toBe('');
      expect(seen.blanks).toEqual([]);
      const text = squash(seen.text);
      for (const expected of [
        '工事番号',
        '第12号',
        '代表構成員',
        '富士見建設株式会社（60%）',
        '函南土木株式会社（40%）',
      ])
        expect(text).toContain(squash(expected));
      // The contact is for the surety company's staff: the notice goes to the contractor and on to the obligee.
      expect(text).not.toContain('三島花子');
      expect(text).not.toContain('055-983-2600');
      const dir = process.env.E2E_SCREENSHOT_DIR;
      if (dir && kind.name === 'sqlite') {
        fs.mkdirSync(dir, { recursive: true });
        fs.writeFileSync(path.join(dir, 'notice.pdf'), pdf);
        execFileSync('pdftoppm', [
          '-png',
          '-r',
          '80',
          '-singlefile',
          path.join(dir, 'notice.pdf'),
          path.join(dir, 'notice'),
        ]);
      }
    });
  });
});
