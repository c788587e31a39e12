// The one log of every process: pino, one JSON object per line on stdout — time, level, service, version, msg, then
// the fields — with the paths that could carry a secret redacted as a second guard (the first: never log them).
import { createRequire } from 'node:module';
import pino, { type DestinationStream, type Logger as PinoLogger } from 'pino';

export type Logger = PinoLogger;

const { version } = createRequire(import.meta.url)('../package.json') as { version: string };

/**
 * Field paths censored wherever they appear (top level or one object down). Keys, passwords and tokens are never
 * passed to the logger on purpose; this catches the mistake of passing a request body or headers object whole.
 */
const REDACTED_PATHS = [
  'authKey',
  'password',
  'token',
  'cookie',
  'authorization',
  '*.authKey',
  '*.password',
  '*.token',
  '*.cookie',
  '*.authorization',
  '*.headers.cookie',
  '*.headers.authorization',
];

export interface LoggerOptions {
  /** Where lines go: a file descriptor (1 = stdout, 2 = stderr) or a stream; default stdout. */
  destination?: number | DestinationStream;
  /** Lowest level written (default info; `silent` writes nothing). */
  level?: pino.LevelWithSilent;
}

/**
 * A logger writing JSON lines. To a file descriptor they are written asynchronously: lines logged while a write is
 * under way leave together in the next one (a synchronous write per request cost ≈10 % of a verification's CPU), and
 * none waits for more to come. `logger.flush(cb)` before exiting.
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const destination =
    typeof (options.destination ?? 1) === 'number'
      ? pino.destination({ dest: (options.destination as number | undefined) ?? 1, sync: false })
      : (options.destination as DestinationStream);
  return pino(
    {
      level: options.level ?? 'info',
      base: { service: 'esurety', version },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    },
    destination,
  );
}

/** A logger that keeps its lines in memory, parsed (tests read them). */
export function memoryLogger(): Logger & { lines: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  const logger = createLogger({ destination: { write: (chunk: string) => void chunks.push(chunk) } });
  return Object.assign(logger, {
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  });
}
