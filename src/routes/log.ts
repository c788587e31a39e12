// The public transparency log (DESIGN §12): verifier key, checkpoint and leaf inputs as text, proofs as JSON.
// Errors are §5 JSON bodies (the area's onError in app.ts).
import { Hono } from 'hono';
import type { ServiceContext } from '../services/context.js';
import {
  currentCheckpoint,
  logConsistency,
  logEntry,
  logInclusion,
  logNumber,
  logVerifierKey,
} from '../services/log-answers.js';
import type { AppEnv } from './http.js';

const TEXT = { 'content-type': 'text/plain; charset=utf-8' } as const;

export function logRoutes(ctx: ServiceContext): Hono<AppEnv> {
  const log = new Hono<AppEnv>();
  log.get('/key', (c) => c.body(logVerifierKey(ctx), 200, { ...TEXT, 'cache-control': 'public, max-age=86400' }));
  // Checkpoints change every second while publications arrive: never cached by a proxy.
  log.get('/checkpoint', async (c) =>
    c.body(await currentCheckpoint(ctx), 200, { ...TEXT, 'cache-control': 'no-cache' }),
  );
  log.get('/entries/:index', async (c) =>
    c.body(await logEntry(ctx, logNumber('index', c.req.param('index'))), 200, {
      ...TEXT,
      // A leaf never changes once it is in the tree.
      'cache-control': 'public, max-age=31536000, immutable',
    }),
  );
  log.get('/proof/inclusion', async (c) =>
    c.json(
      await logInclusion(ctx, logNumber('index', c.req.query('index')), logNumber('size', c.req.query('size'))),
      200,
    ),
  );
  log.get('/proof/consistency', async (c) =>
    c.json(
      await logConsistency(ctx, logNumber('from', c.req.query('from')), logNumber('size', c.req.query('size'))),
      200,
    ),
  );
  return log;
}
