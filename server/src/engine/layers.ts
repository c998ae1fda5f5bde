// Image layers and the bytes they waste: each layer of a built image mapped to the Dockerfile step that made it (by
// history order and `created_by`), its size, and the bytes it carries that a later layer deletes (a whiteout, an
// opaque directory) or overwrites — still shipped and stored with every copy of the image. Pure: the layer listings and
// the image config come from the context layer (context/layers.ts reads them from the daemon's image export).
import type { Model, Step } from './model';

export type LayerEntryType = 'file' | 'dir' | 'symlink' | 'hardlink' | 'other';

/** One member of a layer tar, as listed (whiteouts keep their `.wh.` names); a symlink's size is its target's length. */
export interface LayerEntry {
  path: string;
  type: LayerEntryType;
  size: number;
}

/** One image config `history` entry (oldest first). */
export interface HistoryEntry {
  createdBy: string;
  emptyLayer: boolean;
  comment?: string;
}

export interface ImageLayersInput {
  history: HistoryEntry[];
  /** The listing of each layer, in order (base first): one per history entry that is not an empty layer. */
  layers: LayerEntry[][];
}

export interface WastedFile {
  path: string;
  bytes: number;
  /** Index of the later layer that removes it, and how. */
  by: number;
  how: 'deleted' | 'overwritten';
}

export interface LayerReport {
  index: number;
  createdBy: string;
  /** Bytes of file content in the layer, symlinks counted by their target's length (Docker's layer size). */
  bytes: number;
  files: number;
  /** Bytes of this layer that later layers delete or overwrite. */
  wastedBytes: number;
  /** The largest of them (at most 10). */
  wasted: WastedFile[];
  /** Bytes of earlier layers that this layer deletes or overwrites (they stay in the image). */
  removesBytes: number;
  /** The same per earlier layer (the layers it removes from, bytes of each), oldest first. */
  removesFrom: { layer: number; bytes: number }[];
  /** The Dockerfile step that made it (null: a base image layer, or not mapped). */
  step: { id: number; line: number; instruction: string } | null;
}

/** What an image's layers waste, before any Dockerfile is mapped onto them: plain data, small (no listings). */
export interface ImageWaste {
  history: HistoryEntry[];
  /** One per layer, `step` null. */
  layers: LayerReport[];
}

export interface LayersReport {
  layers: LayerReport[];
  totalBytes: number;
  wastedBytes: number;
  /** Steps of the built chain with no layer of theirs (an empty layer), by step id. */
  emptySteps: number[];
  /** True when every step of the built chain was matched with a history entry. */
  mapped: boolean;
  /** How many history entries at the start are taken as the base image's. */
  baseEntries: number;
}

const norm = (p: string): string => p.replace(/^(\.\/)+/, '').replace(/^\/+/, '').replace(/\/+$/, '');
const WH = '.wh.';
const OPAQUE = '.wh..wh..opq';

interface Node {
  layer: number;
  type: LayerEntryType;
  size: number;
  children?: Set<string>;
}

/** Sizes and wasted bytes of each layer: a merged view of the layers, in order, the way an overlay applies them. */
function wastedOf(layers: LayerEntry[][]): { bytes: number[]; files: number[]; wasted: WastedFile[][]; removes: number[]; removesFrom: Map<number, number>[] } {
  const view = new Map<string, Node>();
  const bytes = layers.map(() => 0);
  const files = layers.map(() => 0);
  const wasted: WastedFile[][] = layers.map(() => []);
  const removes = layers.map(() => 0);
  const removesFrom = layers.map(() => new Map<number, number>());
  const parentOf = (p: string): string => (p.includes('/') ? p.slice(0, p.lastIndexOf('/')) : '');
  const link = (p: string): void => {
    const dir = parentOf(p);
    let d = view.get(dir);
    if (!d) {
      d = { layer: -1, type: 'dir', size: 0 };
      view.set(dir, d);
      if (dir !== '') link(dir);
    }
    (d.children ??= new Set()).add(p);
  };
  // drop a path (and what is below it) from the view; the bytes of lower layers become waste of theirs
  const drop = (p: string, by: number, how: 'deleted' | 'overwritten', self = true): void => {
    const n = view.get(p);
    if (!n) return;
    for (const c of [...(n.children ?? [])]) drop(c, by, 'deleted');
    if (!self) {
      n.children?.clear();
      return;
    }
    if (n.layer >= 0 && n.layer < by && n.size > 0) {
      wasted[n.layer]!.push({ path: p, bytes: n.size, by, how });
      removes[by]! += n.size;
      removesFrom[by]!.set(n.layer, (removesFrom[by]!.get(n.layer) ?? 0) + n.size);
    }
    view.delete(p);
    view.get(parentOf(p))?.children?.delete(p);
  };
  layers.forEach((entries, j) => {
    // whiteouts first: they hide what lower layers hold, never what this layer adds
    for (const e of entries) {
      const p = norm(e.path);
      const base = p.slice(p.lastIndexOf('/') + 1);
      if (base === OPAQUE) drop(parentOf(p), j, 'deleted', false);
      else if (base.startsWith(WH)) drop((parentOf(p) ? parentOf(p) + '/' : '') + base.slice(WH.length), j, 'deleted');
    }
    for (const e of entries) {
      const p = norm(e.path);
      if (p === '') continue;
      const base = p.slice(p.lastIndexOf('/') + 1);
      if (base.startsWith(WH)) continue;
      const size = e.type === 'file' || e.type === 'symlink' ? e.size : 0;
      bytes[j]! += size;
      if (e.type === 'file') files[j]!++;
      const old = view.get(p);
      if (old && !(old.type === 'dir' && e.type === 'dir')) drop(p, j, 'overwritten');
      const cur = view.get(p);
      if (cur && e.type === 'dir') continue; // a directory listed again keeps what is below it
      view.set(p, { layer: j, type: e.type, size });
      link(p);
    }
  });
  return { bytes, files, wasted, removes, removesFrom };
}

