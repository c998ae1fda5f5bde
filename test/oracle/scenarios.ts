// Oracle scenarios: a context + Dockerfile, built once for real, mutated, built again. The second build's log
// is the oracle; the CLI's prediction (`explain --since HEAD`) must agree with it step by step.
//
// This module is data only. Never put expected statuses here: the real build decides. The comments give the
// outcome observed on dockerd 20.10.24 (Debian docker.io, BuildKit v0.8) for the SECOND build, one letter per
// step in Dockerfile order (C = cached, R = executed, - = not built), for the reader's benefit only.
//
// The temp repo's `.git` directory is part of the build context unless ignored. Scenarios about something else
// that copy or bind the whole context list `.git` in their .dockerignore so they test one thing; the
// `copy-all/*` scenarios deliberately keep `.git` in the context (unchanged between the two builds).

export interface TarMember {
  name: string;
  content: string;
  /** member mtime (seconds since epoch); default 1_000_000_000 */
  mtime?: number;
  /** member mode; default 0o644 */
  mode?: number;
}

/** A context file: plain text, or an object for modes, empty dirs and tar archives. */
export type FileSpec =
  | string
  | { content: string; mode?: number; mtime?: number }
  | { dir: true }
  | { symlink: string }
  | { tar: TarMember[] };

export type Mutation =
  /** write (create or replace) a file; `same` rewrites it with its current bytes */
  | { op: 'write'; path: string; content: string }
  | { op: 'rewrite-same'; path: string }
  | { op: 'remove'; path: string }
  | { op: 'chmod'; path: string; mode: number }
  /** root only */
  | { op: 'chown'; path: string; uid: number; gid: number }
  /** change mtime only (seconds since epoch) */
  | { op: 'touch'; path: string; mtime: number }
  /** rewrite a file and restore its mtime (cp -p, touch -r, tar x): same size and mtime, new ctime */
  | { op: 'rewrite-keep-mtime'; path: string; content: string }
  | { op: 'mkdir'; path: string }
  /** (re)point a symlink */
  | { op: 'symlink'; path: string; target: string }
  | { op: 'tar'; path: string; members: TarMember[] }
  /** replace the Dockerfile (the scenario's dockerfile path) */
  | { op: 'dockerfile'; content: string }
  /** change the secret file given to `--secret id=<id>` (it lives outside the context) */
  | { op: 'secret'; id: string; content: string };

export interface BuildOptions {
  args?: Record<string, string>;
  /** `docker build --platform` (the target platform; default: the builder's own) */
  platform?: string;
  /** `--target` of this build, when it differs from the scenario's */
  target?: string;
  /** secret id -> initial content (only `before` is read; change it with a `secret` mutation); passed to every
   *  build as `--secret id=<id>,src=<file outside the repo>` */
  secrets?: Record<string, string>;
}

export interface Scenario {
  name: string;
  /** what it exercises (buildkit-semantics.md section) */
  about: string;
  /** context files, relative to the repository root (the temp dir) */
  files: Record<string, FileSpec>;
  dockerfile: string;
  /** Dockerfile path relative to the repository root; default `Dockerfile` */
  dockerfilePath?: string;
  /** build context relative to the repository root; default `.` */
  context?: string;
  /** `--target` for both builds */
  target?: string;
  /** options of the first (baseline) build */
  before?: BuildOptions;
  /** options of the second build; default = same as `before` */
  after?: BuildOptions;
  /** applied and built between the baseline and the final mutation (the cache is a pool: tests reverts) */
  intermediate?: Mutation[];
  /** applied after the baseline build (and the intermediate one), before the second build; none when only
   *  the build options change */
  mutation?: Mutation[];
  /** needs root (chown) */
  rootOnly?: boolean;
  /** `git config` of the temp repository, set after the commit (the index is then refreshed) */
  gitConfig?: Record<string, string>;
}

// ---------------------------------------------------------------------------------------------------------
// Shared Dockerfiles

const COPY_ALL = `FROM localbase
WORKDIR /app
RUN echo prep > /prep
COPY . .
RUN cat main.txt > /out
`;

const COPY_ALL_LS = `FROM localbase
WORKDIR /app
COPY . .
RUN ls -ln /app > /listing
`;

/** The manifest-first Dockerfile (also the one test/oracle/logs/single-stage.log was built from). */
export const MANIFEST_FIRST = `FROM localbase
WORKDIR /app
COPY package.json ./
RUN cat package.json > /installed && echo installing
COPY . .
RUN cat src.js > /built
`;

const ARGS_D = `ARG G=g0
FROM localbase
RUN echo before-arg > /early
ARG V
RUN echo not-using-arg > /a
RUN echo "v=$V" > /b
ARG W=dflt
RUN echo "w=$W" > /c
ENV E=1
RUN echo after-env > /e
`;

const ARGS_M = (env: string) => `FROM localbase
ARG V
ENV E=${env}
COPY f.txt /f.txt
WORKDIR /w
COPY --chown=0:0 f.txt /w/f2.txt
RUN echo after > /r
`;

const CONFIG_H = (o: { label?: string; expose?: string; cmd?: string; env?: string; workdir?: string; user?: string } = {}) => `FROM localbase
LABEL a=${o.label ?? '1'}
RUN echo after-label > /l
EXPOSE ${o.expose ?? '8080'}
CMD ${o.cmd ?? '["sh"]'}
RUN echo after-expose-cmd > /x
ENV E=${o.env ?? '1'}
RUN echo after-env > /e
WORKDIR ${o.workdir ?? '/w1'}
RUN echo after-workdir > /w
USER ${o.user ?? 'root'}
RUN echo after-user > /u
`;

const CHAIN_I = (b = 'RUN echo B > /b', a = 'RUN echo A > /a', pre = '', post = '') => `${pre}FROM localbase
${a}
${b}
COPY f.txt /f.txt
RUN echo C > /c
${post}`;

const MULTI_E = `FROM localbase AS builder
COPY lib.txt /lib.txt
RUN wc -l < /lib.txt > /artifact
COPY notes.txt /notes.txt
FROM localbase AS unused
RUN echo unused > /u
FROM localbase AS final
RUN echo final-prep > /p
COPY --from=builder /artifact /artifact
RUN cat /artifact > /final
COPY app.txt /app.txt
`;
const MULTI_FILES = { 'lib.txt': 'l1\nl2\n', 'notes.txt': 'notes v1\n', 'app.txt': 'app v1\n' };

const MOUNTS_F = `FROM localbase
RUN --mount=type=bind,source=x.txt,target=/x.txt cat /x.txt > /fromx
RUN --mount=type=cache,target=/cache echo run >> /cache/log && wc -l < /cache/log > /c
RUN --mount=type=secret,id=s wc -c < /run/secrets/s > /s
RUN --mount=type=bind,target=/ctx ls /ctx > /ctxlist
RUN echo tail > /t
`;

const MOUNTS_N = (id = 'c1', target = '/run/secrets/s') => `FROM localbase
RUN --mount=type=cache,target=/cache,id=${id} echo x > /c
RUN --mount=type=secret,id=s,target=${target} echo secret-step > /s
RUN echo tail > /t
`;

const ADD_K = `FROM localbase
ADD files.tar /x/
RUN ls -lnR /x > /lsx
ADD plain.txt /p.txt
RUN cat /p.txt > /pp
`;
const TAR_V1: TarMember[] = [
  { name: 'a.txt', content: 'member a v1\n' },
  { name: 'b.txt', content: 'member b v1\n' },
];

const ONBUILD_L = (trigger: string) => `FROM localbase AS parent
ONBUILD RUN echo ${trigger} > /trig
RUN echo parent > /parent
FROM parent AS child
WORKDIR /w
RUN echo child > /child
`;


