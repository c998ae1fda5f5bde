// The rule interface: one file per rule in this folder (id, docs, check, fix). Rules read the model and the context
// snapshot; they return findings with precise ranges and, where safe, fixes as text edits. Pure.
import type { ContextSnapshot } from '../context';
import type { StepReads } from '../inputs';
import type { Model } from '../model';
import type { Range } from '../parse';
import type { FixEffect } from '../fixsafety';
import type { MemberSharing } from '../shared';
import type { LayersReport } from '../layers';

export type Severity = 'error' | 'warning' | 'info';

export interface TextEdit {
  /** Which file the edit applies to: the Dockerfile, or the ignore file of its context (created when missing). */
  file: 'dockerfile' | 'dockerignore';
  range: Range;
  newText: string;
}

export interface Fix {
  title: string;
  edits: TextEdit[];
  /**
   * What the fix does, for the fix-safety checker (engine/fixsafety.ts), which proves it before the fix is offered.
   * Fixes without one are offered as their rule makes them.
   */
  effect?: FixEffect;
}

export interface Related {
  range: Range;
  message: string;
}

export interface Finding {
  rule: string;
  severity: Severity;
  range: Range;
  message: string;
  fix?: Fix;
  /** A fix the rule proposed that the fix-safety checker (engine/fixsafety.ts) could not prove safe: not offered. */
  fixRefused?: { title: string; reason: string };
  related?: Related[];
  /**
   * copy-source-missing: the missing sources exist this many folders above the build context, which is probably the
   * folder the build runs from (the editor offers to set it in `.layerwise.yaml`).
   */
  contextUp?: number;
}

export interface RuleContext {
  text: string;
  model: Model;
  /** The build context, or null when unknown (then rules that need it stay quiet). */
  ctx: ContextSnapshot | null;
  /** What each step reads from ctx (empty when ctx is null). */
  reads: Map<number, StepReads>;
  /** Paths sent to the builder (after .dockerignore); empty when ctx is null. */
  sent: string[];
  /** Name of the ignore file that applies (for messages and fixes), e.g. `.dockerignore`. */
  ignoreName: string;
  /** Text of the ignore file, or null when there is none. */
  ignoreText: string | null;
  /** The Dockerfile built, relative to the context (null when outside it); `Dockerfile` unless told otherwise. */
  dockerfile: string | null;
  /** This build compared with the other builds of its workspace (engine/shared.ts), when the caller gave them. */
  shared?: MemberSharing | null;
  /** The same comparison for another text of this Dockerfile (a fix's proof). */
  reshare?: (text: string) => MemberSharing;
  /**
   * False when no needed RUN of this build runs the same commands as a needed RUN of another build written with
   * other blanks (engine/shared.ts `formattingTwins`): then `shared` has no 'formatting' divergence, and reading it
   * (which keys every build by its context's content) can be skipped. Absent: unknown.
   */
  formattingTwins?: boolean;
  /** The layers of the image built from this text (CheckOptions.layers), every step mapped. */
  layers?: LayersReport;
  /** Bytes from which unread context data is reported (CheckOptions.unreadContextLimit; default in the rule). */
  unreadContextLimit?: number;
}

export interface Rule {
  id: string;
  title: string;
  defaultSeverity: Severity;
  /** One-paragraph description used in SARIF and hovers. */
  description: string;
  check(rc: RuleContext): Finding[];
}

export const DOCS_BASE = 'https://github.com/layerwise/layerwise/blob/main/docs/rules/';
export function docsUrl(id: string): string {
  return DOCS_BASE + id + '.md';
}
