// `log:monitor --url <base> --state <file>`: an outsider's watch over the transparency log (DESIGN §12). From the
// last checkpoint it saw, it checks the new checkpoint's signature, that the log neither shrank nor forked (a
// consistency proof, or the same root at the same size), and that the new entries hash — with the saved frontier —
// to the signed root, so an altered, deleted or reordered leaf row shows. The state only advances when all holds.
import fs from 'node:fs';
import path from 'node:path';
import { Frontier, leafHash, verifyConsistency } from '../log/merkle.js';
import { openNote, parseCheckpointBody, parseVerifierKey } from '../log/note.js';
import { auditEntries, AuditorTokenRefused, type LoggedEntry } from './log-monitor-audit.js';
import { checkStamps, type StampProgress } from './log-monitor-stamps.js';
import { isLoopbackHost } from './trusted-keys.js';

export interface MonitorState {
  url: string;
  verifierKey: string;
  size: number;
  root: string;
  frontier: string[];
  checkpoint: string;
  /** How far the checkpoints' time-stamps were checked (absent in state files written before stamps existed). */
  stamps?: StampProgress;
}

export type MonitorResult =
  | { ok: true; from: number; size: number; entries: number; stamps: number; audited: boolean; state: MonitorState }
  | { ok: false; violation: string; from: number };

type Fetch = (url: string, init?: RequestInit) => Promise<Response>;

export function readMonitorState(file: string): MonitorState | null {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as MonitorState;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new Error(`cannot read the monitor state ${file}: ${(error as Error).message}`, { cause: error });
  }
}

export function writeMonitorState(file: string, state: MonitorState): void {
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temp, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  fs.renameSync(temp, file);
}

class Violation extends Error {}

async function text(fetchFn: Fetch, url: string): Promise<string> {
  const res = await fetchFn(url);
  if (res.status !== 200) throw new Violation(`GET ${url} answered ${res.status}`);
  return res.text();
}

/**
 * Follows the log at `base` from `previous` (null: from the empty tree). `pinnedKey` (a verifier key given by the
 * operator) overrides trust on first use.
 */
export async function monitorLog(
  base: string,
  previous: MonitorState | null,
  options: {
    fetch?: Fetch;
    pinnedKey?: string;
    now?: () => Date;
    /** An auditor's read-only issuer token: each new entry's version is fetched and checked (log-monitor-audit.ts). */
    auditorToken?: string;
  } = {},
): Promise<MonitorResult> {
  const fetchFn = options.fetch ?? ((url: string, init?: RequestInit) => fetch(url, init));
  const root = base.replace(/\/+$/, '');
  const from = previous?.size ?? 0;
  try {
    const servedKey = (await text(fetchFn, `${root}/log/key`)).trim();
    const trustedKey = options.pinnedKey ?? previous?.verifierKey ?? servedKey;
    if (servedKey !== trustedKey) {
      throw new Violation(`the log key changed: expected ${trustedKey}, the log serves ${servedKey}`);
    }
    const verifier = parseVerifierKey(trustedKey);
    const note = await text(fetchFn, `${root}/log/checkpoint`);
    const opened = openNote(note, verifier);
    if (!opened.ok) {
      throw new Violation(
        opened.problem === 'bad_signature'
          ? 'bad signature: the checkpoint is not signed by the log key'
          : `the checkpoint is ${opened.problem === 'unsigned' ? 'not signed by the log key' : 'not a signed note'}`,
      );
    }
    const checkpoint = parseCheckpointBody(opened.body);
    if (!checkpoint) throw new Violation('the checkpoint body is not origin / size / root');
    if (checkpoint.origin !== verifier.name) {
      throw new Violation(`the checkpoint's origin ${checkpoint.origin} is not the key's ${verifier.name}`);
    }
    const newRoot = checkpoint.root.toString('base64');
    if (previous) {
      if (checkpoint.size < previous.size) {
        throw new Violation(
          `the log shrank: it was ${previous.size} entries (root ${previous.root}), now ${checkpoint.size}`,
        );
      }
      if (checkpoint.size === previous.size && newRoot !== previous.root) {
        throw new Violation(
          `fork: two checkpoints of size ${checkpoint.size} with different roots (${previous.root} seen before, ` +
            `${newRoot} now)`,
        );
      }
      if (checkpoint.size > previous.size && previous.size > 0) {
        const res = await fetchFn(`${root}/log/proof/consistency?from=${previous.size}&size=${checkpoint.size}`);
        if (res.status !== 200) {
          throw new Violation(
            `the log cannot prove that size ${checkpoint.size} extends size ${previous.size}: GET answered ` +
              `${res.status} (an entry or subtree hash is missing from the log)`,
          );
        }
        const body = (await res.json().catch(() => null)) as { proof?: unknown } | null;
        const proof = Array.isArray(body?.proof) ? (body.proof as string[]).map((p) => Buffer.from(p, 'base64')) : null;
        if (
          !proof ||
          !verifyConsistency(
            previous.size,
            checkpoint.size,
            proof,
            Buffer.from(previous.root, 'base64'),
            checkpoint.root,
          )
        ) {
          throw new Violation(
            `fork: the checkpoint of size ${checkpoint.size} is not consistent with the one of size ` +
              `${previous.size} seen before (the log was rewritten)`,
          );
        }
      }
    }
    const frontier = previous
      ? Frontier.from(
          previous.size,
          previous.frontier.map((h) => Buffer.from(h, 'base64')),
        )
      : new Frontier();
    const logged: LoggedEntry[] = [];
    for (let i = frontier.size; i < checkpoint.size; i++) {
      const res = await fetchFn(`${root}/log/entries/${i}`);
      if (res.status !== 200) throw new Violation(`entry ${i} is missing: GET answered ${res.status}`);
      const entry = Buffer.from((await res.text()).trim(), 'base64');
      if (entry.length !== 32) throw new Violation(`entry ${i} is not a 32-byte digest`);
      frontier.append(leafHash(entry));
      if (options.auditorToken) logged.push({ index: i, digest: entry });
    }
    if (checkpoint.size > 0 && Buffer.from(frontier.root()).toString('base64') !== newRoot) {
      throw new Violation(
        `the entries ${from}…${checkpoint.size - 1} do not hash to the signed root of size ${checkpoint.size}: ` +
          'a leaf was altered, deleted or reordered',
      );
    }
    if (options.auditorToken) {
      const problem = await auditEntries(fetchFn, root, options.auditorToken, logged);
      if (problem) throw new Violation(problem);
    }
    const stamps = await checkStamps(
      fetchFn,
      root,
      verifier,
      { size: checkpoint.size, root: checkpoint.root },
      previous?.stamps ?? { through: 0, time: null },
      options.now?.() ?? new Date(),
    );
    if (!stamps.ok) throw new Violation(stamps.violation);
    return {
      ok: true,
      from,
      size: checkpoint.size,
      entries: checkpoint.size - from,
      stamps: stamps.checked,
      audited: options.auditorToken !== undefined,
      state: {
        url: root,
        verifierKey: trustedKey,
        size: checkpoint.size,
        root: newRoot,
        frontier: frontier.hashes().map((h) => Buffer.from(h).toString('base64')),
        checkpoint: note,
        stamps: stamps.progress,
      },
    };
  } catch (error) {
    if (error instanceof Violation) return { ok: false, violation: error.message, from };
    if (error instanceof Error && /verifier key/.test(error.message)) {
      return { ok: false, violation: `the log key is unusable: ${error.message}`, from };
    }
    throw error;
  }
}

