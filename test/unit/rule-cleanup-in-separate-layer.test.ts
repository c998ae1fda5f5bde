// cleanup-in-separate-layer in detail: exact messages, ranges, related information, what counts as a cleanup, which
// paths an earlier step plausibly created (cache folders and the tools that fill them), stages that do not ship, cache
// mounts, and every condition of the fix. Written for the mutation run of the rule (test/mutation-equivalents.md);
// rules.test.ts and layers.test.ts have its broader cases. Every test name starts with the rule's id
// (`LAYERWISE_MUTATION_TESTS=cleanup-in-separate-layer` runs these and the rule's other tests only).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { check, RULES } from '../../server/src/engine';

const R = 'cleanup-in-separate-layer';
const find = (text: string) => check(text, null).findings.filter((f) => f.rule === R);
const lines = (text: string) => find(text).map((f) => f.range.start.line);
const tail = ' in a layer of its own: the files stay in the earlier layer, so the image does not shrink (and this step reruns whenever that one does). Do it in the same RUN that created them.';
/** line of the finding, line of the related step (or null), whether a fix is offered */
const shape = (text: string) => find(text).map((f) => [f.range.start.line, f.related?.[0]?.range.start.line ?? null, !!f.fix]);

test('cleanup-in-separate-layer: catalogue entry', () => {
  const r = RULES.find((x) => x.id === R)!;
  assert.deepEqual([r.title, r.defaultSeverity], ['Cleanup in a separate RUN', 'warning']);
  assert.match(r.description, /^A RUN deletes files an earlier step created \(rm -rf, apt-get clean, cache dirs\)\. Layers only add/);
});

test('cleanup-in-separate-layer: the message, the range, the related step and the fix', () => {
  const text = 'FROM debian\nRUN apt-get update && apt-get install -y x\nRUN rm -rf /var/lib/apt/lists/* \\\n  /tmp/x\n';
  const [f] = find(text);
  assert.equal(f!.message, '`RUN rm -rf /var/lib/apt/lists/*   /tmp/x` removes /var/lib/apt/lists/*, /tmp/x' + tail);
  assert.equal(f!.severity, 'warning');
  assert.deepEqual([f!.range.start, f!.range.end], [{ line: 2, character: 0 }, { line: 2, character: 31 }]);
  assert.deepEqual(f!.related?.map((r) => [r.range.start.line, r.range.end.character, r.message]), [[1, 42, 'the step the cleanup belongs in']]);
  assert.equal(f!.fix?.title, 'Move the cleanup into the RUN on line 2');
  assert.deepEqual(f!.fix?.edits.map((e) => [e.range.start.line, e.range.start.character, e.range.end.line, e.range.end.character, e.newText]), [
    [1, 0, 1, 42, 'RUN apt-get update && apt-get install -y x && \\\n    rm -rf /var/lib/apt/lists/*   /tmp/x'],
    [2, 0, 4, 0, ''],
  ]);
  // a clean command is described by its first four words; at most three parts, cut at 90 characters
  assert.equal(find('FROM debian\nRUN apt-get install -y x\nRUN apt-get clean\n')[0]!.message, '`RUN apt-get clean` cleans caches with `apt-get clean`' + tail);
  assert.equal(find('FROM debian\nRUN apt-get install x\nRUN rm -rf /var/lib/apt/lists/* && rm -rf /tmp/a && rm -rf /tmp/b && rm /tmp/c\n')[0]!.message, '`RUN rm -rf /var/lib/apt/lists/* && rm -rf /tmp/a …` removes /var/lib/apt/lists/*, /tmp/a, /tmp/b' + tail);
  assert.equal(find('FROM debian\nRUN apt-get install x\nRUN apt-get clean && dnf clean all --verbose -y && apk cache clean && yum clean all\n')[0]!.message, '`RUN apt-get clean && dnf clean all --verbose -y &…` cleans caches with `apt-get clean`, `dnf clean all --verbose`, `apk cache clean`' + tail);
  const long = find('FROM debian\nRUN apt-get install x\nRUN rm -rf /var/lib/apt/lists/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa /var/lib/apt/lists/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb /var/lib/apt/lists/c\n')[0]!.message;
  assert.equal(long, '`RUN rm -rf /var/lib/apt/lists/aaaaaaaaaaaaaaaaaaa…` removes /var/lib/apt/lists/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa, /var/lib/apt/lists/bbbbbbbbbbbbbbbbb…' + tail);
});

