// Build contexts from project files: compose `build:` entries, bake targets, `.layerwise.yaml`, and their precedence
// under the settings — pure parsing (engine), discovery on real temp folders (context layer) and the protocol.
import { test, describe, after } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseBakeHcl, parseBakeJson, parseComposeBuilds, composeInterpolate, mergeBuildLayers, parseConfig, withDockerfileContext } from '../../server/src/engine';
import { ProjectFiles, configErrorLine } from '../../server/src/context/projects';
import { LspClient, tempContext, FULL_CAPS } from './client';
import type { AnalysedNotification } from '../../server/src/lsp/server';

describe('project files: parsing (engine)', () => {
  test('compose: long form, string form, list args, interpolation defaults, inline and image-only services skipped', () => {
    const r = parseComposeBuilds(`services:
  web:
    build:
      context: ..
      dockerfile: docker/app.Dockerfile
      args:
        - A=1
        - FROM_ENV
        - "B=x=y"
      target: \${TARGET:-prod}
  api:
    build: ./api
  inline:
    build:
      dockerfile_inline: "FROM alpine"
  db:
    image: postgres
`);
    assert.deepEqual(r.errors, []);
    assert.deepEqual(r.builds, [
      { kind: 'compose', name: 'web', context: '..', dockerfile: 'docker/app.Dockerfile', args: { A: '1', B: 'x=y' }, target: 'prod', line: 1 },
      { kind: 'compose', name: 'api', context: './api', dockerfile: 'Dockerfile', args: {}, line: 10 },
    ]);
    const m = parseComposeBuilds('services:\n  a:\n    build:\n      args: {N: 20, S: "$${X}"}\n');
    assert.deepEqual(m.builds[0]!.args, { N: '20', S: '${X}' });
    assert.equal(composeInterpolate('${A:-x}/${B-y}/${C}/$$D'), 'x/y//$D');
    assert.equal(composeInterpolate('${A:+set}${A+set}', { A: '' }), 'set');
  });

  test('compose: invalid YAML and odd shapes are errors, never throws', () => {
    assert.match(parseComposeBuilds('services: [\n').errors[0]!, /not valid YAML/);
    assert.match(parseComposeBuilds('services: 3\n').errors[0]!, /services/);
    assert.deepEqual(parseComposeBuilds('').builds, []);
    assert.deepEqual(parseComposeBuilds('services:\n  a:\n    build: 3\n').errors, ['`services.a.build` must be a path or a map']);
  });

  test('bake HCL: variables, inherits, comments, maps with : and =, heredocs; unresolvable contexts skipped', () => {
    const r = parseBakeHcl(`# comment
variable "TAG" { default = "latest" }
variable "DIR" {
  default = "svc"
}
group "default" { targets = ["app"] }
target "_common" {
  args = { GO_VERSION = "1.22", N = 1 }
}
/* a block
   comment */
target "app" {
  inherits = ["_common"]
  context = "./\${DIR}" // trailing comment
  dockerfile = "docker/app.Dockerfile"
  target = "prod"
  args = {
    NODE: "20",
    TAG = "\${TAG}"
    COND = notequal("", TAG) ? "a" : "b"
  }
  tags = ["x/app:\${TAG}", "x/app:\${upper(TAG)}"]
}
target "inline" {
  dockerfile-inline = <<EOT
FROM alpine
EOT
}
target "unknown" { context = "\${NOT_DEFINED}" }
`);
    assert.deepEqual(r.errors, []);
    const app = r.builds.find((b) => b.name === 'app')!;
    assert.deepEqual(app, { kind: 'bake', name: 'app', context: './svc', dockerfile: 'docker/app.Dockerfile', args: { GO_VERSION: '1.22', N: '1', NODE: '20', TAG: 'latest' }, target: 'prod', line: 11 });
    assert.equal(r.builds[0]!.name, 'app', 'leaf targets come before the templates they inherit');
    assert.ok(!r.builds.some((b) => b.name === 'inline' || b.name === 'unknown'));
  });

  test('bake JSON and garbage', () => {
    const r = parseBakeJson('{"variable":{"T":{"default":"v1"}},"target":{"a":{"context":"x","dockerfile":"D","args":{"V":"${T}"},"target":"t"}}}');
    assert.deepEqual(r.builds, [{ kind: 'bake', name: 'a', context: 'x', dockerfile: 'D', args: { V: 'v1' }, target: 't' }]);
    assert.match(parseBakeJson('{').errors[0]!, /not valid JSON/);
    for (const junk of ['target "a" {', '}}}}', 'target "a" { context = [ "x" ', '"\\', '<<EOT\n', 'a = = = b']) assert.ok(Array.isArray(parseBakeHcl(junk).builds));
  });

  test('precedence: first context and target win; build args merge with the higher layer winning', () => {
    const m = mergeBuildLayers(
      [
        { source: 'settings', label: 'settings', buildArgs: { A: 'settings' } },
        { source: 'config', label: '.layerwise.yaml', contextDir: '/cfg', buildArgs: { A: 'cfg', B: 'cfg' }, target: 't-cfg' },
        { source: 'project', label: 'compose.yaml service "web"', contextDir: '/compose', buildArgs: { B: 'compose', C: 'compose' }, target: 't-compose' },
      ],
      '/folder',
    );
    assert.deepEqual(m, { contextDir: '/cfg', contextFrom: '.layerwise.yaml', target: 't-cfg', buildArgs: { A: 'settings', B: 'cfg', C: 'compose' } });
    assert.equal(mergeBuildLayers([], '/folder').contextDir, '/folder');
  });

  test('configErrorLine points at the key a ConfigError names', () => {
    const text = 'rules:\n  apt-update-alone: loud\ndockerfiles:\n  app/Dockerfile:\n    context: 3\n';
    assert.equal(configErrorLine(text, 'x: `rules.apt-update-alone`: "loud" is not one of off'), 1);
    assert.equal(configErrorLine(text, 'x: `dockerfiles.app/Dockerfile.context` must be a string'), 4);
    assert.equal(configErrorLine(text, 'x: not valid YAML: Nested mappings are not allowed at line 3, column 5'), 2);
  });
});

