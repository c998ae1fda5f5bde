// What a real build was built from, kept with an imported build so that the live forecast can compare with it
// (`layerwise.forecast.baseline`: `lastBuild`): the Dockerfile text, the build options and the state of the context
// as sent (after the ignore file) — type, mode, and the content id of every path a built step reads (the others only
// by presence: no step of that build selected them, so no key of it depends on their bytes). RecordedContext is that
// state as a ContextSnapshot for explain. Pure: the context layer stats and hashes (context/evidence.ts).
import type { ContextEntry, ContextProblem, ContextSnapshot, EntryType } from './context';
import { followSourceLinks, readSelects } from './explain';
import type { AnalyzeOptions, Model } from './model';

export interface RecordedPath {
  path: string;
  type: EntryType;
  mode: number;
  size?: number;
  /** Modification time at the build (ms): a path whose size and mtime still match is not compared again. */
  mtimeMs?: number;
  /** Content id (as the disk snapshot computes it), for the paths a built step reads. */
  id?: string;
  target?: string;
}

export interface BuildInput {
  text: string;
  options: AnalyzeOptions;
  ignoreFile: { name: string; text: string } | null;
  /** Sent paths (after the ignore file), sorted. */
  paths: RecordedPath[];
}

/** The sent paths that some step of a built stage reads (COPY/ADD/bind sources, link targets followed). */
export function pathsRead(model: Model, ctx: ContextSnapshot, sent: readonly string[]): Set<string> {
  const out = new Set<string>();
  for (const step of model.steps) {
    if (!model.stages[step.stage]!.needed) continue;
    for (const r0 of step.contextReads) {
      const r = followSourceLinks(r0, [ctx]);
      for (const p of sent) if (!out.has(p) && readSelects(r, p)) out.add(p);
    }
  }
  return out;
}

/** A recorded build input as a context snapshot (the baseline side of explain). */
export class RecordedContext implements ContextSnapshot {
  readonly modeGranularity = 'exact' as const;
  readonly problems: readonly ContextProblem[] = [];
  readonly ignoreFile: { name: string; text: string } | null;
  private readonly map = new Map<string, RecordedPath>();

  constructor(
    readonly label: string,
    input: BuildInput,
  ) {
    this.ignoreFile = input.ignoreFile;
    for (const p of input.paths) this.map.set(p.path, p);
  }

  paths(): Iterable<string> {
    return this.map.keys();
  }

  entry(p: string): ContextEntry | undefined {
    const e = this.map.get(p);
    return e && { type: e.type, mode: e.mode, size: e.size, target: e.target };
  }

  contentId(p: string): string | undefined {
    const e = this.map.get(p);
    // a path no built step read: its bytes are unknown (and no key of that build holds them)
    return e ? (e.id ?? (e.type === 'dir' ? undefined : 'unread')) : undefined;
  }
}