test('cleanup-in-separate-layer: what counts as a cleanup command', () => {
  const after = (prev: string, run: string) => find(`FROM debian\nRUN ${prev}\nRUN ${run}\n`).length;
  assert.equal(after('apt-get install -y x', 'apt-get clean'), 1);
  assert.equal(after('apt-get install -y x', 'apt-get autoclean'), 1);
  assert.equal(after('apt-get install -y x', 'apt-get autoremove'), 0, 'uninstalling is not a cleanup');
  assert.equal(after('apt-get install -y x', 'apt-get purge x'), 0);
  assert.equal(after('apk add x', 'apk cache clean'), 1);
  assert.equal(after('apk add x', 'apk del x'), 0);
  assert.equal(after('zypper in x', 'zypper cc'), 1);
  assert.equal(after('dnf install -y x', 'dnf clean all'), 1);
  assert.equal(after('npm ci', 'npm cache clean --force'), 1);
  assert.equal(after('npm ci', 'npm cache verify'), 0);
  assert.equal(after('pnpm i', 'pnpm cache prune'), 1);
  assert.equal(after('yarn', 'yarn cache clean'), 1);
  assert.equal(after('yarn', 'yarn clean'), 0);
  assert.equal(after('pip install x', 'pip cache purge'), 1);
  assert.equal(after('python -m pip install x', 'pip3 cache purge'), 1);
  assert.equal(after('pip install x', 'pip uninstall -y x'), 0);
  assert.equal(after('echo', 'find /tmp -name "*.o" -delete'), 1);
  assert.equal(after('echo', 'find /tmp -name "*.o"'), 0);
  assert.equal(after('echo', 'rm -rf'), 0, 'rm without an operand');
  assert.equal(after('echo', 'rm -rf -- /tmp/x'), 1);
  // an rm by its path is an rm (its paths were not read: `/bin/rm -rf /var/lib/apt/lists/*` was never reported)
  assert.equal(find('FROM debian\nRUN apt-get install -y x\nRUN /bin/rm -rf /var/lib/apt/lists/*\n')[0]?.message, '`RUN /bin/rm -rf /var/lib/apt/lists/*` removes /var/lib/apt/lists/*' + tail);
  assert.equal(find('FROM debian\nRUN apt-get install -y x\nRUN /bin/rm -rf /tmp/x && apt-get clean\n')[0]?.message, '`RUN /bin/rm -rf /tmp/x && apt-get clean` removes /tmp/x, `apt-get clean`' + tail);
  assert.equal(after('apt-get install -y x', 'rm -rf /var/lib/apt/lists/* && echo done'), 0, 'not only cleanups');
  assert.equal(after('apt-get install -y x', 'true'), 0);
  // the first step of a stage has nothing before it; an ONBUILD cleanup runs in the child
  assert.deepEqual(lines('FROM debian\nRUN rm -rf /tmp/*\n'), []);
  assert.deepEqual(lines('FROM debian\nRUN apt-get install -y x\nONBUILD RUN rm -rf /var/lib/apt/lists/*\n'), []);
  // only RUN/COPY/ADD before it count as steps that create files
  assert.deepEqual(lines('FROM debian\nWORKDIR /x\nRUN rm -rf /tmp/*\n'), []);
  assert.deepEqual(lines('FROM debian\nCOPY a /a\nRUN rm -rf /tmp/*\n'), [2]);
});

