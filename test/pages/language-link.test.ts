// The language switch of every public page, the 404 page included, stays on this site whatever the requested path.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDatabase, setup, type TestEnv } from '../support/harness.js';

const SITE = 'http://localhost:3000';

describeEachDatabase('language link', (kind) => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await setup(kind);
  });
  afterAll(async () => env?.close());

  /** Where the page's language link leads, resolved the way a browser resolves it against the page's own URL. */
  async function languageLink(path: string): Promise<{ status: number; target: URL }> {
    const res = await env.app.request(`${SITE}${path}`);
    const href = /<a class="lang-switch" href="([^"]*)"/.exec(await res.text())?.[1];
    expect(href).toBeDefined();
    return { status: res.status, target: new URL(href!.replaceAll('&amp;', '&'), `${SITE}${path}`) };
  }

  it.each(['//evil.example/', '//evil.example', '/\\evil.example/', '///evil.example/x'])(
    'keeps the 404 page for %s linking to this site',
    async (path) => {
      const { status, target } = await languageLink(path);
      expect(status).toBe(404);
      expect(target.origin).toBe(SITE);
      expect(target.searchParams.get('lang')).toBe('en');
    },
  );

  it('switches language on the same page, and from /verify back to the form', async () => {
    const obligees = await languageLink('/obligees');
    expect(`${obligees.target.pathname}${obligees.target.search}`).toBe('/obligees?lang=en');
    const res = await env.app.request(`${SITE}/verify`, {
      method: 'POST',
      headers: { origin: SITE, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'contractNumber=12345-000001&authKey=x',
    });
    expect(await res.text()).toContain('<a class="lang-switch" href="/?lang=en"');
  });
});
