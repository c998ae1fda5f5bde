// The rule catalogue, in a stable order. Each rule lives in its own file; its doc is docs/rules/<id>.md.
import { aptUpdateAlone } from './apt-update-alone';
import { argDeclaredEarly } from './arg-declared-early';
import { broadCopyBeforeInstall } from './broad-copy-before-install';
import { cacheBustPattern } from './cache-bust-pattern';
import { cleanupInSeparateLayer } from './cleanup-in-separate-layer';
import { contextIncludesVolatile } from './context-includes-volatile';
import { copyIgnoredFile } from './copy-ignored-file';
import { copySourceMissing } from './copy-source-missing';
import { costlyStepAfterVolatileCopy } from './costly-step-after-volatile-copy';
import { missingCacheMount } from './missing-cache-mount';
import { mutableBaseImage } from './mutable-base-image';
import { unpinnedRemoteSource } from './unpinned-remote-source';
import { needlessDivergence } from './needless-divergence';
import { unreadContextData } from './unread-context-data';
import type { Rule } from './types';

export const RULES: Rule[] = [
  broadCopyBeforeInstall,
  costlyStepAfterVolatileCopy,
  argDeclaredEarly,
  aptUpdateAlone,
  missingCacheMount,
  cleanupInSeparateLayer,
  copyIgnoredFile,
  copySourceMissing,
  contextIncludesVolatile,
  unreadContextData,
  unpinnedRemoteSource,
  mutableBaseImage,
  cacheBustPattern,
  needlessDivergence,
];

export function ruleById(id: string): Rule | undefined {
  return RULES.find((r) => r.id === id);
}