test('cleanup-in-separate-layer: an rm counts only for paths an earlier step plausibly created', () => {
  const rm = (prev: string, path: string) => shape(`FROM debian\n${prev}\nRUN rm -rf ${path}\n`);
  // COPY/ADD destinations (and what is inside them)
  assert.deepEqual(rm('COPY a /opt/a/', '/opt/a/x'), [[2, 1, false]]);
  assert.deepEqual(rm('COPY a /opt/a', '/opt/a'), [[2, 1, false]]);
  assert.deepEqual(rm('ADD a /opt/a', '/opt/a/*'), [[2, 1, false]]);
  assert.deepEqual(rm('COPY a /opt/a', '/opt/ab'), []);
  assert.deepEqual(rm('RUN echo', '/etc/motd'), [], 'configuration the base image shipped');
  // cache folders after the tool that fills them, not otherwise
  const filled: [string, string][] = [
    ['RUN apt-get install -y x', '/var/lib/apt/lists/*'], ['RUN apt install -y x', '/var/cache/apt/archives'], ['RUN aptitude install x', '/var/cache/debconf/x'],
    ['RUN apk add x', '/var/cache/apk/*'], ['RUN dnf install -y x', '/var/cache/dnf'], ['RUN microdnf install -y x', '/var/cache/yum'], ['RUN zypper in x', '/var/cache/zypp'],
    ['RUN pip install x', '/root/.cache/pip'], ['RUN python3 -m pip install x', '/root/.cache/pip/http'], ['RUN npm i', '/root/.npm'], ['RUN yarn', '/usr/local/share/.cache/yarn'],
    ['RUN yarn', '/root/.yarn/x'], ['RUN mvn package', '/root/.m2'], ['RUN ./gradlew build', '/root/.gradle'], ['RUN python -m compileall .', '/app/__pycache__'], ['RUN ./x.py', '/app/__pycache__'],
  ];
  for (const [prev, path] of filled) {
    assert.deepEqual(rm(prev, path), [[2, 1, true]], `${prev} / ${path}`);
    assert.deepEqual(rm('RUN echo', path), [], `${path} with nothing that fills it`);
  }
  // a temporary folder or a folder named like a cache after any step
  for (const path of ['/tmp/*', '/tmp/x', '/var/tmp/x', '/opt/caches', '/opt/tmp', '/root/.cache', '/srv/cache'])
    assert.deepEqual(rm('RUN echo', path), [[2, 1, true]], path);
  // another cache-like path: only when an earlier step names it (three letters at least)
  assert.deepEqual(rm('RUN build-thing', '/opt/cache/build-thing'), [[2, 1, true]]);
  assert.deepEqual(rm('RUN echo', '/opt/cache/build-thing'), []);
  assert.deepEqual(rm('RUN echo ab', '/opt/cache/ab'), []);
  assert.deepEqual(rm('RUN echo abc', '/opt/cache/abc'), [[2, 1, true]]);
  assert.deepEqual(rm('RUN curl -o /x/foo.tar.gz http://a', '/x/foo.tar.gz'), [[2, 1, true]]);
  assert.deepEqual(rm('RUN echo', '/a/b/c.deb /x/y.whl /z/q.tgz /w.zip /v.gem /u.rpm /t.apk /s.tar'), []);
  assert.deepEqual(rm('RUN echo y.whl', '/x/y.whl'), [[2, 1, true]]);
  assert.deepEqual(rm('RUN echo x', '/opt/lists/x'), [], '`lists` is cache-like, but a name of fewer than three letters is not looked for');
  assert.deepEqual(rm('RUN echo xyz', '/opt/lists/xyz'), [[2, 1, true]]);
  assert.deepEqual(rm('RUN echo x.lists', '/opt/x.lists'), [], 'not cache-like');
});

test('cleanup-in-separate-layer: a producer that removed the folder itself after its last use left nothing', () => {
  assert.deepEqual(shape('FROM debian\nRUN apt-get update && apt-get install x && rm -rf /var/lib/apt/lists\nRUN rm -rf /var/lib/apt/lists/\n'), []);
  assert.deepEqual(shape('FROM debian\nRUN apt-get update && apt-get install x && rm -rf /var/lib/apt/lists/*\nRUN echo\nRUN rm -rf /var/lib/apt/lists/*\n'), []);
  // removed, then filled again
  assert.deepEqual(shape('FROM debian\nRUN apt-get update && rm -rf /var/lib/apt/lists/* && apt-get install x\nRUN rm -rf /var/lib/apt/lists/*\n'), [[2, 1, true]]);
  // an rm of another folder does not count; a JSON-form RUN cannot be read (it used apt: it filled the lists)
  assert.deepEqual(shape('FROM debian\nRUN apt-get install x && rm -rf /var/cache/apt\nRUN rm -rf /var/lib/apt/lists/*\n'), [[2, 1, true]]);
  assert.deepEqual(shape('FROM debian\nRUN ["apt-get", "install", "-y", "x"]\nRUN rm -rf /var/lib/apt/lists/*\n'), [[2, 1, false]]);
  // another cleanup step does not create what it names
  assert.deepEqual(shape('FROM debian\nRUN rm -rf /var/lib/apt/lists/*\nRUN rm -rf /var/lib/apt/lists/*\n'), []);
  // two separate cleanups after the install: each is reported, the second belongs with the first only by a path it names
  assert.deepEqual(shape('FROM debian\nRUN apt-get install -y x\nRUN rm -rf /var/lib/apt/lists/*\nRUN rm -rf /tmp/y\n'), [[2, 1, true], [3, 2, true]]);
});