/**
 * The auditor token, never from the command line (it would show in `ps` and shell history): `--token-file <path>`,
 * else ESURETY_AUDITOR_TOKEN, else the file named by ESURETY_AUDITOR_TOKEN_FILE; undefined when none is given.
 * @throws Error when a named file cannot be read or is empty
 */
export function auditorTokenFrom(tokenFile: string | undefined, env: NodeJS.ProcessEnv): string | undefined {
  const file = tokenFile ?? (env.ESURETY_AUDITOR_TOKEN ? undefined : env.ESURETY_AUDITOR_TOKEN_FILE);
  if (file === undefined) return env.ESURETY_AUDITOR_TOKEN?.trim() || undefined;
  let token: string;
  try {
    token = fs.readFileSync(file, 'utf8').trim();
  } catch (error) {
    throw new Error(`cannot read the auditor token file ${file}: ${(error as NodeJS.ErrnoException).code}`, {
      cause: error,
    });
  }
  if (!token) throw new Error(`the auditor token file ${file} is empty`);
  return token;
}

/** An issuer token crosses the network only encrypted: https, or plain http to a loopback address. */
function sendsTokenSafely(base: string): boolean {
  try {
    const url = new URL(base);
    return url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname));
  } catch {
    return false;
  }
}

/** The CLI command: exit 0 and a one-line summary, 1 with a plain report of a violation, 2 for a usage problem. */
export async function logMonitorCommand(args: {
  url: string | undefined;
  stateFile: string | undefined;
  pinnedKey: string | undefined;
  tokenFile: string | undefined;
}): Promise<number> {
  const { url, stateFile, pinnedKey } = args;
  if (!url) {
    console.error('log:monitor needs --url <base URL of the platform> (and --state <file> to follow it over time)');
    return 2;
  }
  let auditorToken: string | undefined;
  try {
    auditorToken = auditorTokenFrom(args.tokenFile, process.env);
  } catch (error) {
    console.error((error as Error).message);
    return 2;
  }
  if (auditorToken && !sendsTokenSafely(url)) {
    console.error(
      'log:monitor sends an auditor token only over https: (or http: to this machine, 127.0.0.1 / localhost)',
    );
    return 2;
  }
  const previous = stateFile ? readMonitorState(stateFile) : null;
  let result: MonitorResult;
  try {
    result = await monitorLog(url, previous, {
      ...(pinnedKey ? { pinnedKey } : {}),
      ...(auditorToken ? { auditorToken } : {}),
    });
  } catch (error) {
    if (!(error instanceof AuditorTokenRefused)) throw error;
    console.error(`${error.message}; the state file was not changed`);
    return 2;
  }
  if (!result.ok) {
    console.log(`VIOLATION in the transparency log at ${url}`);
    console.log(`  ${result.violation}`);
    console.log(`  last good checkpoint: size ${result.from}${previous ? ` (root ${previous.root})` : ''}`);
    console.log('  the state file was not changed; keep it and this report as evidence');
    return 1;
  }
  if (stateFile) writeMonitorState(stateFile, result.state);
  console.log(
    `ok: log ${result.state.verifierKey.split('+')[0]} grew from ${result.from} to ${result.size} entries ` +
      `(${result.entries} checked${result.audited ? ', each version fetched and re-verified as auditor' : ''}), ` +
      `consistent and signed; ${result.stamps} checkpoint time-stamp(s) checked; root ${result.state.root}`,
  );
  return 0;
}