const PLATFORM_STAGE = (flag: string) => `FROM ${flag}localbase
WORKDIR /app
COPY a.txt ./
RUN cat a.txt > /copy
`;
const TARGETARCH_RUN = (arg: string, flag = '') => `FROM ${flag}localbase
RUN echo first > /first
${arg}RUN echo "arch=$TARGETARCH" > /arch
`;
const CROSS = `FROM --platform=$BUILDPLATFORM localbase AS build
RUN echo build > /b
ARG TARGETARCH
RUN echo "arch=$TARGETARCH" > /arch
FROM scratch
COPY a.txt /a
COPY --from=build /arch /arch
`;
const MOVE_DF = (src: string, dest: string) => `FROM localbase
RUN echo first > /first
COPY ${src} ${dest}
RUN ls -lR /d > /tree
`;
const MOVE_FROM = (p: string) => `FROM localbase AS gen
RUN mkdir -p /out/a /out/b /out/c && echo same > /out/a/x.txt && echo same > /out/b/x.txt && echo other > /out/c/x.txt
FROM localbase
RUN echo first > /first
COPY --from=gen ${p} /d/
RUN ls -lR /d > /tree
`;

// ---------------------------------------------------------------------------------------------------------

export const scenarios: Scenario[] = [
  // --- a. COPY . . -------------------------------------------------------------------------------------
  {
    name: 'copy-all/edit-copied-file',
    about: 'a: editing any copied context file busts COPY . . and what follows',
    files: { 'main.txt': 'main v1\n', 'other.txt': 'other v1\n' },
    dockerfile: COPY_ALL,
    mutation: [{ op: 'write', path: 'other.txt', content: 'other v2\n' }],
    // real: WORKDIR C, RUN prep C, COPY R, RUN cat R
  },
  {
    name: 'copy-all/edit-then-revert',
    about: 'a revert / §6.1: the cache is a pool; reverting an edit hits again',
    files: { 'main.txt': 'main v1\n', 'other.txt': 'other v1\n' },
    dockerfile: COPY_ALL,
    intermediate: [{ op: 'write', path: 'main.txt', content: 'main v2\n' }],
    mutation: [{ op: 'write', path: 'main.txt', content: 'main v1\n' }],
    // real: C C C C
  },
  {
    name: 'copy-all/git-dir-in-context-unchanged',
    about: 'rule 2: without a .dockerignore, .git is part of the context; unchanged between the builds it does not bust',
    files: { 'main.txt': 'main v1\n' },
    dockerfile: COPY_ALL,
    mutation: [{ op: 'touch', path: 'main.txt', mtime: 978307200 }],
    // real: C C C C
  },
  {
    name: 'copy-all/remove-file',
    about: 'rule 3: removing a file from a copied tree changes its content hash',
    files: { 'main.txt': 'main v1\n', 'gone.txt': 'to be removed\n' },
    dockerfile: COPY_ALL,
    mutation: [{ op: 'remove', path: 'gone.txt' }],
    // real: C C R R
  },
  // --- b. manifest first -------------------------------------------------------------------------------
  {
    name: 'manifest-first/edit-src',
    about: 'b: editing a source file leaves COPY package.json + install cached',
    files: { 'package.json': '{"name":"x","version":"1.0.0"}\n', 'src.js': 'console.log(1)\n' },
    dockerfile: MANIFEST_FIRST,
    mutation: [{ op: 'write', path: 'src.js', content: 'console.log(2)\n' }],
    // real: C C C R R
  },
  {
    name: 'manifest-first/edit-manifest',
    about: 'b: editing package.json busts the install and everything after',
    files: { 'package.json': '{"name":"x","version":"1.0.0"}\n', 'src.js': 'console.log(1)\n' },
    dockerfile: MANIFEST_FIRST,
    mutation: [{ op: 'write', path: 'package.json', content: '{"name":"x","version":"1.0.1"}\n' }],
    // real: C R R R R
  },
  // --- c. .dockerignore and metadata -------------------------------------------------------------------
  {
    name: 'ignore/edit-ignored-files',
    about: 'c edit-ignored / rule 4: files excluded by .dockerignore never bust',
    files: { '.dockerignore': '.git\nignored.log\n*.tmp\n', 'kept.txt': 'kept\n', 'ignored.log': 'log v1\n', 'x.tmp': 'tmp v1\n' },
    dockerfile: COPY_ALL_LS,
    mutation: [
      { op: 'write', path: 'ignored.log', content: 'log v2\n' },
      { op: 'write', path: 'x.tmp', content: 'tmp v2\n' },
      { op: 'write', path: 'new.tmp', content: 'new ignored file\n' },
    ],
    // real: C C C
  },
  {
    name: 'metadata/touch-mtime',
    about: 'c touch-mtime / rule 3: mtime is not part of the content hash',
    files: { '.dockerignore': '.git\n', 'kept.txt': 'kept\n' },
    dockerfile: COPY_ALL_LS,
    mutation: [{ op: 'touch', path: 'kept.txt', mtime: 978307200 }],
    // real: C C C
  },
  {
    name: 'metadata/chmod-x',
    about: 'c chmod+x / rule 3: the mode is hashed',
    files: { '.dockerignore': '.git\n', 'kept.txt': 'kept\n', 'run.sh': { content: 'echo hi\n', mode: 0o644 } },
    dockerfile: COPY_ALL_LS,
    mutation: [{ op: 'chmod', path: 'run.sh', mode: 0o755 }],
    // real: C R R
  },
  {
    name: 'metadata/chmod-x-and-back',
    about: 'c chmod-back: chmod +x built, then chmod back -> hit (pool)',
    files: { '.dockerignore': '.git\n', 'kept.txt': 'kept\n', 'run.sh': { content: 'echo hi\n', mode: 0o644 } },
    dockerfile: COPY_ALL_LS,
    intermediate: [{ op: 'chmod', path: 'run.sh', mode: 0o755 }],
    mutation: [{ op: 'chmod', path: 'run.sh', mode: 0o644 }],
    // real: C C C
  },
  {
    name: 'metadata/chown',
    about: 'c chown-1234 / rule 3: the client zeroes uid/gid, chown never busts',
    files: { '.dockerignore': '.git\n', 'kept.txt': 'kept\n' },
    dockerfile: COPY_ALL_LS,
    mutation: [{ op: 'chown', path: 'kept.txt', uid: 1234, gid: 1234 }],
    rootOnly: true,
    // real: C C C
  },
  {
    name: 'metadata/rewrite-same-bytes',
    about: 'c rewrite-same-bytes: identical bytes (new mtime, new inode) hit',
    files: { '.dockerignore': '.git\n', 'kept.txt': 'kept\n' },
    dockerfile: COPY_ALL_LS,
    mutation: [{ op: 'rewrite-same', path: 'kept.txt' }],
    // real: C C C
  },
  {
    name: 'metadata/add-empty-dir',
    about: 'c add-empty-dir: an empty directory inside a copied tree busts (invisible to git)',
    files: { '.dockerignore': '.git\n', 'kept.txt': 'kept\n' },
    dockerfile: COPY_ALL_LS,
    mutation: [{ op: 'mkdir', path: 'emptydir' }],
    // real: C R R
  },
  {
    name: 'ignore/edit-dockerignore',
    about: 'c edit-dockerignore / rule 4: .dockerignore is itself part of the context',
    files: { '.dockerignore': '.git\nignored.log\n*.tmp\n', 'kept.txt': 'kept\n', 'ignored.log': 'log\n' },
    dockerfile: COPY_ALL_LS,
    mutation: [{ op: 'write', path: '.dockerignore', content: '.git\nignored.log\n*.tmp\n# a comment\n' }],
    // real: C R R
  },
  {
    name: 'ignore/dockerignore-ignores-itself',
    about: 'rule 4: a .dockerignore that lists itself is not sent, so editing it (without changing the effective set) hits',
    files: { '.dockerignore': '.dockerignore\n.git\nignored.log\n', 'kept.txt': 'kept\n', 'ignored.log': 'log\n' },
    dockerfile: COPY_ALL_LS,
    mutation: [{ op: 'write', path: '.dockerignore', content: '.dockerignore\n.git\nignored.log\n# a comment\n' }],
    // real: C C C
  },
  // --- d. ARG ------------------------------------------------------------------------------------------
  {
    name: 'arg/value-changed-busts-later-runs',
    about: 'd V2 / rule 6: an ARG with a value is in the env of every later RUN, used or not',
    files: {},
    dockerfile: ARGS_D,
    before: { args: { V: '1' } },
    after: { args: { V: '2' } },
    // real: C R R R R
  },
  {
    name: 'arg/default-passed-explicitly',
    about: 'd V2+W=dflt-explicit: passing the default value explicitly hits',
    files: {},
    dockerfile: ARGS_D,
    before: { args: { V: '2' } },
    after: { args: { V: '2', W: 'dflt' } },
    // real: C C C C C
  },
  {
    name: 'arg/default-overridden',
    about: 'd V2+W=x: overriding the default busts from the first RUN after ARG W',
    files: {},
    dockerfile: ARGS_D,
    before: { args: { V: '2' } },
    after: { args: { V: '2', W: 'x' } },
    // real: C C C R R
  },
  {
    name: 'arg/undeclared-build-arg',
    about: 'd V2+undeclared-Z: a build arg nobody declares has no effect',
    files: {},
    dockerfile: ARGS_D,
    before: { args: { V: '2' } },
    after: { args: { V: '2', Z: 'zzz' } },
    // real: C C C C C
  },
  {
    name: 'arg/global-not-redeclared',
    about: 'd V2+global-G-changed: a global ARG not re-declared in the stage has no effect',
    files: {},
    dockerfile: ARGS_D,
    before: { args: { V: '2' } },
    after: { args: { V: '2', G: 'g1' } },
    // real: C C C C C
  },
  {
    name: 'arg/http-proxy',
    about: 'd V2+HTTP_PROXY / rule 6: proxy args go to ProxyEnv and never bust',
    files: {},
    dockerfile: ARGS_D,
    before: { args: { V: '2' } },
    after: { args: { V: '2', HTTP_PROXY: 'http://proxy.invalid:3128' } },
    // real: C C C C C
  },
  {
    name: 'arg/value-dropped',
    about: 'd no-V-arg: ARG without value and without --build-arg is not in the env (env lost V -> miss)',
    files: {},
    dockerfile: ARGS_D,
    before: { args: { V: '2' } },
    after: { args: {} },
    // real: C R R R R
  },
  {
    name: 'arg/source-date-epoch',
    about: 'l SDE / rule 9: SOURCE_DATE_EPOCH has no effect on dockerd 20.10 (BuildKit v0.8)',
    files: {},
    dockerfile: ONBUILD_L('trigger-v1'),
    before: { args: { SOURCE_DATE_EPOCH: '1' } },
    after: { args: { SOURCE_DATE_EPOCH: '2' } },
    // real: C C C C
  },
  {
    name: 'arg/does-not-bust-copy-workdir',
    about: 'm V1->V2 / rule 7: ARG changes bust RUN, not COPY/WORKDIR',
    files: { 'f.txt': 'f\n' },
    dockerfile: ARGS_M('1'),
    before: { args: { V: '1' } },
    after: { args: { V: '2' } },
    // real: C C C R
  },
  {
    name: 'arg/expanded-in-copy-dest',
    about: 'rule 7: an ARG expanded in a COPY argument busts that COPY',
    files: { 'f.txt': 'f\n' },
    dockerfile: `FROM localbase
ARG D=/d1
COPY f.txt $D/f.txt
WORKDIR /w
RUN echo after > /r
`,
    before: { args: { D: '/d1' } },
    after: { args: { D: '/d2' } },
    // real: R R R (the WORKDIR is chained on the COPY's output)
  },
  // --- ENV / config-only / USER / WORKDIR / SHELL (h, m) ---------------------------------------------------
  {
    name: 'env/changed-busts-run-not-copy',
    about: 'm V2+ENV-E=2 / rule 7: ENV change busts the RUN, not COPY/WORKDIR',
    files: { 'f.txt': 'f\n' },
    dockerfile: ARGS_M('1'),
    before: { args: { V: '2' } },
    mutation: [{ op: 'dockerfile', content: ARGS_M('2') }],
    // real: C C C R
  },
  {
    name: 'config/label-changed',
    about: 'h LABEL-changed / rule 8: config-only instructions never bust',
    files: {},
    dockerfile: CONFIG_H(),
    mutation: [{ op: 'dockerfile', content: CONFIG_H({ label: '2' }) }],
    // real: C C C C C C
  },
  {
    name: 'config/expose-cmd-changed',
    about: 'h EXPOSE+CMD-changed / rule 8',
    files: {},
    dockerfile: CONFIG_H(),
    mutation: [{ op: 'dockerfile', content: CONFIG_H({ expose: '9090', cmd: '["sh", "-c", "echo hi"]' }) }],
    // real: C C C C C C
  },
  {
    name: 'config/env-changed',
    about: 'h ENV-changed: later RUNs miss; the WORKDIR after it misses only because its input (the RUN) did',
    files: {},
    dockerfile: CONFIG_H(),
    mutation: [{ op: 'dockerfile', content: CONFIG_H({ env: '2' }) }],
    // real: C C R R R R
  },
  {
    name: 'config/workdir-changed',
    about: 'h WORKDIR-changed / rule 8: WORKDIR is a mkdir op + RUN cwd',
    files: {},
    dockerfile: CONFIG_H(),
    mutation: [{ op: 'dockerfile', content: CONFIG_H({ workdir: '/w2' }) }],
    // real: C C C R R R
  },
  {
    name: 'config/user-root-to-0',
    about: 'h USER-root-to-0 / §6.4: the user string is compared, not the resolved uid',
    files: {},
    dockerfile: CONFIG_H(),
    mutation: [{ op: 'dockerfile', content: CONFIG_H({ user: '0' }) }],
    // real: C C C C C R
  },
  {
    name: 'config/shell-changed',
    about: 'rule 8: SHELL changes the RUN argv',
    files: { 'f.txt': 'f\n' },
    dockerfile: `FROM localbase
RUN echo before-shell > /a
SHELL ["/bin/sh", "-c"]
RUN echo after-shell > /b
COPY f.txt /f.txt
`,
    mutation: [{ op: 'dockerfile', content: `FROM localbase
RUN echo before-shell > /a
SHELL ["/bin/sh", "-ec"]
RUN echo after-shell > /b
COPY f.txt /f.txt
` }],
    // real: C R R
  },
  // --- i. instruction text ---------------------------------------------------------------------------------
  {
    name: 'text/middle-step-edited',
    about: 'i / rule 1: steps before the edit hit, the edited one and all after miss',
    files: { 'f.txt': 'f\n' },
    dockerfile: CHAIN_I(),
    mutation: [{ op: 'dockerfile', content: CHAIN_I('RUN echo B2 > /b') }],
    // real: C R R R
  },
  {
    name: 'text/first-step-edited-then-reverted',
    about: 'i reverted: a Dockerfile edit built once then reverted hits again',
    files: { 'f.txt': 'f\n' },
    dockerfile: CHAIN_I(),
    intermediate: [{ op: 'dockerfile', content: CHAIN_I(undefined, 'RUN echo A2 > /a') }],
    mutation: [{ op: 'dockerfile', content: CHAIN_I() }],
    // real: C C C C
  },
  {
    name: 'text/inner-whitespace',
    about: 'i inner-whitespace / rule 16: inner whitespace is kept in the shell string',
    files: { 'f.txt': 'f\n' },
    dockerfile: CHAIN_I(),
    mutation: [{ op: 'dockerfile', content: CHAIN_I('RUN echo  B > /b') }],
    // real: C R R R
  },
  {
    name: 'text/lead-trail-whitespace-and-comment',
    about: 'i lead+trail-whitespace, comment-added / rule 16: stripped by the parser',
    files: { 'f.txt': 'f\n' },
    dockerfile: CHAIN_I(),
    mutation: [{ op: 'dockerfile', content: CHAIN_I('  RUN echo B > /b   ', undefined, '# a comment\n', '# trailing comment\n') }],
    // real: C C C C
  },
  {
    name: 'text/line-continuation',
    about: 'i line-continuation / rule 16: `echo B \\` + newline + `  > /b` becomes `echo B   > /b`',
    files: { 'f.txt': 'f\n' },
    dockerfile: CHAIN_I(),
    mutation: [{ op: 'dockerfile', content: CHAIN_I('RUN echo B \\\n  > /b') }],
    // real: C R R R
  },
  // --- e. multi-stage ----------------------------------------------------------------------------------
  {
    name: 'multi/copy-from-identical-bytes',
    about: 'e lib-edit-same-linecount / rule 11: source stage rebuilds, copied bytes identical -> final hits (CLI may say maybe)',
    files: MULTI_FILES,
    dockerfile: MULTI_E,
    mutation: [{ op: 'write', path: 'lib.txt', content: 'L1\nL2\n' }],
    // real: builder R R R, final C C C C, unused -
  },
  {
    name: 'multi/copy-from-different-bytes',
    about: 'e lib-edit-new-linecount: the artifact changes -> COPY --from and after miss',
    files: MULTI_FILES,
    dockerfile: MULTI_E,
    mutation: [{ op: 'write', path: 'lib.txt', content: 'l1\nl2\nl3\n' }],
    // real: builder R R R, final C R R R, unused -
  },
  {
    name: 'multi/unused-stage-edited',
    about: 'e / rule 11: a stage nobody depends on is not built, even when edited',
    files: MULTI_FILES,
    dockerfile: MULTI_E,
    mutation: [{ op: 'dockerfile', content: MULTI_E.replace('echo unused > /u', 'echo unused-v2 > /u') }],
    // real: builder C C C, final C C C C, unused -
  },
  {
    name: 'multi/target-builder',
    about: 'e target-builder: with --target only the target and its dependencies are built',
    files: MULTI_FILES,
    dockerfile: MULTI_E,
    target: 'builder',
    mutation: [{ op: 'write', path: 'notes.txt', content: 'notes v2\n' }, { op: 'write', path: 'app.txt', content: 'app v2\n' }],
    // real: builder C C R, unused -, final -
  },
  {
    name: 'multi/target-unused',
    about: 'e target-unused: targeting the otherwise unused stage builds only it',
    files: MULTI_FILES,
    dockerfile: MULTI_E,
    target: 'unused',
    mutation: [{ op: 'write', path: 'lib.txt', content: 'l1\nl2\nl3\n' }],
    // real: builder -, unused C, final -
  },
  // --- f, n. RUN --mount -----------------------------------------------------------------------------------
  {
    name: 'mount/bind-source-edited',
    about: 'f edit-x / rule 10: a bind mount is keyed on its source',
    files: { '.dockerignore': '.git\n', 'x.txt': 'x v1\n', 'y.txt': 'y v1\n' },
    dockerfile: MOUNTS_F,
    before: { secrets: { s: 'secret v1\n' } },
    mutation: [{ op: 'write', path: 'x.txt', content: 'x v2\n' }],
    // real: R R R R R
  },
  {
    name: 'mount/other-file-edited',
    about: 'f edit-y: only the whole-context bind (and what follows) misses',
    files: { '.dockerignore': '.git\n', 'x.txt': 'x v1\n', 'y.txt': 'y v1\n' },
    dockerfile: MOUNTS_F,
    before: { secrets: { s: 'secret v1\n' } },
    mutation: [{ op: 'write', path: 'y.txt', content: 'y v2\n' }],
    // real: C C C R R
  },
  {
    name: 'mount/secret-content-changed',
    about: 'f secret-changed / rule 10: secret contents never bust',
    files: { '.dockerignore': '.git\n', 'x.txt': 'x v1\n', 'y.txt': 'y v1\n' },
    dockerfile: MOUNTS_F,
    before: { secrets: { s: 'secret v1\n' } },
    mutation: [{ op: 'secret', id: 's', content: 'secret v2, longer\n' }],
    // real: C C C C C
  },
  {
    name: 'mount/cache-id-changed',
    about: 'n cache-id-changed: the cache mount id is in the key on BuildKit < 0.13 (dockerd 20.10: miss)',
    files: {},
    dockerfile: MOUNTS_N(),
    before: { secrets: { s: 'secret\n' } },
    mutation: [{ op: 'dockerfile', content: MOUNTS_N('c2') }],
    // real: R R R
  },
  {
    name: 'mount/secret-target-changed',
    about: 'n secret-target-changed: the secret target is part of the ExecOp',
    files: {},
    dockerfile: MOUNTS_N(),
    before: { secrets: { s: 'secret\n' } },
    mutation: [{ op: 'dockerfile', content: MOUNTS_N('c1', '/run/secrets/other') }],
    // real: C R R
  },
  // --- k. ADD ------------------------------------------------------------------------------------------
  {
    name: 'add/tar-recreated-identical',
    about: 'k tar-recreated-identical-bytes / rule 14: byte-identical archive hits',
    files: { 'files.tar': { tar: TAR_V1 }, 'plain.txt': 'plain v1\n' },
    dockerfile: ADD_K,
    mutation: [{ op: 'tar', path: 'files.tar', members: TAR_V1 }],
    // real: C C C C
  },
  {
    name: 'add/tar-member-mtime',
    about: 'k tar-same-content-new-member-mtime / rule 14: keyed on the archive bytes, not the extracted tree',
    files: { 'files.tar': { tar: TAR_V1 }, 'plain.txt': 'plain v1\n' },
    dockerfile: ADD_K,
    mutation: [{ op: 'tar', path: 'files.tar', members: TAR_V1.map((m) => ({ ...m, mtime: 1_100_000_000 })) }],
    // real: R R R R
  },
  {
    name: 'add/tar-member-edited',
    about: 'k tar-member-edited',
    files: { 'files.tar': { tar: TAR_V1 }, 'plain.txt': 'plain v1\n' },
    dockerfile: ADD_K,
    mutation: [{ op: 'tar', path: 'files.tar', members: [TAR_V1[0], { name: 'b.txt', content: 'member b v2\n' }] }],
    // real: R R R R
  },
  {
    name: 'add/plain-file-edited',
    about: 'k plain-edit: ADD of a local plain file is content-addressed like COPY',
    files: { 'files.tar': { tar: TAR_V1 }, 'plain.txt': 'plain v1\n' },
    dockerfile: ADD_K,
    mutation: [{ op: 'write', path: 'plain.txt', content: 'plain v2\n' }],
    // real: C C R R
  },
  // --- l. ONBUILD --------------------------------------------------------------------------------------
  {
    name: 'onbuild/trigger-text-changed',
    about: 'l ONBUILD-text-changed / rule 15: the child busts from the trigger on, the parent does not',
    files: {},
    dockerfile: ONBUILD_L('trigger-v1'),
    mutation: [{ op: 'dockerfile', content: ONBUILD_L('trigger-v2') }],
    // real: parent C; child trigger R, WORKDIR R, RUN R
  },
  // --- COPY sources ------------------------------------------------------------------------------------
  {
    name: 'copy/dir-file-added',
    about: 'rule 3: a file added inside a directory copied by COPY src/ ./src/ busts it; files outside do not',
    files: { 'src/a.js': 'a\n', 'docs/readme.md': 'docs v1\n' },
    dockerfile: `FROM localbase
WORKDIR /app
COPY src/ ./src/
RUN ls -R /app > /tree
COPY docs/ ./docs/
`,
    mutation: [{ op: 'write', path: 'src/lib/b.js', content: 'b\n' }],
    // real: C R R R
  },
  {
    name: 'copy/dir-outside-edit',
    about: 'rule 2: a COPY of src/ ignores edits elsewhere in the context',
    files: { 'src/a.js': 'a\n', 'docs/readme.md': 'docs v1\n' },
    dockerfile: `FROM localbase
WORKDIR /app
COPY src/ ./src/
RUN ls -R /app > /tree
COPY docs/ ./docs/
`,
    mutation: [{ op: 'write', path: 'docs/readme.md', content: 'docs v2\n' }],
    // real: C C C R
  },
  {
    name: 'copy/glob-json-edit',
    about: 'rule 2: COPY *.json ./ is keyed on the matched files only',
    files: { 'package.json': '{"a":1}\n', 'tsconfig.json': '{"b":1}\n', 'main.ts': 'let x = 1\n' },
    dockerfile: `FROM localbase
WORKDIR /app
COPY *.json ./
RUN cat *.json > /deps
COPY main.ts ./
`,
    mutation: [{ op: 'write', path: 'tsconfig.json', content: '{"b":2}\n' }],
    // real: C R R R
  },
  {
    name: 'copy/glob-json-new-match-and-other-edit',
    about: 'rule 2: a new file matching the glob busts; a non-matching edit does not bust the glob COPY',
    files: { 'package.json': '{"a":1}\n', 'main.ts': 'let x = 1\n' },
    dockerfile: `FROM localbase
WORKDIR /app
COPY *.json ./
RUN cat *.json > /deps
COPY main.ts ./
`,
    mutation: [{ op: 'write', path: 'extra.json', content: '{"c":1}\n' }],
    // real: C R R R
  },
  {
    name: 'copy/glob-json-nonmatching-edit',
    about: 'rule 2: editing a file the glob does not match only busts its own COPY',
    files: { 'package.json': '{"a":1}\n', 'main.ts': 'let x = 1\n' },
    dockerfile: `FROM localbase
WORKDIR /app
COPY *.json ./
RUN cat *.json > /deps
COPY main.ts ./
`,
    mutation: [{ op: 'write', path: 'main.ts', content: 'let x = 2\n' }],
    // real: C C C R
  },
  {
    name: 'copy/class-bang-is-a-member',
    about: "a COPY wildcard class is Go's filepath.Match class: `[!ab]` is `!`, `a` or `b` (no negation), so editing a.txt busts it",
    files: { 'a.txt': 'a\n', 'c.txt': 'c\n', '!.txt': '!\n' },
    dockerfile: `FROM localbase
COPY [!ab].txt /c/
RUN ls /c > /l
`,
    mutation: [{ op: 'write', path: 'a.txt', content: 'a v2\n' }],
    // real: R R
  },
  {
    name: 'copy/class-bang-other-file',
    about: '`[!ab].txt` does not select c.txt: editing it busts nothing',
    files: { 'a.txt': 'a\n', 'c.txt': 'c\n', '!.txt': '!\n' },
    dockerfile: `FROM localbase
COPY [!ab].txt /c/
RUN ls /c > /l
`,
    mutation: [{ op: 'write', path: 'c.txt', content: 'c v2\n' }],
    // real: C C
  },
  {
    name: 'copy/class-malformed-selects-nothing',
    about: "a class Go's filepath.Match refuses (`[a-]`) selects nothing: editing a.txt busts nothing (with another source beside it, BuildKit 0.8 refuses the step: \"syntax error in pattern\")",
    files: { 'a.txt': 'a\n', '-.txt': '-\n', 'k.txt': 'k\n' },
    dockerfile: `FROM localbase
COPY [a-].txt /c/
RUN echo ok > /l
`,
    mutation: [{ op: 'write', path: 'a.txt', content: 'a v2\n' }],
    // real: C C
  },
  // A backslash in a COPY source, JSON form: the frontend's word lexer takes `\\` as escaping the next character and
  // drops a trailing lone one before the copy sees the pattern (session 12's measurements, BuildKit 0.8).
  {
    name: 'copy/backslash-trailing-dropped-star',
    about: 'JSON source `a*\\` is the pattern `a*`: editing ab busts it',
    files: { 'a\\': 'x\n', ab: 'ab\n', c: 'c\n' },
    dockerfile: `FROM localbase
COPY ["a*\\\\", "/x/"]
RUN ls /x > /l
`,
    mutation: [{ op: 'write', path: 'ab', content: 'ab v2\n' }],
    // real: R R
  },
  {
    name: 'copy/backslash-trailing-not-in-name',
    about: 'JSON source `*b\\` is the pattern `*b`: a file named `xb\\` is not selected, editing it busts nothing',
    files: { ab: 'ab\n', 'xb\\': 'xb\n', c: 'c\n' },
    dockerfile: `FROM localbase
COPY ["*b\\\\", "/x/"]
RUN ls /x > /l
`,
    mutation: [{ op: 'write', path: 'xb\\', content: 'xb v2\n' }],
    // real: C C
  },
  {
    name: 'copy/backslash-escaped-star-is-a-wildcard',
    about: 'JSON source `a\\*` is the pattern `a*` (the lexer drops the escape): editing the file `a\\` busts it',
    files: { 'a*': 'star\n', 'a\\': 'bs\n', b: 'b\n' },
    dockerfile: `FROM localbase
COPY ["a\\\\*", "/x/"]
RUN ls /x > /l
`,
    mutation: [{ op: 'write', path: 'a\\', content: 'bs v2\n' }],
    // real: R R
  },
  {
    name: 'copy/backslash-in-name-literal',
    about: 'a file name holding a backslash (`d\\e`, legal on Linux) copied by `d*`: editing it busts the COPY',
    files: { 'd\\e': 'de\n', k: 'k\n' },
    dockerfile: `FROM localbase
COPY d* /x/
RUN ls /x > /l
`,
    mutation: [{ op: 'write', path: 'd\\e', content: 'de v2\n' }],
    // real: R R
  },
  {
    name: 'copy/backslash-space-splits-words',
    about: "shell-form COPY splits on whitespace only: `COPY a\\ b /t/` copies `a` and `b` (the word `a\\` loses its trailing escape), not `a b`: editing b busts it",
    files: { a: 'a\n', b: 'b\n', 'a b': 'ab\n' },
    dockerfile: `FROM localbase
COPY a\\ b /t/
RUN ls /t > /l
`,
    mutation: [{ op: 'write', path: 'b', content: 'b v2\n' }],
    // real: R R
  },
  {
    name: 'copy/backslash-space-not-the-spaced-name',
    about: '`COPY a\\ b /t/` does not copy the file `a b`: editing it busts nothing',
    files: { a: 'a\n', b: 'b\n', 'a b': 'ab\n' },
    dockerfile: `FROM localbase
COPY a\\ b /t/
RUN ls /t > /l
`,
    mutation: [{ op: 'write', path: 'a b', content: 'ab v2\n' }],
    // real: C C
  },
  {
    name: 'env/double-quoted-escaped-backslash',
    about: 'in double quotes the escape character escapes itself: `ENV A="p\\\\q"` is `p\\q`, as `ENV A=p\\\\q` is, so rewriting one as the other keeps the cache',
    files: { k: 'k\n' },
    dockerfile: `FROM localbase
ENV A="p\\\\q"
RUN echo "$A" > /l
`,
    mutation: [{ op: 'dockerfile', content: `FROM localbase
ENV A=p\\\\q
RUN echo "$A" > /l
` }],
    // real: C C
  },
  // --- Dockerfile location / context -------------------------------------------------------------------
  {
    name: 'location/named-dockerfile-own-ignore',
    about: 'rule 4: `-f app.Dockerfile` uses app.Dockerfile.dockerignore instead of .dockerignore',
    files: {
      'app.Dockerfile.dockerignore': '.git\nsecret.txt\n',
      '.dockerignore': 'kept.txt\n',
      'kept.txt': 'kept v1\n',
      'secret.txt': 'secret v1\n',
    },
    dockerfilePath: 'app.Dockerfile',
    dockerfile: COPY_ALL_LS,
    mutation: [{ op: 'write', path: 'secret.txt', content: 'secret v2\n' }],
    // real: C C C
  },
  {
    name: 'location/named-dockerfile-plain-ignore-edited',
    about: 'rule 4: with app.Dockerfile.dockerignore in use, .dockerignore is an ordinary context file',
    files: {
      'app.Dockerfile.dockerignore': '.git\nsecret.txt\n',
      '.dockerignore': 'kept.txt\n',
      'kept.txt': 'kept v1\n',
      'secret.txt': 'secret v1\n',
    },
    dockerfilePath: 'app.Dockerfile',
    dockerfile: COPY_ALL_LS,
    mutation: [{ op: 'write', path: '.dockerignore', content: 'kept.txt\n# edited\n' }],
    // real: C R R
  },
  {
    name: 'location/context-subdir',
    about: 'context = app/, Dockerfile in build/ (outside the context): only files under app/ count',
    files: { 'app/a.txt': 'a v1\n', 'app/b.txt': 'b v1\n', 'notes.txt': 'outside v1\n' },
    dockerfilePath: 'build/Dockerfile',
    context: 'app',
    dockerfile: `FROM localbase
WORKDIR /srv
COPY a.txt ./
RUN cat a.txt > /a
COPY b.txt ./
RUN cat b.txt > /b
`,
    mutation: [
      { op: 'write', path: 'app/b.txt', content: 'b v2\n' },
      { op: 'write', path: 'notes.txt', content: 'outside v2\n' },
    ],
    // real: C C C R R
  },
  // --- more: config-only, flags, stages as bases, mounts from stages, ignore patterns, symlinks --------------
  {
    name: 'config/other-config-only-changed',
    about: 'rule 8: ENTRYPOINT, HEALTHCHECK, STOPSIGNAL, VOLUME, MAINTAINER are config-only',
    files: {},
    dockerfile: `FROM localbase
MAINTAINER a@example.invalid
RUN echo one > /one
ENTRYPOINT ["sh"]
HEALTHCHECK CMD true
STOPSIGNAL SIGTERM
VOLUME /data
RUN echo two > /two
`,
    mutation: [{ op: 'dockerfile', content: `FROM localbase
MAINTAINER b@example.invalid
RUN echo one > /one
ENTRYPOINT ["sh", "-c"]
HEALTHCHECK --interval=5s CMD false
STOPSIGNAL SIGKILL
VOLUME /data2
RUN echo two > /two
` }],
    // real: C C
  },
  {
    name: 'copy/chown-flag-changed',
    about: 'rule 2: COPY flags (--chown) are part of the FileOp action',
    files: { 'f.txt': 'f\n' },
    dockerfile: `FROM localbase
RUN echo pre > /pre
COPY --chown=0:0 f.txt /f.txt
RUN echo post > /post
`,
    mutation: [{ op: 'dockerfile', content: `FROM localbase
RUN echo pre > /pre
COPY --chown=1:1 f.txt /f.txt
RUN echo post > /post
` }],
    // real: C R R
  },
  {
    name: 'copy/multiple-sources',
    about: 'rule 2: COPY a b ./ is keyed on both sources',
    files: { 'a.txt': 'a\n', 'b.txt': 'b v1\n', 'c.txt': 'c\n' },
    dockerfile: `FROM localbase
COPY a.txt b.txt /d/
RUN cat /d/a.txt /d/b.txt > /ab
COPY c.txt /d/
`,
    mutation: [{ op: 'write', path: 'b.txt', content: 'b v2\n' }],
    // real: R R R
  },
  {
    name: 'copy/unrelated-new-file',
    about: 'rule 2: a new context file nothing copies busts nothing',
    files: { 'a.txt': 'a\n' },
    dockerfile: `FROM localbase
COPY a.txt /a.txt
RUN cat /a.txt > /aa
`,
    mutation: [{ op: 'write', path: 'unrelated/new.txt', content: 'new\n' }],
    // real: C C
  },
  {
    name: 'copy/symlink-retargeted',
    about: 'rule 3: a symlink is hashed by its link target (linkname), not by what it points to',
    files: { '.dockerignore': '.git\n', 'a.txt': 'a\n', 'b.txt': 'b\n', 'link': { symlink: 'a.txt' } },
    dockerfile: COPY_ALL_LS,
    mutation: [{ op: 'symlink', path: 'link', target: 'b.txt' }],
    // real: C R R
  },
  {
    name: 'copy/symlink-target-edited',
    about: 'COPY <symlink> follows the link in the source: editing the file it points to busts the COPY',
    files: { 'a.txt': 'a\n', 'link': { symlink: 'a.txt' }, 'other.txt': 'o\n' },
    dockerfile: `FROM localbase
COPY link /link
RUN ls -l /link > /l
COPY other.txt /other.txt
`,
    mutation: [{ op: 'write', path: 'a.txt', content: 'a v2\n' }],
    // real: R R R
  },
  {
    name: 'env/expanded-in-copy-dest',
    about: 'rule 7: an ENV expanded in a COPY argument busts that COPY',
    files: { 'f.txt': 'f\n' },
    dockerfile: `FROM localbase
ENV DEST=/d1
RUN echo pre > /pre
COPY f.txt $DEST/f.txt
RUN echo post > /post
`,
    mutation: [{ op: 'dockerfile', content: `FROM localbase
ENV DEST=/d2
RUN echo pre > /pre
COPY f.txt $DEST/f.txt
RUN echo post > /post
` }],
    // real: R R R (the RUN before the COPY sees the new env)
  },
  {
    name: 'config/user-before-workdir',
    about: 'rule 8: USER root -> 0 before WORKDIR and COPY --chown (no RUN after it)',
    files: { 'f.txt': 'f\n' },
    dockerfile: `FROM localbase
RUN echo one > /one
USER root
WORKDIR /wd
COPY --chown=0:0 f.txt /wd/f.txt
`,
    mutation: [{ op: 'dockerfile', content: `FROM localbase
RUN echo one > /one
USER 0
WORKDIR /wd
COPY --chown=0:0 f.txt /wd/f.txt
` }],
    // real: C C C (on dockerd 20.10 the USER string reaches neither the WORKDIR mkdir nor COPY --chown=0:0)
  },
  {
    name: 'multi/stage-as-base-changed',
    about: 'rule 1: a stage used as FROM of another: a change in the parent busts every child step',
    files: {},
    dockerfile: `FROM localbase AS base
RUN echo base-v1 > /base
FROM base AS app
RUN echo app > /app
WORKDIR /srv
`,
    mutation: [{ op: 'dockerfile', content: `FROM localbase AS base
RUN echo base-v2 > /base
FROM base AS app
RUN echo app > /app
WORKDIR /srv
` }],
    // real: R R R
  },
  {
    name: 'multi/copy-from-index',
    about: 'rule 11: COPY --from=<index> of an unnamed stage; the stage changes its bytes',
    files: { 'in.txt': 'in v1\n' },
    dockerfile: `FROM localbase
COPY in.txt /in.txt
RUN cat /in.txt > /made
FROM localbase
RUN echo consumer > /c
COPY --from=0 /made /made
`,
    mutation: [{ op: 'write', path: 'in.txt', content: 'in v2\n' }],
    // real: stage-0 R R, stage-1 C R
  },
  {
    name: 'mount/bind-from-stage-identical',
    about: 'rule 10/11: RUN --mount=type=bind,from=<stage> is content-addressed like COPY --from',
    files: { 'lib.txt': 'l1\nl2\n' },
    dockerfile: `FROM localbase AS gen
COPY lib.txt /lib.txt
RUN wc -l < /lib.txt > /count
FROM localbase AS use
RUN echo use-prep > /prep
RUN --mount=type=bind,from=gen,source=/count,target=/count cat /count > /used
RUN echo use-tail > /tail
`,
    mutation: [{ op: 'write', path: 'lib.txt', content: 'L1\nL2\n' }],
    // real: gen R R, use C C C
  },
  {
    name: 'mount/bind-dir-source',
    about: 'rule 10: a bind of a directory source is keyed on that directory tree',
    files: { '.dockerignore': '.git\n', 'cfg/a.conf': 'a\n', 'other.txt': 'o v1\n' },
    dockerfile: `FROM localbase
RUN --mount=type=bind,source=cfg,target=/cfg ls /cfg > /cfgs
RUN --mount=type=bind,source=other.txt,target=/o cat /o > /oo
`,
    mutation: [{ op: 'write', path: 'cfg/b.conf', content: 'b\n' }],
    // real: R R
  },
  {
    name: 'ignore/negation-pattern',
    about: 'rule 4: a file re-included with ! is sent, so editing it busts; its excluded siblings do not',
    files: {
      '.dockerignore': '.git\nlogs/**\n!logs/keep.log\n',
      'logs/keep.log': 'keep v1\n',
      'logs/drop.log': 'drop v1\n',
      'main.txt': 'm\n',
    },
    dockerfile: COPY_ALL_LS,
    mutation: [{ op: 'write', path: 'logs/keep.log', content: 'keep v2\n' }],
    // real: C R R
  },
  {
    name: 'ignore/negation-excluded-sibling',
    about: 'rule 4: editing a file still excluded next to a re-included one hits',
    files: {
      '.dockerignore': '.git\nlogs/**\n!logs/keep.log\n',
      'logs/keep.log': 'keep v1\n',
      'logs/drop.log': 'drop v1\n',
      'main.txt': 'm\n',
    },
    dockerfile: COPY_ALL_LS,
    mutation: [{ op: 'write', path: 'logs/drop.log', content: 'drop v2\n' }, { op: 'write', path: 'logs/sub/new.log', content: 'n\n' }],
    // real: C C C
  },
  // --- platforms (issue 13): FROM --platform equal to the builder's default, automatic platform ARGs ----------
  {
    name: 'platform/add-buildplatform-flag',
    about: 'FROM --platform=$BUILDPLATFORM on an image: the same base, the same keys as without the flag',
    files: { 'a.txt': 'a\n' },
    dockerfile: PLATFORM_STAGE(''),
    mutation: [{ op: 'dockerfile', content: PLATFORM_STAGE('--platform=$BUILDPLATFORM ') }],
    // real: C C C
  },
  {
    name: 'platform/remove-targetplatform-flag',
    about: 'dropping FROM --platform=$TARGETPLATFORM (= the default target) keeps every step cached',
    files: { 'a.txt': 'a\n' },
    dockerfile: PLATFORM_STAGE('--platform=$TARGETPLATFORM '),
    mutation: [{ op: 'dockerfile', content: PLATFORM_STAGE('') }],
    // real: C C C
  },
  {
    name: 'platform/explicit-default-platform',
    about: 'FROM --platform=linux/amd64 on a linux/amd64 builder: the same keys as no flag',
    files: { 'a.txt': 'a\n' },
    dockerfile: PLATFORM_STAGE(''),
    mutation: [{ op: 'dockerfile', content: PLATFORM_STAGE('--platform=linux/amd64 ') }],
    // real: C C C
  },
  {
    name: 'platform/scratch-other-platform',
    about: 'FROM --platform=linux/arm64 scratch: every op carries the platform, so the COPY misses',
    files: { 'a.txt': 'a\n', 'b.txt': 'b\n' },
    dockerfile: 'FROM scratch\nCOPY a.txt /a\nCOPY b.txt /b\n',
    mutation: [{ op: 'dockerfile', content: 'FROM --platform=linux/arm64 scratch\nCOPY a.txt /a\nCOPY b.txt /b\n' }],
    // real: C C
  },
  {
    name: 'platform/declare-targetarch',
    about: 'ARG TARGETARCH without a value takes the automatic one and enters the env of later RUNs',
    files: {},
    dockerfile: TARGETARCH_RUN(''),
    mutation: [{ op: 'dockerfile', content: TARGETARCH_RUN('ARG TARGETARCH\n') }],
    // real: C R
  },
  {
    name: 'platform/declared-targetarch-flag-added',
    about: 'a declared TARGETARCH keeps its value when FROM gains --platform=$BUILDPLATFORM: all cached',
    files: {},
    dockerfile: TARGETARCH_RUN('ARG TARGETARCH\n'),
    mutation: [{ op: 'dockerfile', content: TARGETARCH_RUN('ARG TARGETARCH\n', '--platform=$BUILDPLATFORM ') }],
    // real: C C
  },
  {
    name: 'platform/cross-target-build',
    about: 'docker build --platform linux/arm64 for a cross-compile Dockerfile: the BUILDPLATFORM stage keeps its base, its TARGETARCH RUN misses, the scratch stage misses',
    files: { 'a.txt': 'a\n' },
    dockerfile: CROSS,
    after: { platform: 'linux/arm64' },
    // real: build C R, stage-1 C R
  },
  // --- moved sources (issue 13): what of a source's path enters a COPY's key -----------------------------------
  {
    name: 'move/file-same-basename',
    about: 'COPY a/x.txt /d/ -> COPY b/x.txt /d/ with the file moved: same bytes, basename, dest',
    files: { 'a/x.txt': 'x\n' },
    dockerfile: MOVE_DF('a/x.txt', '/d/'),
    mutation: [{ op: 'remove', path: 'a/x.txt' }, { op: 'write', path: 'b/x.txt', content: 'x\n' }, { op: 'dockerfile', content: MOVE_DF('b/x.txt', '/d/') }],
    // real: C C C
  },
  {
    name: 'move/file-renamed-same-dest',
    about: 'COPY a/x.txt /d/x.txt -> COPY a/y.txt /d/x.txt: same bytes and dest, other basename',
    files: { 'a/x.txt': 'x\n' },
    dockerfile: MOVE_DF('a/x.txt', '/d/x.txt'),
    mutation: [{ op: 'remove', path: 'a/x.txt' }, { op: 'write', path: 'a/y.txt', content: 'x\n' }, { op: 'dockerfile', content: MOVE_DF('a/y.txt', '/d/x.txt') }],
    // real: C R R
  },
  {
    name: 'move/file-both-present',
    about: 'a/x.txt and b/x.txt both exist, identical and unchanged; only the COPY source changes',
    files: { 'a/x.txt': 'x\n', 'b/x.txt': 'x\n' },
    dockerfile: MOVE_DF('a/x.txt', '/d/'),
    mutation: [{ op: 'dockerfile', content: MOVE_DF('b/x.txt', '/d/') }],
    // real: C C C
  },
  {
    name: 'move/file-both-present-different',
    about: 'a/x.txt and b/x.txt both exist, different and unchanged; only the COPY source changes',
    files: { 'a/x.txt': 'x\n', 'b/x.txt': 'y\n' },
    dockerfile: MOVE_DF('a/x.txt', '/d/'),
    mutation: [{ op: 'dockerfile', content: MOVE_DF('b/x.txt', '/d/') }],
    // real: C R R
  },
  {
    name: 'move/dir-same-basename',
    about: 'COPY a/lib /d/lib -> COPY b/lib /d/lib with the directory moved',
    files: { 'a/lib/one.txt': '1\n', 'a/lib/sub/two.txt': '2\n' },
    dockerfile: MOVE_DF('a/lib', '/d/lib'),
    mutation: [
      { op: 'remove', path: 'a/lib' },
      { op: 'write', path: 'b/lib/one.txt', content: '1\n' },
      { op: 'write', path: 'b/lib/sub/two.txt', content: '2\n' },
      { op: 'dockerfile', content: MOVE_DF('b/lib', '/d/lib') },
    ],
    // real: C C C
  },
  {
    name: 'move/dir-renamed',
    about: 'COPY a/lib /d/lib -> COPY a/lib2 /d/lib: same tree and dest, other basename',
    files: { 'a/lib/one.txt': '1\n' },
    dockerfile: MOVE_DF('a/lib', '/d/lib'),
    mutation: [{ op: 'remove', path: 'a/lib' }, { op: 'write', path: 'a/lib2/one.txt', content: '1\n' }, { op: 'dockerfile', content: MOVE_DF('a/lib2', '/d/lib') }],
    // real: C R R
  },
  {
    name: 'move/glob-match-renamed',
    about: 'COPY src/*.txt /d/ with src/a.txt renamed to src/b.txt (same bytes, Dockerfile unchanged)',
    files: { 'src/a.txt': 'same\n', 'src/keep.txt': 'k\n' },
    dockerfile: MOVE_DF('src/*.txt', '/d/'),
    mutation: [{ op: 'remove', path: 'src/a.txt' }, { op: 'write', path: 'src/b.txt', content: 'same\n' }],
    // real: C R R
  },
  {
    name: 'move/glob-single-match-renamed',
    about: 'COPY src/*.txt /d/ matching one file, renamed (same bytes, Dockerfile unchanged)',
    files: { 'src/a.txt': 'same\n' },
    dockerfile: MOVE_DF('src/*.txt', '/d/'),
    mutation: [{ op: 'remove', path: 'src/a.txt' }, { op: 'write', path: 'src/b.txt', content: 'same\n' }],
    // real: C R R
  },
  {
    name: 'move/glob-dir-moved',
    about: 'COPY a/*.txt /d/ -> COPY b/*.txt /d/ with the matches moved',
    files: { 'a/one.txt': '1\n', 'a/two.txt': '2\n' },
    dockerfile: MOVE_DF('a/*.txt', '/d/'),
    mutation: [
      { op: 'remove', path: 'a' },
      { op: 'write', path: 'b/one.txt', content: '1\n' },
      { op: 'write', path: 'b/two.txt', content: '2\n' },
      { op: 'dockerfile', content: MOVE_DF('b/*.txt', '/d/') },
    ],
    // real: C C C
  },
  {
    name: 'move/copy-from-path',
    about: 'COPY --from=gen /out/a/x.txt /d/ -> /out/b/x.txt: the stage made both with the same bytes',
    files: {},
    dockerfile: MOVE_FROM('/out/a/x.txt'),
    mutation: [{ op: 'dockerfile', content: MOVE_FROM('/out/b/x.txt') }],
    // real: gen C, final C C C
  },
  {
    name: 'move/copy-from-path-different',
    about: 'COPY --from=gen /out/a/x.txt /d/ -> /out/c/x.txt: the stage made them with different bytes',
    files: {},
    dockerfile: MOVE_FROM('/out/a/x.txt'),
    mutation: [{ op: 'dockerfile', content: MOVE_FROM('/out/c/x.txt') }],
    // real: gen C, final C R R
  },
  // --- baseline options (issue 13): the baseline built with other args or for another target --------------------
  {
    name: 'baseline/no-build-args-before',
    about: 'the baseline was built without --build-arg, the second build passes V=2: RUNs after ARG V miss',
    files: {},
    dockerfile: 'FROM localbase\nRUN echo first > /first\nARG V\nRUN echo "v=$V" > /v\n',
    before: { args: {} },
    after: { args: { V: '2' } },
  },
  {
    name: 'baseline/other-target-before',
    about: 'the baseline was built with --target builder, the second build builds the final stage',
    files: MULTI_FILES,
    dockerfile: MULTI_E,
    before: { target: 'builder' },
    after: {},
  },
  // --- steps the builder does not run (issue 13) -----------------------------------------------------------------
  {
    name: 'workdir/root-no-op',
    about: 'WORKDIR / runs no op (dispatchWorkdir skips the mkdir for /): no vertex; RUN after it keyed on cwd /',
    files: {},
    dockerfile: 'FROM localbase\nWORKDIR /app\nRUN pwd > /p1\nWORKDIR /\nRUN pwd > /p2\n',
    mutation: [{ op: 'dockerfile', content: 'FROM localbase\nWORKDIR /app\nRUN pwd > /p1\nWORKDIR /\nRUN pwd > /p2 && echo v2\n' }],
    // real: C C R (no vertex for WORKDIR /)
  },
  {
    name: 'workdir/root-added',
    about: 'adding WORKDIR / before a RUN changes only that RUN\'s cwd (no op of its own)',
    files: {},
    dockerfile: 'FROM localbase\nWORKDIR /app\nRUN echo a > /a\nRUN pwd > /p\n',
    mutation: [{ op: 'dockerfile', content: 'FROM localbase\nWORKDIR /app\nRUN echo a > /a\nWORKDIR /\nRUN pwd > /p\n' }],
    // real: C C R (no vertex for WORKDIR /)
  },
  {
    name: 'workdir/root-relative-added',
    about: 'WORKDIR .. back to / (relative: joined, so "/" even on 0.8): no op',
    files: {},
    dockerfile: 'FROM localbase\nWORKDIR /app\nRUN echo a > /a\nRUN pwd > /p\n',
    mutation: [{ op: 'dockerfile', content: 'FROM localbase\nWORKDIR /app\nRUN echo a > /a\nWORKDIR ..\nRUN pwd > /p\n' }],
    // real: C C R (no vertex for WORKDIR ..)
  },
  {
    name: 'workdir/root-unclean-absolute',
    about: 'WORKDIR /app/.. (absolute, not cleaned before 0.12): Docker 20.10 runs a mkdir for it',
    files: {},
    dockerfile: 'FROM localbase\nWORKDIR /app\nRUN echo a > /a\nRUN pwd > /p\n',
    mutation: [{ op: 'dockerfile', content: 'FROM localbase\nWORKDIR /app\nRUN echo a > /a\nWORKDIR /app/..\nRUN pwd > /p\n' }],
    // real: C C R R (WORKDIR /app/.. runs a mkdir)
  },
  // --- git's stat cache (issue 13) ------------------------------------------------------------------------------
  {
    name: 'gitstat/restored-mtime-trustctime-off',
    about: 'a copied file rewritten with the same size and its old mtime restored, in a repository with core.trustctime=false: BuildKit sees the bytes',
    files: { 'a.txt': { content: 'aaaa\n', mtime: 1_000_000_000 }, 'b.txt': { content: 'bbbb\n', mtime: 1_000_000_000 } },
    dockerfile: 'FROM localbase\nRUN echo first > /first\nCOPY a.txt /a.txt\nRUN cat /a.txt > /aa\nCOPY b.txt /b.txt\n',
    gitConfig: { 'core.trustctime': 'false', 'core.checkStat': 'minimal' },
    mutation: [{ op: 'rewrite-keep-mtime', path: 'a.txt', content: 'AAAA\n' }],
  },
];