describe('project files: discovery on disk (context layer)', () => {
  test('the nearest compose/bake file that builds the Dockerfile; .layerwise.yaml entry relative to the config', () => {
    const dir = tempContext({
      'compose.yaml': 'services:\n  web:\n    build:\n      context: .\n      dockerfile: docker/web.Dockerfile\n      args: {A: "1"}\n',
      'docker-compose.yml': 'services:\n  ignored:\n    build: {context: ., dockerfile: docker/web.Dockerfile}\n',
      'docker/web.Dockerfile': 'FROM alpine\n',
      'docker/docker-bake.hcl': 'target "other" {\n  context = "../svc"\n  dockerfile = "../docker/other.Dockerfile"\n}\n',
      'docker/other.Dockerfile': 'FROM alpine\n',
      'svc/x': 'x',
      'lonely/Dockerfile': 'FROM alpine\n',
    });
    const pf = new ProjectFiles();
    const web = pf.resolve(path.join(dir, 'docker/web.Dockerfile'), dir);
    assert.equal(web.project?.label, 'compose.yaml service "web"', 'compose.yaml is preferred over docker-compose.yml');
    assert.equal(web.project?.contextDir, dir);
    assert.deepEqual(web.project?.build.args, { A: '1' });
    const other = pf.resolve(path.join(dir, 'docker/other.Dockerfile'), dir);
    assert.equal(other.project?.label, 'docker-bake.hcl target "other"');
    assert.equal(other.project?.contextDir, path.join(dir, 'svc'));
    assert.equal(pf.resolve(path.join(dir, 'lonely/Dockerfile'), dir).project, null);
    // an edit is seen (cache keyed by mtime/size)
    fs.writeFileSync(path.join(dir, 'compose.yaml'), 'services:\n  web2:\n    build:\n      context: docker\n      dockerfile: web.Dockerfile\n');
    pf.fileChanged(path.join(dir, 'compose.yaml'));
    const web2 = pf.resolve(path.join(dir, 'docker/web.Dockerfile'), dir);
    assert.equal(web2.project?.label, 'compose.yaml service "web2"');
    assert.equal(web2.project?.contextDir, path.join(dir, 'docker'));
  });

  test('.layerwise.yaml: entry, ignore list, and a bad file as a problem naming file and key', () => {
    const dir = tempContext({
      '.git/HEAD': 'ref',
      '.layerwise.yaml': 'dockerfiles:\n  app/Dockerfile:\n    context: .\n    target: prod\nignore: ["legacy/**"]\n',
      'app/Dockerfile': 'FROM alpine\n',
      'legacy/Dockerfile': 'FROM alpine\n',
    });
    const pf = new ProjectFiles();
    const app = pf.resolve(path.join(dir, 'app/Dockerfile'), dir);
    assert.equal(app.configContextDir, dir);
    assert.equal(app.configEntry?.target, 'prod');
    assert.equal(pf.resolve(path.join(dir, 'legacy/Dockerfile'), dir).ignored, true);
    fs.writeFileSync(path.join(dir, '.layerwise.yaml'), 'rules:\n  no-such-rule: error\n');
    pf.fileChanged(path.join(dir, '.layerwise.yaml'));
    const bad = pf.resolve(path.join(dir, 'app/Dockerfile'), dir);
    assert.equal(bad.config, null);
    assert.equal(bad.configError?.file, path.join(dir, '.layerwise.yaml'));
    assert.match(bad.configError!.message, /\.layerwise\.yaml.*rules\.no-such-rule/);
    assert.equal(bad.configError!.line, 1);
  });
});