test('cleanup-in-separate-layer: stages it is built FROM are producers; stages only copied from do not ship', () => {
  assert.deepEqual(shape('FROM debian AS base\nRUN apt-get install x\nFROM base AS b2\nFROM b2\nRUN echo\nRUN rm -rf /var/lib/apt/lists/*\n'), [[5, null, false]]);
  // only copied from: skipped; also a FROM base, or the target: reported
  assert.deepEqual(shape('FROM debian AS a\nRUN apt-get install x\nRUN rm -rf /var/lib/apt/lists/*\nFROM debian\nCOPY --from=a /x /x\n'), []);
  assert.deepEqual(shape('FROM debian AS a\nRUN apt-get install x\nRUN rm -rf /var/lib/apt/lists/*\nFROM a\nCOPY --from=a /x /x\n'), [[2, 1, true]]);
  assert.deepEqual(shape('FROM debian AS a\nRUN apt-get install x\nRUN rm -rf /var/lib/apt/lists/*\nFROM debian AS b\nCOPY --from=a /x /x\nFROM debian\n'), []);
  assert.deepEqual(shape('FROM debian AS a\nRUN apt-get install x\nRUN rm -rf /var/lib/apt/lists/*\nFROM debian\nRUN echo\n'), [[2, 1, true]], 'not read by any stage');
  assert.deepEqual(shape('FROM debian AS a\nRUN apt-get install x\nRUN rm -rf /var/lib/apt/lists/*\nFROM debian AS b\nRUN --mount=type=bind,from=a,target=/m true\n'), []);
});

test('cleanup-in-separate-layer: deleting inside a cache mount of the previous RUN', () => {
  const info = '`RUN rm -rf /var/lib/apt/lists/*` deletes inside a cache mount of the previous RUN: those files were never in the image, so this step does nothing but cost a layer.';
  const f = find('FROM debian\nRUN --mount=type=cache,target=/var/lib/apt apt-get install x\nRUN rm -rf /var/lib/apt/lists/*\n');
  assert.deepEqual(f.map((x) => [x.severity, x.message, x.range.start.line, x.related, x.fix]), [['info', info, 2, undefined, undefined]]);
  assert.equal(find('FROM debian\nRUN --mount=type=cache,target=/var/lib/apt/ apt-get install x\nRUN rm -rf /var/lib/apt/lists/*\n')[0]!.severity, 'info');
  assert.equal(find('FROM debian\nRUN --mount=type=cache,target=/var/lib/apt/lists apt-get install x\nRUN rm -rf /var/lib/apt/lists\n')[0]!.severity, 'info');
  // the mount point itself written with or without its trailing slash
  assert.equal(find('FROM debian\nRUN --mount=type=cache,target=/var/cache/apt/ apt-get install -y x\nRUN rm -rf /var/cache/apt\n')[0]!.severity, 'info');
  // not every path inside it, a mount elsewhere, a tmpfs or bind mount, a clean command: the usual warning
  for (const text of [
    'FROM debian\nRUN --mount=type=cache,target=/var/lib/apt apt-get install x\nRUN rm -rf /var/lib/apt/lists/* /tmp/x\n',
    'FROM debian\nRUN --mount=type=cache,target=/var/lib/aptx apt-get install x\nRUN rm -rf /var/lib/apt/lists/*\n',
    'FROM debian\nRUN --mount=type=tmpfs,target=/var/lib/apt apt-get install x\nRUN rm -rf /var/lib/apt/lists/*\n',
    'FROM debian\nRUN --mount=type=cache,target=/var/lib/apt apt-get install x\nRUN apt-get clean\n',
  ])
    assert.equal(find(text)[0]!.severity, 'warning', text);
});

test('cleanup-in-separate-layer: the related step and the fix only for the previous step that made what is cleaned', () => {
  // clean commands: the previous RUN ran the same manager / tool
  assert.deepEqual(shape('FROM fedora\nRUN dnf install -y x\nRUN dnf clean all\n'), [[2, 1, true]]);
  assert.deepEqual(shape('FROM fedora\nRUN yum install -y x\nRUN dnf clean all\n'), [[2, null, false]]);
  assert.deepEqual(shape('FROM fedora\nCOPY a /a\nRUN dnf clean all\n'), [[2, null, false]]);
  assert.deepEqual(shape('FROM node\nRUN npm ci\nRUN npm cache clean --force\n'), [[2, 1, true]]);
  assert.deepEqual(shape('FROM node\nRUN yarn\nRUN npm cache clean --force\n'), [[2, null, false]]);
  assert.deepEqual(shape('FROM python\nRUN python3 -m pip install x\nRUN pip cache purge\n'), [[2, 1, true]]);
  assert.deepEqual(shape('FROM python\nRUN pip3 install x\nRUN pip cache purge\n'), [[2, 1, true]]);
  assert.deepEqual(shape('FROM python\nRUN uv pip install x\nRUN pip cache purge\n'), [[2, null, false]]);
  assert.deepEqual(shape('FROM debian\nRUN touch /tmp/a.o\nRUN find /tmp -name "*.o" -delete\n'), [[2, null, false]]);
  // the fix: a shell-form previous RUN, no heredoc, nothing affecting in between, no mounts on the cleanup
  assert.deepEqual(shape('FROM debian\nRUN apt-get install -y x\nENV A=1\nRUN rm -rf /var/lib/apt/lists/*\n'), [[3, 1, false]]);
  assert.deepEqual(shape('FROM debian\nRUN apt-get install -y x\nLABEL a=1\nRUN rm -rf /var/lib/apt/lists/*\n'), [[3, 1, true]]);
  assert.deepEqual(shape('FROM debian\nRUN apt-get install -y x\nRUN --mount=type=tmpfs,target=/t rm -rf /var/lib/apt/lists/*\n'), [[2, 1, false]]);
  assert.deepEqual(shape('FROM debian\nRUN apt-get install -y x\nRUN <<EOF\nrm -rf /var/lib/apt/lists/*\nEOF\n'), [[2, 1, false]]);
  assert.deepEqual(shape('FROM debian\nRUN <<EOF\napt-get install -y x\nEOF\nRUN rm -rf /var/lib/apt/lists/*\n'), [[4, 1, false]]);
  assert.deepEqual(shape('FROM debian\nCOPY a /opt/a\nRUN rm -rf /opt/a\n'), [[2, 1, false]], 'a COPY is not a RUN to move it into');
  // the moved script is joined onto one line, trailing blanks of the previous RUN dropped
  const [f] = find('FROM debian\nRUN apt-get install -y x   \nRUN rm -rf /tmp/a \\\n  /tmp/b\n');
  assert.deepEqual(f!.fix!.edits.map((e) => e.newText), ['RUN apt-get install -y x && \\\n    rm -rf /tmp/a   /tmp/b', '']);
});

