// The layers of the last imported build's image in the editor (trusted workspaces): the image id comes with the
// build record (requests/build.ts); its export is read once per image id by the history worker (streamed, bounded in
// time and size: context/layers.ts), never on the protocol thread, and kept here per image id. A Dockerfile whose
// text is the one the image was built from gets the image's waste with each analysis (the worker maps it onto the
// model: the hover's layer lines, `cleanup-in-separate-layer`'s bytes); the documents are analysed again when an
// answer arrives. A removed image, one too large to read here, or a daemon that is not there is said once in the log
// and in the hover, and never asked again for that image (a new build brings a new id).
import type { ImageWaste, LayersReport } from '../engine/layers';
import type { WasteFailure } from '../context/layers';
import { textSha256, type BuildRecord } from '../context/evidence';
import { formatBytes } from '../engine/buildcache';
import type { Step } from '../engine';
import type { ServerState } from './state';
import { uriToPath } from './uri';

/** What an analysis request carries about the document's image (AnalyseRequest.image). */
export interface ImageInput {
  /** The image id (`sha256:…`). */
  id: string;
  waste?: ImageWaste;
  /** Why there are no layers to show (read failed, image gone, text changed since the build). */
  note?: string;
}

/** What an analysis made of it (DocAnalysis.image): the layers mapped onto the model, or the note. */
export interface ImageLayersResult {
  id: string;
  report?: LayersReport;
  note?: string;
}

type Entry = { state: 'pending' } | { state: 'ready'; waste: ImageWaste } | { state: 'failed'; failure: WasteFailure; at: number };

/** Images kept (each a few KB: per layer its sizes and ten largest wasted files). */
const MAX_IMAGES = 16;
/** A read that failed for another reason than a missing or too large image is tried again after this long. */
const RETRY_MS = 5 * 60_000;

export const shortId = (id: string): string => id.replace(/^sha256:/, '').slice(0, 12);

export class ImageLayers {
  private readonly byId = new Map<string, Entry>();

  constructor(private readonly s: ServerState) {}

  /** The image part of an analysis request for a document with this text (null: no image known for it). */
  forAnalysis(uri: string, text: string): ImageInput | null {
    const r = this.s.insights.recordFor(uri);
    if (!r?.image || !this.s.trusted || !this.s.historyWorker) return null;
    const id = r.image.id;
    if (textSha256(text) !== r.image.textSha256) return { id, note: `the Dockerfile changed since the build that made \`${shortId(id)}\`: build again to see its layers` };
    const e = this.entry(id);
    if (e.state === 'ready') return { id, waste: e.waste };
    if (e.state === 'failed') return { id, note: e.failure.message };
    return null;
  }

  /** A build was imported: read its image now (the documents are analysed again when the answer comes). */
  imported(record: BuildRecord): void {
    if (record.image && this.s.trusted && this.s.historyWorker) this.entry(record.image.id);
  }

  private entry(id: string): Entry {
    const e = this.byId.get(id);
    if (e && !(e.state === 'failed' && e.failure.kind === 'failed' && Date.now() - e.at > RETRY_MS)) {
      this.byId.delete(id); // most recently used last
      this.byId.set(id, e);
      return e;
    }
    const pending: Entry = { state: 'pending' };
    this.byId.set(id, pending);
    while (this.byId.size > MAX_IMAGES) this.byId.delete(this.byId.keys().next().value!);
    void this.read(id, pending);
    return pending;
  }

  private async read(id: string, pending: Entry): Promise<void> {
    const { s } = this;
    let next: Entry;
    try {
      const r = await s.historyWorker!.layers(id);
      next = 'kind' in r ? { state: 'failed', failure: r, at: Date.now() } : { state: 'ready', waste: r };
    } catch (e) {
      next = { state: 'failed', failure: { kind: 'failed', message: `cannot read ${shortId(id)}: ${(e as Error).message.split('\n')[0]}` }, at: Date.now() };
    }
    if (this.byId.get(id) !== pending) return; // forgotten meanwhile
    this.byId.set(id, next);
    if (next.state === 'failed') s.log(`Layerwise: image layers: ${next.failure.message}`);
    else s.log(`Layerwise: image layers of ${shortId(id)}: ${next.waste.layers.length} layers read`);
    // the documents built into this image are analysed again with it
    for (const d of s.documents.all()) {
      const file = uriToPath(d.uri);
      if (file && s.insights.recordFor(d.uri)?.image?.id === id) s.scheduler.scheduleSoon(d.uri);
    }
  }
}

const size = (b: number): string => formatBytes(b, 3);

/** The hover's lines for a step: its layer in the last build's image, what of it later layers waste, what it removes. */
export function layerHoverLines(img: ImageLayersResult | undefined, step: Step): string[] {
  if (!img) return [];
  if (img.note) return [`*Image layers:* ${img.note}`];
  const r = img.report;
  if (!r) return [];
  const lineOf = (layer: number): string => (r.layers[layer]?.step ? `line ${r.layers[layer]!.step!.line + 1}` : `layer ${layer}`);
  const l = r.layers.find((x) => x.step?.id === step.id);
  if (!l) return r.emptySteps.includes(step.id) ? [`**Image layer** (\`${shortId(img.id)}\`, the last build): none — this step changed no files`] : [];
  const out = [`**Image layer** ${l.index} (\`${shortId(img.id)}\`, the last build): ${size(l.bytes)}, ${l.files} file${l.files === 1 ? '' : 's'}`];
  if (l.wastedBytes) {
    out.push('', `**${size(l.wastedBytes)} wasted** — later layers delete or overwrite it, but it is still stored and shipped with the image:`);
    for (const w of l.wasted.slice(0, 5)) out.push(`- \`${w.path}\` (${size(w.bytes)}) ${w.how} by ${lineOf(w.by)}`);
  }
  if (l.removesBytes) out.push('', `Removes ${l.removesFrom.map((x) => `${size(x.bytes)} of ${lineOf(x.layer)}`).join(', ')}: those bytes stay in the image (delete in the step that creates them)`);
  return out;
}
