// Command-line parsing for `layerwise` (no dependency: the grammar is small and errors must be precise).
export class CliError extends Error {}

export interface ParsedArgs {
  command: string;
  dockerfile?: string;
  context?: string;
  since?: string;
  changed?: string[];
  buildArgs: Record<string, string>;
  baselineBuildArgs?: Record<string, string>;
  /** `--no-baseline-build-args`: the baseline was built without build args. */
  noBaselineBuildArgs?: boolean;
  target?: string;
  /** `--baseline-target`: the stage the baseline was built for (default: --target). */
  baselineTarget?: string;
  /** `--platform` / `--baseline-platform`: the platform built for (default: the host's). */
  platform?: string;
  baselinePlatform?: string;
  buildkitVersion?: string;
  format: string;
  /** `check`: files or folders. */
  paths?: string[];
  fix?: boolean;
  /** `--quiet`: no progress on stderr. */
  quiet?: boolean;
  severityThreshold?: string;
  config?: string;
  /** `history`: how many commits to replay. */
  commits?: number;
  /** `import-build`: the log file ('-' = stdin). */
  log?: string;
  /** `--report FORMAT=FILE`: also write the result in FORMAT to FILE (check, explain). */
  reports?: { format: string; file: string }[];
}

const BOOL_FLAGS = new Set(['--fix', '--quiet', '-q', '--no-baseline-build-args']);
const VALUE_FLAGS = new Set(['--severity-threshold', '--config', '--context', '--since', '--build-arg', '--baseline-build-arg', '--target', '--format', '--buildkit-version', '--changed', '--commits', '--report', '--baseline-target', '--platform', '--baseline-platform']);
const BASELINE_COMMANDS = ['explain', 'import-build'];

/** Fails before any work when --format or a --report format is not one `command` renders. */
export function requireFormats(a: ParsedArgs, command: string, allowed: string[]): void {
  for (const [flag, f] of [['--format', a.format], ...(a.reports ?? []).map((r) => ['--report', r.format])] as [string, string][])
    if (!allowed.includes(f)) throw new CliError(`${flag} ${f} is not available for ${command} (${allowed.join(', ')})`);
}

function parseBuildArg(flag: string, v: string, env: NodeJS.ProcessEnv): [string, string] | null {
  const eq = v.indexOf('=');
  const key = eq < 0 ? v : v.slice(0, eq);
  if (!/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(key)) throw new CliError(`${flag} "${v}": expected NAME=VALUE`);
  if (eq >= 0) return [key, v.slice(eq + 1)];
  // like docker build: a bare NAME takes its value from the environment, and is skipped when unset
  const fromEnv = env[key];
  return fromEnv === undefined ? null : [key, fromEnv];
}

