// Readers for the deployment files, as Docker and systemd read them: Dockerfile stages and instructions, .dockerignore
// rules, unit files. Small on purpose: enough for test/platform/deploy-files.test.ts to check what operators rely on.
import path from 'node:path';

// Dockerfile

export interface Instruction {
  keyword: string;
  flags: Record<string, string>;
  args: string;
  line: number;
}
export interface Stage {
  image: string;
  name: string | undefined;
  instructions: Instruction[];
}

/** Stages with their instructions: comments dropped, continuation lines joined, leading --flags split off. */
export function parseDockerfile(text: string): Stage[] {
  const stages: Stage[] = [];
  let pending = '';
  let startLine = 0;
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (line.startsWith('#') || (line === '' && pending === '')) return;
    if (pending === '') startLine = index + 1;
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1)} `;
      return;
    }
    const full = (pending + line).trim();
    pending = '';
    const [, keyword = '', rest = ''] = /^(\S+)\s*([\s\S]*)$/.exec(full) ?? [];
    const flags: Record<string, string> = {};
    let args = rest;
    for (let m = /^--([\w-]+)(?:=(\S*))?\s+/.exec(args); m; m = /^--([\w-]+)(?:=(\S*))?\s+/.exec(args)) {
      flags[m[1]!] = m[2] ?? '';
      args = args.slice(m[0].length);
    }
    const instruction = { keyword: keyword.toUpperCase(), flags, args, line: startLine };
    if (instruction.keyword === 'FROM') {
      const [image = '', as, name] = args.split(/\s+/);
      stages.push({ image, name: as?.toUpperCase() === 'AS' ? name : undefined, instructions: [] });
    } else {
      if (stages.length === 0) throw new Error(`line ${startLine}: ${keyword} before FROM`);
      stages.at(-1)!.instructions.push(instruction);
    }
  });
  return stages;
}

/** The instruction that counts when a keyword appears more than once (CMD, USER, …). */
export const last = (stage: Stage, keyword: string) => stage.instructions.filter((i) => i.keyword === keyword).at(-1);

/** Arguments of an exec-form (JSON array) or shell-form instruction. */
export function words(args: string): string[] {
  return args.startsWith('[') ? (JSON.parse(args) as string[]) : args.split(/\s+/).filter(Boolean);
}

/** ENV in both forms: `ENV A=1 B=2` and the legacy `ENV A 1`. */
export function envOf(stage: Stage): Record<string, string> {
  const env: Record<string, string> = {};
  for (const i of stage.instructions.filter((x) => x.keyword === 'ENV')) {
    if (!/^[\w.-]+=/.test(i.args)) {
      const [key = '', ...value] = i.args.split(/\s+/);
      env[key] = value.join(' ');
      continue;
    }
    for (const m of i.args.matchAll(/([\w.-]+)=("(?:[^"\\]|\\.)*"|\S*)/g)) {
      env[m[1]!] = m[2]!.startsWith('"') ? (JSON.parse(m[2]!) as string) : m[2]!;
    }
  }
  return env;
}

/** The .dockerignore rules (Docker's: anchored at the context root, `**` any depth, a match excludes everything below). */
export function dockerignore(text: string): (file: string) => boolean {
  const toRegExp = (pattern: string) => {
    // `**/` any folders (or none), `**` anything, `*` and `?` within one path segment.
    const glob: Record<string, string> = { '**/': '(?:.*/)?', '**': '.*', '*': '[^/]*', '?': '[^/]' };
    const re = pattern
      .split(/(\*\*\/|\*\*|\*|\?)/)
      .map((part) => glob[part] ?? part.replace(/[.+^${}()|[\]\\]/g, '\\$&'))
      .join('');
    return new RegExp(`^${re}$`);
  };
  const rules = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => {
      const negate = l.startsWith('!');
      const pattern = path.posix
        .normalize(negate ? l.slice(1).trim() : l)
        .replace(/^\/+/, '')
        .replace(/\/+$/, '');
      return { negate, re: toRegExp(pattern) };
    });
  return (file) => {
    const parts = path.posix.normalize(file).replace(/^\.\//, '').split('/');
    const candidates = parts.map((_, i) => parts.slice(0, i + 1).join('/'));
    let ignored = false;
    for (const rule of rules) if (candidates.some((c) => rule.re.test(c))) ignored = !rule.negate;
    return ignored;
  };
}

export interface Copy {
  stage: Stage;
  from: string | undefined;
  sources: string[];
  /** Absolute path in the image. */
  dest: string;
  line: number;
}

export function copiesOf(stages: Stage[]): Copy[] {
  const copies: Copy[] = [];
  for (const stage of stages) {
    let workdir = '/';
    for (const i of stage.instructions) {
      if (i.keyword === 'WORKDIR') workdir = path.posix.resolve(workdir, i.args.trim());
      if (i.keyword !== 'COPY' && i.keyword !== 'ADD') continue;
      const parts = words(i.args);
      const target = parts.pop() ?? '';
      const dest = path.posix.resolve(workdir, target) + (target.endsWith('/') || parts.length > 1 ? '/' : '');
      copies.push({ stage, from: i.flags.from, sources: parts, dest, line: i.line });
    }
  }
  return copies;
}

/** Where a COPY puts one of its sources. */
export function destinationOf(copy: Copy, source: string, isDirectory: boolean): string {
  if (isDirectory || !copy.dest.endsWith('/')) return copy.dest.replace(/\/$/, '') || '/';
  return path.posix.join(copy.dest, path.posix.basename(source));
}

export function workdirOf(stage: Stage): string {
  return stage.instructions
    .filter((i) => i.keyword === 'WORKDIR')
    .reduce((dir, i) => path.posix.resolve(dir, i.args.trim()), '/');
}

// systemd

/** Keys systemd knows, per section (the ones an example like ours may use): a misspelt key is ignored by systemd with
 * only a log line, so a sandbox setting would silently not apply. */
export const KNOWN_KEYS: Record<string, string[]> = Object.fromEntries(
  Object.entries({
    Unit: `Description Documentation After Before Wants Requires BindsTo PartOf Conflicts Requisite OnFailure
      ConditionPathExists AssertPathExists StartLimitIntervalSec StartLimitBurst DefaultDependencies`,
    Service: `Type User Group DynamicUser SupplementaryGroups WorkingDirectory Environment EnvironmentFile ExecStartPre
      ExecStart ExecStartPost ExecReload ExecStop ExecStopPost Restart RestartSec TimeoutStartSec TimeoutStopSec
      TimeoutSec KillSignal KillMode FinalKillSignal SendSIGKILL SuccessExitStatus StateDirectory StateDirectoryMode
      CacheDirectory LogsDirectory RuntimeDirectory RuntimeDirectoryMode ConfigurationDirectory ReadWritePaths
      ReadOnlyPaths InaccessiblePaths LoadCredential LoadCredentialEncrypted LimitNOFILE MemoryMax MemoryHigh
      CPUQuota TasksMax UMask Nice IOSchedulingClass IOSchedulingPriority OOMScoreAdjust StandardOutput
      StandardError SyslogIdentifier NoNewPrivileges CapabilityBoundingSet AmbientCapabilities ProtectSystem
      ProtectHome PrivateTmp PrivateDevices PrivateNetwork PrivateUsers PrivateIPC ProtectKernelTunables
      ProtectKernelModules ProtectKernelLogs ProtectControlGroups ProtectClock ProtectHostname ProtectProc
      ProcSubset RestrictNamespaces RestrictRealtime RestrictSUIDSGID LockPersonality RemoveIPC
      RestrictAddressFamilies IPAddressAllow IPAddressDeny SocketBindAllow SocketBindDeny SystemCallArchitectures
      SystemCallFilter SystemCallErrorNumber MemoryDenyWriteExecute DevicePolicy DeviceAllow KeyringMode`,
    Timer: `OnCalendar OnBootSec OnStartupSec OnActiveSec OnUnitActiveSec OnUnitInactiveSec Persistent RandomizedDelaySec
      FixedRandomDelay AccuracySec Unit WakeSystem`,
    Install: `WantedBy RequiredBy Alias Also`,
  }).map(([section, keys]) => [section, keys.split(/\s+/)]),
);

export type Unit = Record<string, Record<string, string[]>>;

/** A unit file as section → key → values (in order); throws naming the line of anything systemd would ignore. */
export function parseUnit(text: string, name: string): Unit {
  const unit: Unit = {};
  let section: string | undefined;
  const lines = text.replace(/\\\n/g, ' ').split('\n');
  lines.forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) return;
    const where = `${name}:${index + 1}`;
    const header = /^\[(\w+)\]$/.exec(line);
    if (header) {
      section = header[1]!;
      if (!(section in KNOWN_KEYS)) throw new Error(`${where}: unknown section [${section}]`);
      unit[section] ??= {};
      return;
    }
    const pair = /^([A-Za-z][A-Za-z0-9]*)\s*=\s*(.*)$/.exec(line);
    if (!pair) throw new Error(`${where}: not a key=value line: ${line}`);
    if (!section) throw new Error(`${where}: ${pair[1]} outside a section`);
    if (!KNOWN_KEYS[section]!.includes(pair[1]!)) throw new Error(`${where}: unknown key ${pair[1]} in [${section}]`);
    (unit[section]![pair[1]!] ??= []).push(pair[2]!);
  });
  return unit;
}

export const one = (unit: Unit, section: string, key: string) => unit[section]?.[key]?.at(-1);
export const all = (unit: Unit, section: string, key: string) => unit[section]?.[key] ?? [];