/** Steps of the target stage, with the stages it is built FROM before it (the chain the image's layers come from). */
function builtChain(model: Model): Step[] {
  const out: Step[] = [];
  let st = model.target >= 0 ? model.stages[model.target] : undefined;
  const seen = new Set<number>();
  while (st && !seen.has(st.index)) {
    seen.add(st.index);
    out.unshift(...st.steps.map((id) => model.steps[id]!));
    st = st.base.kind === 'stage' ? model.stages[st.base.stage] : undefined;
  }
  return out;
}

const KEYWORD = /^(RUN|COPY|ADD|WORKDIR)\b/;

/** Does a history `created_by` read as this step (BuildKit: `RUN <shell> <script> # buildkit`, `COPY a b # buildkit`)? */
function sameStep(createdBy: string, step: Step): boolean {
  const kw = KEYWORD.exec(createdBy)?.[1];
  if (kw !== step.keyword) return false;
  if (step.keyword !== 'RUN' || step.script === undefined || step.heredoc) return true;
  const body = createdBy.replace(/^RUN\s+/, '').replace(/\s+# buildkit$/, '');
  return body === [...step.shell, step.script].join(' ') || body.endsWith(' ' + step.script);
}

/** Sizes and waste of each layer of an image (no Dockerfile): what the editor keeps per image id. */
export function imageWaste(input: ImageLayersInput): ImageWaste {
  const w = wastedOf(input.layers);
  const historyOf: number[] = [];
  input.history.forEach((h, i) => void (!h.emptyLayer && historyOf.push(i)));
  const layers: LayerReport[] = input.layers.map((_, j) => {
    const ws = w.wasted[j]!;
    return {
      index: j,
      createdBy: input.history[historyOf[j]!]?.createdBy ?? '',
      bytes: w.bytes[j]!,
      files: w.files[j]!,
      wastedBytes: ws.reduce((n, x) => n + x.bytes, 0),
      wasted: [...ws].sort((a, b) => b.bytes - a.bytes || (a.path < b.path ? -1 : 1)).slice(0, 10),
      removesBytes: w.removes[j]!,
      removesFrom: [...w.removesFrom[j]!].sort((a, b) => a[0] - b[0]).map(([layer, bytes]) => ({ layer, bytes })),
      step: null,
    };
  });
  return { history: input.history, layers };
}

/**
 * An image's layers with — given the Dockerfile it was built from (its model for the build's args and target) — the
 * step of each layer: history entries are matched with the built chain's steps from the end (the base image's entries
 * come first), by keyword and, for a RUN, its command text; an empty layer of a step is skipped; the first entry that
 * does not match stops the mapping (the rest stays unmapped, never guessed).
 */
export function mapLayers(waste: ImageWaste, model?: Model): LayersReport {
  const history = waste.history;
  // history entries that carry a layer, in order, with their layer index
  const layerOf: number[] = [];
  let k = 0;
  for (const h of history) layerOf.push(h.emptyLayer ? -1 : k++);
  const stepOfLayer = new Map<number, Step>();
  const emptySteps: number[] = [];
  let mapped = !model;
  let baseEntries = history.length;
  if (model) {
    const chain = builtChain(model);
    let i = history.length - 1;
    let s = chain.length - 1;
    while (i >= 0 && s >= 0) {
      const h = history[i]!;
      if (!KEYWORD.test(h.createdBy)) {
        i--; // ENV, LABEL, CMD, … : config, no step
        continue;
      }
      if (!sameStep(h.createdBy, chain[s]!)) break;
      if (layerOf[i]! >= 0) stepOfLayer.set(layerOf[i]!, chain[s]!);
      else emptySteps.push(chain[s]!.id);
      i--;
      s--;
    }
    mapped = s < 0;
    baseEntries = mapped ? i + 1 : history.length;
  }
  const layers: LayerReport[] = waste.layers.map((l) => {
    const st = stepOfLayer.get(l.index);
    return { ...l, step: st ? { id: st.id, line: st.line, instruction: st.instruction } : null };
  });
  return {
    layers,
    totalBytes: layers.reduce((n, l) => n + l.bytes, 0),
    wastedBytes: layers.reduce((n, l) => n + l.wastedBytes, 0),
    emptySteps: emptySteps.reverse(),
    mapped,
    baseEntries,
  };
}

/** The layers of an image, with sizes, waste and (given the Dockerfile's model) the step of each (mapLayers). */
export function imageLayers(input: ImageLayersInput, model?: Model): LayersReport {
  return mapLayers(imageWaste(input), model);
}
