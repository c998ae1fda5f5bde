// `layerwise layers IMAGE [DOCKERFILE]`: each layer of a built image, the step that made it, its size and the bytes it
// wastes (files a later layer deletes or overwrites). The image export is read through context/ (the Engine API
// client); the analysis is the engine's (engine/layers.ts).
import { analyze, type AnalyzeOptions } from '../engine';
import { humanSize } from '../engine/buildcache';
import { imageLayers, type LayersReport } from '../engine/layers';
import { connect, DockerError } from '../context/docker';
import { readImageLayers } from '../context/layers';
import { hostPlatform } from '../context/platform';
import { CliError } from './args';
import { readDockerfile } from './input';

const USAGE = 'layerwise layers IMAGE [DOCKERFILE] [--build-arg K=V ...] [--target STAGE] [--format text|json]';

interface LayersArgs {
  image: string;
  dockerfile?: string;
  format: 'text' | 'json';
  buildArgs: Record<string, string>;
  target?: string;
}

export function parseLayersArgs(argv: string[]): LayersArgs {
  const pos: string[] = [];
  const a: LayersArgs = { image: '', format: 'text', buildArgs: {} };
  for (let i = 0; i < argv.length; i++) {
    let arg = argv[i]!;
    let inline: string | undefined;
    if (arg.startsWith('--') && arg.includes('=')) {
      inline = arg.slice(arg.indexOf('=') + 1);
      arg = arg.slice(0, arg.indexOf('='));
    }
    const take = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new CliError(`${arg} needs a value (${USAGE})`);
      return v;
    };
    if (arg === '--format') {
      const f = take();
      if (f !== 'text' && f !== 'json') throw new CliError(`--format ${f} is not available for layers (text, json)`);
      a.format = f;
    } else if (arg === '--build-arg') {
      const kv = take();
      const eq = kv.indexOf('=');
      if (eq <= 0) throw new CliError(`--build-arg ${kv}: expected K=V`);
      a.buildArgs[kv.slice(0, eq)] = kv.slice(eq + 1);
    } else if (arg === '--target') a.target = take();
    else if (arg.startsWith('-')) throw new CliError(`unknown option ${arg} (${USAGE})`);
    else pos.push(arg);
  }
  if (!pos.length) throw new CliError(`layers needs an image (${USAGE})`);
  if (pos.length > 2) throw new CliError(`too many arguments (${USAGE})`);
  a.image = pos[0]!;
  a.dockerfile = pos[1];
  return a;
}

export function renderLayersJson(image: string, dockerfile: string | null, r: LayersReport): string {
  const lineOf = (layer: number): number | null => (r.layers[layer]?.step ? r.layers[layer]!.step!.line + 1 : null);
  return (
    JSON.stringify(
      {
        image,
        dockerfile,
        mapped: r.mapped,
        totalBytes: r.totalBytes,
        wastedBytes: r.wastedBytes,
        layers: r.layers.map((l) => ({
          index: l.index,
          createdBy: l.createdBy,
          line: l.step ? l.step.line + 1 : null,
          instruction: l.step?.instruction ?? null,
          bytes: l.bytes,
          files: l.files,
          wastedBytes: l.wastedBytes,
          removesBytes: l.removesBytes,
          wasted: l.wasted.map((w) => ({ path: w.path, bytes: w.bytes, how: w.how, byLayer: w.by, byLine: lineOf(w.by) })),
        })),
      },
      null,
      2,
    ) + '\n'
  );
}

export function renderLayersText(image: string, dockerfile: string | null, r: LayersReport): string {
  const pct = r.totalBytes ? ` (${((100 * r.wastedBytes) / r.totalBytes).toFixed(1)} %)` : '';
  const out = [`${image}: ${r.layers.length} layers, ${humanSize(r.totalBytes)}; ${humanSize(r.wastedBytes)} wasted${pct} — bytes a later layer deletes or overwrites`];
  if (dockerfile && !r.mapped) out.push(`note: the image's history does not match ${dockerfile} all the way (another Dockerfile, build args or target?): layers not matched are shown without a step`);
  const where = (layer: number): string => (r.layers[layer]?.step ? `line ${r.layers[layer]!.step!.line + 1}` : `layer ${layer}`);
  for (const l of r.layers) {
    const base = r.mapped && !!dockerfile && !l.step && !r.layers.slice(0, l.index).some((x) => x.step);
    const label = l.step ? `line ${l.step.line + 1}  ${l.step.instruction}` : `${base ? '(base image) ' : ''}${l.createdBy || '(no history)'}`;
    out.push(`${String(l.index).padStart(3)}  ${humanSize(l.bytes).padStart(8)}  ${(l.wastedBytes ? humanSize(l.wastedBytes) + ' wasted' : '').padEnd(14)}  ${label.length > 90 ? label.slice(0, 89) + '…' : label}`);
    for (const w of l.wasted.slice(0, 5)) out.push(`        ${w.path} (${humanSize(w.bytes)}) ${w.how} by ${where(w.by)}`);
    if (l.removesBytes) out.push(`        removes ${humanSize(l.removesBytes)} of earlier layers: they stay in the image (delete in the step that creates them)`);
  }
  return out.join('\n') + '\n';
}

export async function runLayers(argv: string[]): Promise<number> {
  const a = parseLayersArgs(argv);
  let model;
  let dfDisplay: string | null = null;
  if (a.dockerfile !== undefined) {
    const df = readDockerfile(a.dockerfile);
    const opts: AnalyzeOptions = { buildArgs: a.buildArgs, target: a.target, buildPlatform: hostPlatform() };
    model = analyze(df.text, opts);
    if (a.target !== undefined && model.target < 0) throw new CliError(`target stage "${a.target}" not found in ${df.display}`);
    dfDisplay = df.display;
  }
  let input;
  try {
    const docker = await connect({ connectTimeoutMs: 2000, timeoutMs: 60_000 });
    input = await readImageLayers(docker, a.image);
  } catch (e) {
    if (e instanceof DockerError) throw new CliError(e.message);
    throw e;
  }
  const r = imageLayers(input, model);
  process.stdout.write(a.format === 'json' ? renderLayersJson(a.image, dfDisplay, r) : renderLayersText(a.image, dfDisplay, r));
  return 0;
}