test('cleanup-in-separate-layer: the survivors of the first mutation run (paths by name, producers, which tool cleans after which)', () => {
  const after = (prev: string, run: string) => find(`FROM debian\nRUN ${prev}\nRUN ${run}\n`).length;
  // an rm with only flags is no cleanup, even beside one; an OS command of another kind naming "cache"; `apk cache purge`
  assert.equal(after('apt-get install -y x', 'rm -f && apt-get clean'), 0);
  assert.equal(after('apk add x', 'apk info cache'), 0);
  assert.equal(after('apk add x', 'apk cache purge'), 1);
  // relative cache folders (WORKDIR /root) after the tool that fills them; gradle without the wrapper; ~/.yarn itself
  for (const [prev, path] of [['npm ci', '.npm'], ['mvn package', '.m2'], ['gradle build', '.gradle'], ['python x.py', '__pycache__'], ['pip install x', '.cache/pip/x'], ['yarn', '.yarn'], ['yarn', '/root/.yarn'], ['gradle build', '/root/.gradle']] as const)
    assert.deepEqual(shape(`FROM debian\nWORKDIR /root\nRUN ${prev}\nRUN rm -rf ${path}\n`), [[3, 2, true]], `${prev} / ${path}`);
  // a COPY before the producer: the COPY's text is read too
  assert.deepEqual(shape('FROM debian\nCOPY a /a\nRUN apt-get install -y x\nRUN rm -rf /var/lib/apt/lists/*\n'), [[3, 2, true]]);
  assert.deepEqual(shape('FROM debian\nCOPY apt-get.conf /etc/apt/\nRUN rm -rf /var/lib/apt/lists/*\n'), [[2, 1, false]], 'a COPY naming the tool counts as its producer');
  // when nothing but other cleanups came before, nothing was created
  assert.deepEqual(shape('FROM debian\nRUN rm -rf /tmp/a\nRUN rm -rf /tmp/b\n'), []);
  assert.deepEqual(shape('FROM debian\nRUN rm -rf /tmp/a\nRUN rm -rf /opt/cache\n'), []);
  // a cache-like folder's own name must be exactly a cache name, or be named by a step
  assert.deepEqual(shape('FROM debian\nRUN echo\nRUN rm -rf /opt/cache/mycache\n'), []);
  assert.deepEqual(shape('FROM debian\nRUN echo\nRUN rm -rf /opt/cache/cachex\n'), []);
  assert.deepEqual(shape('FROM debian\nRUN echo\nRUN echo abc\nRUN rm -rf /opt/cache/abc\n'), [[3, 2, true]]);
  // a producer that removed the folder: its first command used the tool; a later command that only names the folder
  // is a use of the path, not an rm; a command after the rm that is not the tool
  assert.deepEqual(shape('FROM debian\nRUN apt-get install -y x && rm -rf /var/lib/apt/lists\nRUN rm -rf /var/lib/apt/lists/\n'), []);
  assert.deepEqual(shape('FROM debian\nRUN apt-get install -y x && ls /var/lib/apt/lists\nRUN rm -rf /var/lib/apt/lists\n'), [[2, 1, true]]);
  assert.deepEqual(shape('FROM debian\nRUN apt-get install -y x && rm -rf /var/lib/apt/lists && echo done\nRUN rm -rf /var/lib/apt/lists/*\n'), []);
  assert.deepEqual(shape('FROM alpine\nRUN apk add x && rm -rf /var/cache/apk\nRUN rm -rf /var/cache/apk/*\n'), []);
  assert.deepEqual(shape('FROM debian\nRUN apt-get install -y x && /bin/rm -rf /var/lib/apt/lists\nRUN rm -rf /var/lib/apt/lists/*\n'), []);
  // only steps before the cleanup create what it removes
  assert.deepEqual(shape('FROM debian\nRUN echo\nRUN rm -rf /var/lib/apt/lists/*\nRUN apt-get install -y x\n'), []);
  // no step of its own stage before it (a WORKDIR only), though a base stage has RUNs
  assert.deepEqual(shape('FROM debian AS a\nRUN echo\nFROM a\nWORKDIR /x\nRUN rm -rf /tmp/x\n'), []);
  assert.deepEqual(shape('FROM debian\nWORKDIR /x\nRUN apt-get clean\n'), []);
  // an rm beside a clean is not an rm-only step; one plausible path of two is enough
  assert.deepEqual(shape('FROM debian\nRUN apt-get install -y x\nRUN rm -rf /etc/x && apt-get clean\n'), [[2, null, false]], 'reported; the step it belongs in is decided by the paths');
  assert.deepEqual(shape('FROM debian\nRUN apt-get install -y x\nRUN rm -rf /var/lib/apt/lists/* /etc/foo\n'), [[2, 1, true]]);
  // the previous step made one of the paths (an earlier COPY made the other): related and fix
  assert.deepEqual(shape('FROM debian\nCOPY a /opt/a\nRUN apt-get install -y x\nRUN rm -rf /var/lib/apt/lists/* /opt/a\n'), [[3, 2, true]]);
  // a RUN that does not parse is not read
  assert.deepEqual(shape('FROM debian\nRUN echo\nRUN rm -rf /tmp/x "\n'), []);
  // the target stage, even when an earlier stage reads it, ships
  assert.deepEqual(shape('FROM debian AS x\nCOPY --from=t /x /x\nFROM debian AS t\nRUN apt-get install -y x\nRUN rm -rf /var/lib/apt/lists/*\n'), [[4, 3, true]]);
  // a JSON-form cleanup is reported without a fix
  assert.deepEqual(shape('FROM debian\nRUN echo\nRUN ["rm", "-rf", "/tmp/x"]\n'), [[2, 1, false]]);
  // 90 characters are not cut
  const p90 = '/tmp/' + 'a'.repeat(85);
  assert.equal(find(`FROM debian\nRUN echo\nRUN rm -rf ${p90}\n`)[0]!.message, `\`RUN rm -rf ${p90.slice(0, 38)}…\` removes ${p90}` + tail);
});