export function parseArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): ParsedArgs {
  const out: ParsedArgs = { command: '', buildArgs: {}, format: 'text' };
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    let a = argv[i]!;
    if (a === '-h' || a === '--help') return { ...out, command: 'help' };
    if (a === '-V' || a === '--version') return { ...out, command: 'version' };
    let inline: string | undefined;
    if (a.startsWith('--') && a.includes('=')) {
      inline = a.slice(a.indexOf('=') + 1);
      a = a.slice(0, a.indexOf('='));
    }
    if (BOOL_FLAGS.has(a)) {
      if (inline !== undefined) throw new CliError(`${a} takes no value`);
      if (a === '--fix') out.fix = true;
      else if (a === '--no-baseline-build-args') out.noBaselineBuildArgs = true;
      else out.quiet = true;
      continue;
    }
    if (a.startsWith('-') && a !== '-') {
      if (!VALUE_FLAGS.has(a)) throw new CliError(`unknown option ${a} (see layerwise --help)`);
      const take = (): string => {
        if (inline !== undefined) return inline;
        const v = argv[++i];
        if (v === undefined || (v.startsWith('--') && v.length > 2)) throw new CliError(`${a} needs a value`);
        return v;
      };
      switch (a) {
        case '--context': out.context = take(); break;
        case '--since': out.since = take(); break;
        case '--target': out.target = take(); break;
        case '--baseline-target': out.baselineTarget = take(); break;
        case '--platform':
        case '--baseline-platform': {
          const v = take();
          if (!/^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+){0,2}$/.test(v)) throw new CliError(`${a} "${v}": expected a platform such as linux/amd64 or linux/arm64`);
          if (a === '--platform') out.platform = v;
          else out.baselinePlatform = v;
          break;
        }
        case '--format': out.format = take(); break;
        case '--config': out.config = take(); break;
        case '--report': {
          const v = take();
          const eq = v.indexOf('=');
          if (eq <= 0 || eq === v.length - 1) throw new CliError(`--report "${v}": expected FORMAT=FILE, e.g. sarif=layerwise.sarif`);
          (out.reports ??= []).push({ format: v.slice(0, eq), file: v.slice(eq + 1) });
          break;
        }
        case '--commits': {
          const v = take();
          if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > 1_000_000) throw new CliError(`--commits "${v}": expected a positive number of commits`);
          out.commits = Number(v);
          break;
        }
        case '--severity-threshold': {
          const v = take();
          if (!['info', 'warning', 'error'].includes(v)) throw new CliError(`--severity-threshold "${v}": expected info, warning or error`);
          out.severityThreshold = v;
          break;
        }
        case '--buildkit-version': {
          const v = take();
          if (!/^v?\d+(\.\d+){0,2}$|^latest$/.test(v)) throw new CliError(`--buildkit-version "${v}": expected a version such as 0.8 or 0.24`);
          out.buildkitVersion = v;
          break;
        }
        case '--build-arg': {
          const kv = parseBuildArg(a, take(), env);
          if (kv) out.buildArgs[kv[0]] = kv[1];
          break;
        }
        case '--baseline-build-arg': {
          const kv = parseBuildArg(a, take(), env);
          out.baselineBuildArgs ??= {};
          if (kv) out.baselineBuildArgs[kv[0]] = kv[1];
          break;
        }
        case '--changed': {
          out.changed ??= [];
          out.changed.push(take());
          // `--changed a b c`: following words that are not options are more paths
          while (inline === undefined && i + 1 < argv.length && !argv[i + 1]!.startsWith('-')) out.changed.push(argv[++i]!);
          break;
        }
      }
      continue;
    }
    positional.push(a);
  }
  if (positional.length === 0) return { ...out, command: 'help' };
  out.command = positional[0]!;
  if (out.command === 'check') out.paths = positional.slice(1);
  else if (out.command === 'import-build') {
    // import-build LOG [DOCKERFILE]
    if (positional.length > 3) throw new CliError(`unexpected argument "${positional[3]}" (import-build LOG [DOCKERFILE])`);
    out.log = positional[1];
    out.dockerfile = positional[2];
    if (out.fix) throw new CliError('--fix only applies to check');
  } else {
    if (positional.length > 2) throw new CliError(`unexpected argument "${positional[2]}" (one DOCKERFILE at most)`);
    out.dockerfile = positional[1];
    if (out.fix) throw new CliError('--fix only applies to check');
  }
  if (out.reports && !['check', 'explain'].includes(out.command)) throw new CliError('--report only applies to check and explain');
  if (out.commits !== undefined && out.command !== 'history') throw new CliError('--commits only applies to history');
  if (out.since !== undefined && out.changed) throw new CliError('--since and --changed cannot be combined');
  const baselineFlag = out.baselineBuildArgs ? '--baseline-build-arg' : out.noBaselineBuildArgs ? '--no-baseline-build-args' : out.baselineTarget !== undefined ? '--baseline-target' : out.baselinePlatform !== undefined ? '--baseline-platform' : null;
  if (baselineFlag && !BASELINE_COMMANDS.includes(out.command)) throw new CliError(`${baselineFlag} only applies to explain and import-build`);
  if (out.baselineBuildArgs && out.noBaselineBuildArgs) throw new CliError('--baseline-build-arg and --no-baseline-build-args cannot be combined');
  return out;
}
