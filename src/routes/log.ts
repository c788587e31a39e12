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
import { checkpointNoteOfSize, checkpointTimestamp, stampedSizes } from '../services/log-timestamps.js';
import type { AppEnv } from './http.js';

const TEXT = { 'content-type': 'text/plain; charset=utf-8' } as const;

export function logRoutes(ctx: ServiceContext): Hono<AppEnv> {
  const log = new Hono<AppEnv>();
  log.get('/key', (c) => c.body(logVerifierKey(ctx), 200, { ...TEXT, 'cache-control': 'public, max-age=86400' }));
  // Checkpoints change every second while publications arrive: never cached by a proxy.
  log.get('/checkpoint', async (c) =>
    c.body(await currentCheckpoint(ctx), 200, { ...TEXT, 'cache-control': 'no-cache' }),
  );
  // A stamped checkpoint never changes: its note (what the time-stamp covers) and the token are immutable.
  log.get('/checkpoint/:size', async (c) =>
    c.body(await checkpointNoteOfSize(ctx, logNumber('size', c.req.param('size'))), 200, {
      ...TEXT,
      'cache-control': 'public, max-age=31536000, immutable',
    }),
  );
  log.get('/checkpoint/:size/timestamp', async (c) =>
    c.body(await checkpointTimestamp(ctx, logNumber('size', c.req.param('size'))), 200, {
      'content-type': 'application/timestamp-reply',
      'cache-control': 'public, max-age=31536000, immutable',
    }),
  );
  // Which checkpoint sizes carry a time-stamp (ascending, a page after `after`): how a monitor finds them.
  log.get('/timestamps', async (c) => {
    const after = c.req.query('after');
    return c.json(await stampedSizes(ctx, after === undefined ? 0 : logNumber('after', after)), 200);
  });
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