test('cleanup-in-separate-layer: the previous step cleaned after: OS managers by manager, tools by name or path', () => {
  assert.deepEqual(shape('FROM debian\nRUN apt-get install -y x\nRUN apt clean\n'), [[2, 1, true]], 'apt and apt-get are one manager');
  assert.deepEqual(shape('FROM debian\nRUN apt-get install -y x && echo hi\nRUN apt-get clean\n'), [[2, 1, true]]);
  assert.deepEqual(shape('FROM debian\nRUN find / -name x\nRUN find /tmp -name "*.o" -delete\n'), [[2, null, false]]);
  assert.deepEqual(shape('FROM python\nRUN pip install x\nRUN pip3 cache purge\n'), [[2, 1, true]]);
  assert.deepEqual(shape('FROM python\nRUN pip install x && echo hi\nRUN pip cache purge\n'), [[2, 1, true]]);
  assert.deepEqual(shape('FROM python\nRUN ipython -c 1\nRUN pip cache purge\n'), [[2, null, false]]);
  assert.deepEqual(shape('FROM node\nRUN /usr/bin/npm ci\nRUN npm cache clean --force\n'), [[2, 1, true]]);
  assert.deepEqual(shape('FROM node\nRUN npm ci\nRUN /usr/bin/npm cache clean --force\n'), [[2, 1, true]]);
  assert.deepEqual(shape('FROM node\nRUN npm ci\nRUN npm cache clean --force && apt-get clean\n'), [[2, null, false]], 'every clean must follow its tool');
  // cache mounts: the target with several trailing slashes, a folder that only starts like it
  assert.equal(find('FROM debian\nRUN --mount=type=cache,target=/var/cache/apt// apt-get install -y x\nRUN rm -rf /var/cache/apt\n')[0]!.severity, 'info');
  assert.equal(find('FROM debian\nRUN --mount=type=cache,target=/var/lib/apt apt-get install -y x\nRUN rm -rf /var/lib/aptx/y\n').length, 0, 'not a cache folder of a tool that ran');
  assert.equal(find('FROM debian\nRUN --mount=type=cache,target=/tmp/a apt-get install -y x\nRUN rm -rf /tmp/ab\n')[0]!.severity, 'warning');
});

