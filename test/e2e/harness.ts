// Browser test harness: the real app on a free loopback port over a fresh data dir, and Debian's Chromium.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { createRequire } from 'node:module';
import { chromium, type Browser, type Page } from 'playwright-core';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { openPlatform } from '../../src/platform.js';
import type { Actor } from '../../src/services/context.js';
import { publishSurety } from '../../src/services/publish-surety.js';
import { publishVersion } from '../../src/services/publish-version.js';
import { seedDemo, type DemoSurety } from '../../src/services/seed-demo.js';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** The launch flags DESIGN §9 names: no network chatter, no GPU, no sandbox (CI runs as root). */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

export function chromiumInstalled(): boolean {
  return fs.existsSync(CHROMIUM_PATH);
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
}

const axeSource = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/**
 * axe-core's WCAG 2.1 A/AA findings of impact serious or critical on the page, one line each (empty when none).
 * Evaluated over CDP, so the page's CSP stays as strict as in production.
 */
export async function axeProblems(page: Page): Promise<string[]> {
  await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const w = window as unknown as {
      axe: {
        run(o: object): Promise<{ violations: { id: string; impact: string; nodes: { target: string[] }[] }[] }>;
      };
    };
    const result = await w.axe.run({
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
    });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      targets: v.nodes.map((n) => n.target.join(' ')),
    }));
  });
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${page.url()} ${v.id} (${v.impact}): ${v.targets.slice(0, 3).join(', ')}`);
}

export interface ExtraSureties {
  /** A contract guarantee that was cancelled (取消). */
  cancelled: { contractNumber: string; authKey: string };
  /** An advance guarantee whose guarantee period ended in the past, with a 減額 change. */
  expired: { contractNumber: string; authKey: string };
}

export interface TestServer {
  baseUrl: string;
  dataDir: string;
  demo: DemoSurety[];
  extra: ExtraSureties | null;
  close(): Promise<void>;
}

const actor: Actor = { type: 'system', id: 'test:e2e' };

async function publishExtras(ctx: Parameters<typeof publishSurety>[0]): Promise<ExtraSureties> {
  const works = {
    name: '三島市民体育館屋根改修工事',
    number: '令和7年度 第31号',
    location: '静岡県三島市南田町地内',
    contractDate: '2026-01-20',
    period: { from: '2026-01-21', to: '2026-03-25' },
  };
  const contractor = { name: '箱根西麓工業株式会社', address: '静岡県三島市中央町5番5号' };
  const cancelled = await publishSurety(ctx, actor, {
    product: 'contract',
    obligeeId: 'mishima-city',
    contractor,
    works: { ...works, period: { from: '2026-02-02', to: '2027-12-24' }, contractDate: '2026-02-01' },
    contractAmount: 31_900_000,
    guaranteeAmount: 3_190_000,
    guaranteePeriod: { from: '2026-02-02', to: '2027-12-24' },
    guaranteeDate: '2026-02-01',
  });
  await publishVersion(ctx, actor, cancelled.contractNumber, {
    event: 'cancellation',
    reason: '請負契約の解除による取消',
  });
  const expired = await publishSurety(ctx, actor, {
    product: 'advance_payment',
    obligeeId: 'mishima-city',
    contractor,
    works,
    contractAmount: 12_100_000,
    guaranteeAmount: 4_840_000,
    advanceAmount: 4_840_000,
    depositBank: '静岡中央銀行 三島支店',
    guaranteePeriod: { from: '2026-01-21', to: '2026-04-30' },
    guaranteeDate: '2026-01-23',
  });
  await publishVersion(ctx, actor, expired.contractNumber, {
    event: 'change',
    changes: { contractAmount: 11_000_000, guaranteeAmount: 4_400_000, advanceAmount: 4_400_000 },
    reason: '請負代金額の減額に伴う保証金額の減額',
  });
  return {
    cancelled: { contractNumber: cancelled.contractNumber, authKey: cancelled.authKey },
    expired: { contractNumber: expired.contractNumber, authKey: expired.authKey },
  };
}

/**
 * Starts the real app (same middleware, CSP and routes as `npm start`) on 127.0.0.1 with a fresh SQLite data dir and
 * the demo data set. The port is taken from the OS first and the public URL set from it afterwards, so the CSRF
 * origin check sees the origin the browser really uses, without racing another process for a guessed port.
 */
export async function startServer(options: { extras?: boolean; clock?: () => Date } = {}): Promise<TestServer> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'esurety-e2e-'));
  const env = { NODE_ENV: 'test', HOST: '127.0.0.1', PORT: '0', ESURETY_DATA_DIR: dataDir, ESURETY_DEMO: '0' };
  const platform = await openPlatform(loadConfig(env), options.clock ? { clock: options.clock } : undefined);
  const demo = await seedDemo(platform.ctx);
  const extra = options.extras ? await publishExtras(platform.ctx) : null;
  platform.ctx.recorder.start();

  let fetchApp: ((request: Request) => Response | Promise<Response>) | null = null;
  const server = serve({
    fetch: (request: Request) => (fetchApp ? fetchApp(request) : new Response('starting', { status: 503 })),
    port: 0,
    hostname: '127.0.0.1',
  });
  await new Promise<void>((resolve) => (server.listening ? resolve() : server.once('listening', () => resolve())));
  const port = (server.address() as AddressInfo).port;
  const baseUrl = `http://127.0.0.1:${port}`;
  const config = loadConfig({ ...env, PORT: String(port), ESURETY_PUBLIC_URL: baseUrl });
  fetchApp = createApp({ ...platform.ctx, config }).fetch;

  return {
    baseUrl,
    dataDir,
    demo,
    extra,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await platform.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
