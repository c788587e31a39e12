// Prometheus metrics (prom-client): one registry per platform, served only on its own listener (ESURETY_METRICS_PORT),
// never by the public app. Counters are incremented where things happen; gauges that the database or the file system
// knows are read when scraped, so they are right across restarts and instances.
import fs from 'node:fs';
import { Hono } from 'hono';
import type { Kysely } from 'kysely';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Database } from '../db/schema.js';
import type { PdfRunnerStats } from './pdf/pool.js';
import { countAlerts } from './repositories/activity.js';
import { countOutboxByState } from './repositories/outbox.js';

export interface Metrics {
  registry: Registry;
  /** Seconds from a request's arrival at the app to its answer, by route pattern (never the raw path) and status. */
  httpDuration: Histogram<'method' | 'route' | 'status'>;
  verifications: Counter<'outcome'>;
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  return {
    registry,
    httpDuration: new Histogram({
      name: 'esurety_http_request_duration_seconds',
      help: 'HTTP request duration in seconds, by route pattern and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    verifications: new Counter({
      name: 'esurety_verifications_total',
      help: 'Verification attempts (number + key, every channel) by outcome',
      labelNames: ['outcome'],
      registers: [registry],
    }),
  };
}

export interface ProcessSources {
  db: Kysely<Database>;
  /** The SQLite file (its -wal beside it is measured); null on PostgreSQL. */
  sqliteFile: string | null;
  pdf: () => PdfRunnerStats | undefined;
}

/**
 * What only a serving process has: Node's process metrics (CPU, memory, GC, event-loop delay through
 * perf_hooks.monitorEventLoopDelay), the outbox, throttle alerts, the PDF pool and the SQLite WAL — read at scrape time.
 */
export function collectProcessMetrics(metrics: Metrics, sources: ProcessSources): void {
  const registers = [metrics.registry];
  collectDefaultMetrics({ register: metrics.registry });
  new Gauge({
    name: 'esurety_outbox_mail',
    help: 'Mail in the outbox by state (pending: waiting to be sent or retried; dead: given up)',
    labelNames: ['state'],
    registers,
    async collect() {
      const counts = await countOutboxByState(sources.db);
      this.set({ state: 'pending' }, counts.pending);
      this.set({ state: 'dead' }, counts.dead);
    },
  });
  new Gauge({
    name: 'esurety_throttle_alerts',
    help: 'Alerts raised for a contract number that collected many failed verifications (DESIGN §7), ever',
    registers,
    async collect() {
      this.set(await countAlerts(sources.db));
    },
  });
  new Gauge({
    name: 'esurety_pdf_jobs_held',
    help: 'PDF jobs held by the render pool (queued or being drawn)',
    registers,
    collect() {
      this.set(sources.pdf()?.held ?? 0);
    },
  });
  new Gauge({
    name: 'esurety_pdf_jobs_refused',
    help: 'PDF jobs refused since start-up (429): pool full, waited too long, or the event loop late',
    labelNames: ['reason'],
    registers,
    collect() {
      const refused = sources.pdf()?.refused;
      for (const reason of ['full', 'waited', 'late'] as const) this.set({ reason }, refused?.[reason] ?? 0);
    },
  });
  if (sources.sqliteFile) {
    const wal = `${sources.sqliteFile}-wal`;
    new Gauge({
      name: 'esurety_sqlite_wal_bytes',
      help: 'Size of the SQLite write-ahead log file',
      registers,
      collect() {
        this.set(fs.statSync(wal, { throwIfNoEntry: false })?.size ?? 0);
      },
    });
  }
}

/** The metrics listener's app: GET /metrics in the Prometheus text format, nothing else. */
export function metricsApp(metrics: Metrics): Hono {
  const app = new Hono();
  app.get('/metrics', async (c) =>
    c.body(await metrics.registry.metrics(), 200, { 'content-type': metrics.registry.contentType }),
  );
  return app;
}