test('cleanup-in-separate-layer: no fix that would not run the cleanup on the same files right after the previous RUN', () => {
  const fixed = (prev: string, run: string) => {
    const f = find(`FROM debian\nCOPY a /tmp/a\nRUN ${prev}\nRUN ${run}\n`);
    assert.equal(f.length, 1, run);
    return !!f[0]!.fix;
  };
  // a mount of the previous RUN at, above or inside a deleted path: there the rm would act on the mount (a tmpfs hides
  // the image's /tmp/a; rm -rf of a mount point fails), not on the image
  assert.equal(fixed('--mount=type=cache,target=/var/cache/apt apt-get install -y x', 'rm -rf /var/cache/apt /tmp/x'), false);
  assert.equal(fixed('--mount=type=tmpfs,target=/tmp apt-get install -y x', 'rm -rf /tmp/*'), false);
  assert.equal(fixed('--mount=type=bind,source=x,target=/tmp/x apt-get install -y x', 'rm -rf /tmp/x'), false);
  assert.equal(fixed('--mount=type=cache,target=/var/cache apt-get install -y x', 'rm -rf /var/cache/apt/archives/*.deb'), false);
  assert.equal(fixed('--mount=type=cache,target=lists apt-get install -y x', 'rm -rf /lists/apt'), false, 'a relative target from the WORKDIR');
  assert.equal(fixed('--mount=type=cache,target=/var/cache/apt apt-get install -y x', 'rm -rf /var/cache/apt*'), false, 'a wildcard reaches its folder');
  assert.equal(fixed('--mount=type=cache,target=/root/.npm npm ci', 'rm -rf $NPM_DIR/_logs /tmp/x'), false, 'a path the shell expands');
  assert.equal(fixed('--mount=type=secret,id=k apt-get install -y x', 'rm -rf /tmp/x'), false, 'a mount without a target');
  assert.equal(fixed('--mount=type=cache,target=/var/cache/apt apt-get install -y x', 'apt-get clean'), false, 'a clean command: its folders are not known');
  // mounts elsewhere do not matter
  assert.equal(fixed('--mount=type=cache,target=/var/cache/apt apt-get install -y x', 'rm -rf /var/lib/apt/lists/* /tmp/a'), true);
  assert.equal(fixed('--mount=type=cache,target=/var/cache/aptx apt-get install -y x', 'rm -rf /var/cache/apt'), true);
  // a previous RUN that may end early, or whose text would swallow or break the appended commands
  assert.equal(fixed('apt-get install -y x && exit 0', 'rm -rf /tmp/a'), false);
  assert.equal(fixed('apt-get install -y x && exec true', 'rm -rf /tmp/a'), false);
  assert.equal(fixed('apt-get install -y x # the tools', 'rm -rf /tmp/a'), false, 'the rm would be part of the comment');
  assert.equal(fixed('apt-get install -y x;', 'rm -rf /tmp/a'), false, '`; &&` does not parse');
  assert.equal(fixed('apt-get install -y x &', 'rm -rf /tmp/a'), false);
  // the cleanup's commands joined by `;` or `||` would run after a failing previous RUN
  assert.equal(fixed('apt-get install -y x', 'rm -rf /tmp/a; rm -rf /var/lib/apt/lists/*'), false);
  assert.equal(fixed('apt-get install -y x', 'rm -rf /tmp/a || rm -rf /var/lib/apt/lists/*'), false);
  assert.equal(fixed('apt-get install -y x', 'rm -rf /tmp/a 2>/dev/null && rm -rf /var/lib/apt/lists/*'), true, 'a redirection is no separator');
  assert.equal(fixed('apt-get install -y x || true', 'rm -rf /tmp/a'), true);
  assert.equal(fixed('apt-get install -y x && return 0', 'rm -rf /tmp/a'), false);
  assert.equal(fixed('apt-get install -y x', 'rm -rf /tmp/a >/dev/null && rm -rf /var/lib/apt/lists/*'), true, 'a redirection without a descriptor');
  // an rm beside a clean command, with a mount on the previous RUN: the clean command's folders are not known
  assert.equal(fixed('--mount=type=cache,target=/var/cache/apt apt-get install -y x', 'rm -rf /tmp/a && apt-get clean'), false);
  // relative mount targets and paths, from each step's WORKDIR
  const wd = (prev: string, run: string) => find(`FROM node\nWORKDIR /root\nRUN ${prev}\nRUN ${run}\n`).map((f) => !!f.fix);
  assert.deepEqual(wd('--mount=type=cache,target=.npm npm ci', 'rm -rf /root/.npm /tmp/x'), [false]);
  assert.deepEqual(wd('--mount=type=cache,target=/root/.npm npm ci', 'rm -rf .npm/_logs /tmp/x'), [false]);
  assert.deepEqual(wd('--mount=type=cache,target=/root/.npm npm ci', 'rm -rf .npmx /tmp/x'), [true]);
});