const clients: LspClient[] = [];
async function start(root: string, init: Record<string, unknown> = {}): Promise<LspClient> {
  const c = await LspClient.start({ root, initializationOptions: init, capabilities: FULL_CAPS });
  clients.push(c);
  return c;
}
after(async () => {
  for (const c of clients) await c.stop();
});

function analysed(c: LspClient, uri: string, pred: (n: AnalysedNotification) => boolean = () => true, what = 'analysis'): Promise<AnalysedNotification> {
  return c.until(() => [...c.notifications].reverse().find((n) => n.method === 'layerwise/analysed' && (n.params as AnalysedNotification).uri === uri && pred(n.params as AnalysedNotification))?.params as AnalysedNotification | undefined, 10000, what);
}

const APP_DF = `FROM alpine AS base
ARG FLAVOR=plain
COPY src /src
COPY \${FLAVOR}.txt /f
RUN echo $FLAVOR

FROM base AS prod
RUN echo prod

FROM base AS debug
RUN echo debug
`;

test('withDockerfileContext: a new file, an added entry, a changed entry; comments and other keys kept', () => {
  const fresh = withDockerfileContext(null, 'docker/api/Dockerfile', '.');
  assert.deepEqual(parseConfig(fresh, 'f').dockerfiles, { 'docker/api/Dockerfile': { context: '.' } });
  const existing = '# team settings\nrules:\n  missing-cache-mount: off # noisy for us\ndockerfiles:\n  web/Dockerfile:\n    target: prod\n';
  const added = withDockerfileContext(existing, 'api/Dockerfile', '..');
  assert.match(added, /# team settings/);
  assert.match(added, /# noisy for us/);
  const cfg = parseConfig(added, 'f');
  assert.equal(cfg.rules['missing-cache-mount'], 'off');
  assert.deepEqual(cfg.dockerfiles, { 'web/Dockerfile': { target: 'prod' }, 'api/Dockerfile': { context: '..' } });
  const changed = parseConfig(withDockerfileContext(added, 'web/Dockerfile', '.'), 'f');
  assert.deepEqual(changed.dockerfiles['web/Dockerfile'], { target: 'prod', context: '.' });
  assert.deepEqual(parseConfig(withDockerfileContext('# only a comment\n', 'Dockerfile', '..'), 'f').dockerfiles, { Dockerfile: { context: '..' } });
  assert.throws(() => withDockerfileContext('a: [unclosed', 'Dockerfile', '..'), /not valid YAML/);
});

describe('project files over the protocol', () => {
  test('compose build: entry sets the context, args and target of a Dockerfile in another folder', async () => {
    const dir = tempContext({
      'compose.yaml': 'services:\n  web:\n    build:\n      context: .\n      dockerfile: docker/app.Dockerfile\n      target: prod\n      args:\n        FLAVOR: spicy\n',
      'docker/app.Dockerfile': APP_DF,
      'src/a.txt': 'a',
      'src/b.txt': 'b',
      'plain.txt': 'p',
      'spicy.txt': 's',
    });
    const c = await start(dir);
    const uri = c.open(path.join(dir, 'docker/app.Dockerfile'));
    const n = await analysed(c, uri);
    assert.equal(n.contextDir, dir);
    assert.equal(n.contextFrom, 'compose.yaml service "web"');
    assert.match(await c.hoverText(uri, 2), /2 context files/);
    const lenses = await c.codeLenses(uri);
    assert.match(lenses.find((l) => l.range.start.line === 10)!.command!.title, /not built for the target/, 'target prod: the debug stage is not built');
    assert.doesNotMatch(lenses.find((l) => l.range.start.line === 7)!.command!.title, /not built/);
    assert.match(await c.hoverText(uri, 3), /1 context file: `spicy\.txt`/, 'the build arg from compose reaches COPY sources');
  });

  test('compose string form and docker-bake.hcl targets', async () => {
    const dir = tempContext({
      'docker-compose.yml': 'services:\n  api:\n    build: ./api\n',
      'api/Dockerfile': 'FROM alpine\nCOPY . /app\n',
      'api/main.go': 'package main',
      'docker-bake.hcl': 'variable "SVC" { default = "worker" }\ntarget "w" {\n  context = "."\n  dockerfile = "${SVC}/Dockerfile"\n}\n',
      'worker/Dockerfile': 'FROM alpine\nCOPY worker /w\n',
      'worker/job.py': 'x',
      'worker/lib.py': 'y',
    });
    const c = await start(dir);
    const api = c.open(path.join(dir, 'api/Dockerfile'));
    const na = await analysed(c, api);
    assert.equal(na.contextFrom, 'docker-compose.yml service "api"');
    assert.equal(na.contextDir, path.join(dir, 'api'));
    const w = c.open(path.join(dir, 'worker/Dockerfile'));
    const nw = await analysed(c, w);
    assert.equal(nw.contextFrom, 'docker-bake.hcl target "w"');
    assert.equal(nw.contextDir, dir);
    assert.match(await c.hoverText(w, 1), /3 context files/);
  });

  test('precedence: settings > .layerwise.yaml > compose > folder', async () => {
    const dir = tempContext({
      '.layerwise.yaml': 'dockerfiles:\n  docker/app.Dockerfile:\n    context: cfgctx\n',
      'compose.yaml': 'services:\n  web:\n    build: {context: ., dockerfile: docker/app.Dockerfile}\n',
      'docker/app.Dockerfile': 'FROM alpine\nCOPY . /x\n',
      'cfgctx/only.txt': 'x',
      'setctx/a.txt': 'x',
    });
    const c = await start(dir);
    const uri = c.open(path.join(dir, 'docker/app.Dockerfile'));
    const n = await analysed(c, uri);
    assert.equal(n.contextFrom, '.layerwise.yaml');
    assert.equal(n.contextDir, path.join(dir, 'cfgctx'));
    const c2 = await start(dir, { settings: { contexts: { 'docker/app.Dockerfile': 'setctx' } } });
    const uri2 = c2.open(path.join(dir, 'docker/app.Dockerfile'));
    const n2 = await analysed(c2, uri2);
    assert.equal(n2.contextDir, path.join(dir, 'setctx'));
    assert.match(n2.contextFrom!, /layerwise\.contexts/);
  });

  test('.layerwise.yaml rules set severities (settings still win); ignore: silences a Dockerfile', async () => {
    const df = 'FROM debian:12\nRUN apt-get update\nRUN apt-get install -y curl\n';
    const dir = tempContext({ '.git/HEAD': 'ref', '.layerwise.yaml': 'rules:\n  apt-update-alone: error\nignore: ["old/*"]\n', Dockerfile: df, 'old/Dockerfile': df });
    const c = await start(dir);
    const uri = c.open(path.join(dir, 'Dockerfile'));
    const p = await c.waitDiagnostics(uri, (d) => d.some((x) => x.code === 'apt-update-alone'));
    assert.equal(p.diagnostics.find((x) => x.code === 'apt-update-alone')!.severity, 1);
    const old = c.open(path.join(dir, 'old/Dockerfile'));
    const po = await c.waitDiagnostics(old);
    assert.deepEqual(po.diagnostics, []);
    const c2 = await start(dir, { settings: { rules: { 'apt-update-alone': 'info' } } });
    const uri2 = c2.open(path.join(dir, 'Dockerfile'));
    const p2 = await c2.waitDiagnostics(uri2, (d) => d.some((x) => x.code === 'apt-update-alone'));
    assert.equal(p2.diagnostics.find((x) => x.code === 'apt-update-alone')!.severity, 3);
  });

  test('a bad .layerwise.yaml: a diagnostic naming the file and key (on the Dockerfile and the file), then cleared when fixed', async () => {
    const dir = tempContext({ '.git/HEAD': 'ref', '.layerwise.yaml': 'rules:\n  apt-update-alone: loud\n', Dockerfile: 'FROM alpine\nCOPY x /x\n', x: 'x' });
    const cfgUri = pathToFileURL(path.join(dir, '.layerwise.yaml')).href;
    const c = await start(dir);
    const uri = c.open(path.join(dir, 'Dockerfile'));
    const p = await c.waitDiagnostics(uri, (d) => d.some((x) => x.code === 'config'));
    const d = p.diagnostics.find((x) => x.code === 'config')!;
    assert.match(d.message, /\.layerwise\.yaml/);
    assert.match(d.message, /rules\.apt-update-alone/);
    assert.equal(d.relatedInformation![0]!.location.uri, cfgUri);
    const onCfg = await c.waitDiagnostics(cfgUri, (x) => x.length === 1);
    assert.equal(onCfg.diagnostics[0]!.range.start.line, 1);
    assert.match(await c.hoverText(uri, 1), /1 context file/, 'analysis goes on with the defaults');
    // fix the file: the server's own watcher re-resolves and clears both
    fs.writeFileSync(path.join(dir, '.layerwise.yaml'), 'rules:\n  apt-update-alone: warning\n');
    await c.waitDiagnostics(uri, (x) => !x.some((y) => y.code === 'config'));
    await c.waitDiagnostics(cfgUri, (x) => x.length === 0);
    assert.ok(c.alive);
  });

  test('editing compose.yaml re-resolves the context (server watcher and client file events)', async () => {
    for (const fileEvents of [false, true]) {
      const dir = tempContext({
        'compose.yaml': 'services:\n  web:\n    build: {context: ., dockerfile: docker/Dockerfile}\n',
        'docker/Dockerfile': 'FROM alpine\nCOPY . /x\n',
        'docker/only.txt': 'x',
      });
      const c = await start(dir, { fileEvents });
      const uri = c.open(path.join(dir, 'docker/Dockerfile'));
      const n = await analysed(c, uri);
      assert.equal(n.contextDir, dir);
      fs.writeFileSync(path.join(dir, 'compose.yaml'), 'services:\n  web:\n    build: {context: docker}\n');
      if (fileEvents) c.notify('workspace/didChangeWatchedFiles', { changes: [{ uri: pathToFileURL(path.join(dir, 'compose.yaml')).href, type: 2 }] });
      const n2 = await analysed(c, uri, (x) => x.contextDir === path.join(dir, 'docker'), `re-resolved context (fileEvents ${fileEvents})`);
      assert.equal(n2.contextFrom, 'compose.yaml service "web"');
      fs.rmSync(path.join(dir, 'compose.yaml'));
      if (fileEvents) c.notify('workspace/didChangeWatchedFiles', { changes: [{ uri: pathToFileURL(path.join(dir, 'compose.yaml')).href, type: 3 }] });
      const n3 = await analysed(c, uri, (x) => x.contextFrom === "the Dockerfile's folder", 'back to the folder');
      assert.equal(n3.contextDir, path.join(dir, 'docker'));
    }
  });

  test('sources that exist at the repository root: a quick fix records that context in .layerwise.yaml', async () => {
    const df = 'FROM node:20\nWORKDIR /app\nCOPY package.json ./\nCOPY src ./src\n';
    const dir = tempContext({ '.git/HEAD': 'ref', 'package.json': '{}', 'src/index.js': '1', 'docker/api/Dockerfile': df, 'docker/worker/Dockerfile': df });
    const c = await start(dir);
    const uri = c.open(path.join(dir, 'docker/api/Dockerfile'));
    const p = await c.waitDiagnostics(uri, (d) => d.some((x) => x.code === 'copy-source-missing'));
    const d = p.diagnostics.find((x) => x.code === 'copy-source-missing')!;
    assert.equal(d.severity, 2, 'a warning, not one error per COPY');
    assert.match(d.message, /2 COPY sources .* exist 2 folders above it/);
    const act = (await c.codeActions(uri, d.range, [d])).find((x) => /as its context/.test(x.title))!;
    assert.equal(act.title, 'Build Dockerfile with ../.. as its context (create .layerwise.yaml)');
    const [create, edit] = act.edit!.documentChanges! as [{ kind: string; uri: string }, { edits: { newText: string }[] }];
    assert.equal(create.kind, 'create');
    assert.equal(create.uri, pathToFileURL(path.join(dir, '.layerwise.yaml')).href);
    const text = edit.edits[0]!.newText;
    assert.deepEqual(parseConfig(text, '.layerwise.yaml').dockerfiles, { 'docker/api/Dockerfile': { context: '.' } });
    // the editor applies it: the context changes and the warning goes away
    fs.writeFileSync(path.join(dir, '.layerwise.yaml'), text);
    const n = await analysed(c, uri, (x) => x.contextDir === dir, 'the context from the new .layerwise.yaml');
    assert.equal(n.contextFrom, '.layerwise.yaml');
    await c.waitDiagnostics(uri, (x) => !x.some((y) => y.code === 'copy-source-missing'));
    // the other Dockerfile: the existing file is edited, keeping what it holds
    const uri2 = c.open(path.join(dir, 'docker/worker/Dockerfile'));
    const p2 = await c.waitDiagnostics(uri2, (x) => x.some((y) => y.code === 'copy-source-missing'));
    const d2 = p2.diagnostics.find((x) => x.code === 'copy-source-missing')!;
    const act2 = (await c.codeActions(uri2, d2.range, [d2])).find((x) => /as its context/.test(x.title))!;
    assert.match(act2.title, /\(edit \.layerwise\.yaml\)$/);
    const text2 = (act2.edit!.documentChanges![0] as { edits: { newText: string }[] }).edits[0]!.newText;
    assert.match(text2, /^# Layerwise settings/, 'the comment stays');
    assert.deepEqual(parseConfig(text2, '.layerwise.yaml').dockerfiles, { 'docker/api/Dockerfile': { context: '.' }, 'docker/worker/Dockerfile': { context: '.' } });
  });

  test('invalid compose and bake files are skipped without a crash', async () => {
    const dir = tempContext({ 'compose.yaml': 'services: [\n', 'docker-bake.hcl': 'target "x" {{{ ===\n', 'docker-bake.json': '{', Dockerfile: 'FROM alpine\nCOPY a /a\n', a: 'a' });
    const c = await start(dir);
    const uri = c.open(path.join(dir, 'Dockerfile'));
    const n = await analysed(c, uri);
    assert.equal(n.contextDir, dir);
    assert.match(await c.hoverText(uri, 1), /1 context file/);
    assert.ok(c.alive);
  });
});