test('cleanup-in-separate-layer: the survivors of the session-12 mutation run', () => {
  const after = (prev: string, run: string) => find(`FROM debian\nRUN ${prev}\nRUN ${run}\n`).length;
  // `-delete` is find's: another command with that word is no cleanup
  assert.equal(after('apt-get install -y x', 'mytool -delete'), 0);
  // an exec-form producer is read word by word (`apk` is not a word of `apkaddx`)
  assert.deepEqual(shape('FROM alpine\nRUN ["apk", "add", "x"]\nRUN rm -rf /var/cache/apk/*\n'), [[2, 1, false]]);
  // a COPY into the root says nothing about which files are there
  assert.deepEqual(shape('FROM debian\nCOPY a /\nRUN rm -rf /opt/foo\n'), []);
  // a folder named tmp below another one is no temporary folder: its file needs a name an earlier step mentions
  assert.equal(after('echo', 'rm -rf /x/tmp/yy'), 0);
  assert.equal(after('echo yyy', 'rm -rf /x/tmp/yyy'), 1);
  // archives by their extension, at the end of the name only
  assert.equal(after('curl -o /x.tar https://e.x/x.tar', 'rm /x.tar'), 1);
  assert.equal(after('touch /opt/foo.zipper', 'rm /opt/foo.zipper'), 0);
  // a producer that removed the folder, written with a trailing slash, left nothing there
  assert.deepEqual(shape('FROM debian\nRUN apt-get install -y x && rm -rf /var/lib/apt/lists/\nRUN rm -rf /var/lib/apt/lists\n'), []);
  // the target stage ships even when a later stage copies from it
  const text = 'FROM debian AS a\nRUN apt-get install -y x\nRUN rm -rf /var/lib/apt/lists/*\nFROM debian AS b\nCOPY --from=a /x /x\n';
  assert.equal(find(text).length, 0);
  assert.equal(check(text, null, { target: 'a' }).findings.filter((f) => f.rule === R).length, 1);
});

test('cleanup-in-separate-layer: a relative or home path inside a cache mount of the previous RUN is inside it too', () => {
  // these said "the files stay in the earlier layer": they were in the cache mount, never in the image
  const sev = (prev: string, run: string, pre = 'WORKDIR /root\n') => find(`FROM node\n${pre}RUN ${prev}\nRUN ${run}\n`).map((f) => f.severity);
  assert.deepEqual(sev('--mount=type=cache,target=.npm npm ci', 'rm -rf /root/.npm'), ['info']);
  assert.deepEqual(sev('--mount=type=cache,target=/root/.npm npm ci', 'rm -rf .npm'), ['info']);
  assert.deepEqual(sev('--mount=type=cache,target=/root/.npm npm ci', 'rm -rf ./.npm/'), ['info']);
  assert.deepEqual(sev('--mount=type=cache,target=/root/.npm npm ci', 'rm -rf ~/.npm', ''), ['info']);
  assert.deepEqual(sev('--mount=type=cache,target=/root/.npm npm ci', 'rm -rf $HOME/.npm/_cacache', ''), ['info']);
  assert.deepEqual(sev('--mount=type=cache,target=/root/.npm npm ci', 'rm -rf ${HOME}/.npm', ''), ['info']);
  // another user's home, a folder the shell expands otherwise, one only starting like the target: in the image
  assert.deepEqual(sev('--mount=type=cache,target=/root/.npm npm ci', 'rm -rf ~/.npm', 'USER node\n'), ['warning']);
  assert.deepEqual(sev('--mount=type=cache,target=/root/.npm npm ci', 'rm -rf $NPM_DIR/.npm', 'ENV NPM_DIR=/root\n'), ['warning']);
  assert.deepEqual(sev('--mount=type=cache,target=/root/.npm npm ci', 'rm -rf /root/.npmrc.d/.npm /tmp/x', ''), ['warning']);
  // the home itself; a home not known (a numeric user) is not known to be inside
  assert.deepEqual(sev('--mount=type=cache,target=/root npm ci', 'rm -rf ~ /root/.npm', ''), ['info']);
  assert.deepEqual(sev('--mount=type=cache,target=/w npm ci', 'rm -rf ~/.npm', 'USER 1234\nWORKDIR /w\n'), ['warning']);
});
