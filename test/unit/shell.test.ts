// The RUN script splitter: the plain-subset reader (plainCommands) must give exactly what the real shell parse
// (mvdan/sh walked with its public syntax.Walk, walkedCommands) gives — words and offsets — on every script it
// accepts, and the direct reader of mvdan's tree (shellCommands) must give the same on every script that parses:
// checked on hand-written scripts, on every RUN of the corpus (read in place from ../shared) and on seeded
// generated scripts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { analyze } from '../../server/src/engine';
import { MAX_PARSED_SCRIPT_CHARS, MAX_PARSED_SCRIPT_WORDS, parseScript, plainCommands, runScript, shellCommands, shellKind, shellParse, walkedCommands, walkedParse } from '../../server/src/engine/shell';
import { corpusDockerfilesOrSkip } from '../corpus/checks';

const words = (script: string) => parseScript(script).commands.map((c) => c.words);

/** shellParse (mvdan's tree read directly) gives what the public walk gives, commands and `[[ ]]` spans; returns whether the script parsed. */
function directAgrees(script: string, where = ''): boolean {
  let want;
  try {
    want = walkedParse(script);
  } catch {
    assert.throws(() => shellCommands(script), `${where}a script the parser rejects must throw: ${JSON.stringify(script)}`);
    return false;
  }
  assert.deepEqual(shellParse(script), want, `${where}${JSON.stringify(script)}`);
  return true;
}

/** plainCommands agrees with the parser on `script` when it accepts it; returns whether it did. */
function agrees(script: string, where = ''): boolean {
  const plain = plainCommands(script);
  if (!plain) return false;
  let want;
  try {
    want = walkedCommands(script);
  } catch (e) {
    assert.fail(`${where}the plain reader accepted a script the parser rejects (${(e as Error).message}): ${JSON.stringify(script)}`);
  }
  assert.deepEqual(plain, want, `${where}${JSON.stringify(script)}`);
  return true;
}

test('commands of plain and compound scripts', () => {
  assert.deepEqual(words('apt-get update && apt-get install -y curl'), [['apt-get', 'update'], ['apt-get', 'install', '-y', 'curl']]);
  assert.deepEqual(words('if [ -f x ]; then npm ci; fi'), [['[', '-f', 'x', ']'], ['npm', 'ci']]);
  assert.deepEqual(words('pip install -r "req s.txt" | tee log'), [['pip', 'install', '-r', 'req s.txt'], ['tee', 'log']]);
  assert.deepEqual(words('a \\\n  && b'), [['a'], ['b']]);
  assert.equal(parseScript('if then fi ((').parsed, false, 'a script that does not parse falls back to a split');
});

test('the plain reader: words, assignments, redirections and offsets as the parser has them', () => {
  const s = 'DEBIAN_FRONTEND=noninteractive apt-get install -y "curl" $PKG 2>/dev/null >log && export A=1; cd /x';
  const cmds = plainCommands(s)!;
  assert.deepEqual(cmds.map((c) => c.words), [['apt-get', 'install', '-y', 'curl', '$PKG'], ['cd', '/x']], 'declarations are not calls');
  assert.equal(s.slice(cmds[0]!.start, cmds[0]!.end), 'DEBIAN_FRONTEND=noninteractive apt-get install -y "curl" $PKG', 'the extent ends at the last word');
  assert.equal(s.slice(cmds[1]!.start, cmds[1]!.end), 'cd /x');
  for (const x of [
    s,
    'a &&\n  b || c | d & e ; f',
    'echo "${HOME:-/root}" \'$x\' ${#A} $1 $@ >&2 2>&1 &>/dev/null <<<"s" >>f',
    '>out echo a B=2 && A+=1 b',
    'pip install -r req.txt \\\n    --no-cache-dir \\\n && rm -rf /tmp/*',
    'go build -o /bin/app ./cmd/... && echo é ü',
    '{ a; b; }',
    '[ ! -f /x ] || mv /x /y && apt-get update && { [ ! -f /y ] || mv /y /x; }',
    '{\n  a\n  b &\n} && { c | d; } || e;',
    '{ { a; }; } | f',
    // command substitutions of plain lists, bare and inside double quotes
    'echo $(date)',
    'echo "$(x)"',
    'ARCH=$(dpkg --print-architecture) && curl -o /x "https://e/$(uname -m)/${V}.tgz"',
    'A=$(a) cmd $(b) >$(c) $(d)',
    'echo "$(echo "a b") $(c)" $(d $(e)) $(f)$(g)h',
    'export A="$(uname -m)" B=$(x | y)',
    'x=$(\n  a &&\n  b\n) && y "$(c\nd)" $( { e; } ) $() $( ) $(< f) $(g 2>&1) $(h \\\n i)',
    "echo $(a 'b)') $(c \")\") $(k;) $(l &)",
    // compound commands: if/elif/else, for … in, while/until, subshells, in source order as the walk visits them
    'if true; then a; fi',
    'if a; then b; elif c; then d; else e; fi && f',
    'if [ -f x ]\nthen\n  rm x\nfi',
    'for x in a $(b c) "d e"; do echo "$x"; done',
    'for i in 1 2 3\ndo\n  echo $i\ndone | tee log',
    'while read l; do echo $l; done',
    'until a; do b; done &',
    '(cd x && make) || (echo failed; exit 1)',
    'echo $(if a; then b; fi) $( (a) ) $( { a; })',
    'while a; do if b; then (c); fi; done',
    // redirections of a group or compound command (their substitutions after the commands inside), escapes
    'set -eux; { echo a; echo b; } > /etc/x',
    'if a; then b; fi >> log 2>&1 && (c) > $(d)',
    'while read l; do echo $l; done < f',
    'find . \\( -name "*.c" -o -name "*.o" \\) -delete',
    'echo a\\ b \\$HOME "a\\$b \\"q\\" \\d" \\\' $(a \\) b)',
  ])
    assert.ok(agrees(x), `accepted: ${JSON.stringify(x)}`);
  assert.deepEqual(
    plainCommands('A=$(a) cmd $(b) >$(c) $(d $(e))')!.map((c) => c.words),
    [['cmd', '$(b)', '$(d $(e))'], ['a'], ['b'], ['d', '$(e)'], ['e'], ['c']],
    'a command, then what its assignments, words and redirections substitute, as the walk visits them',
  );
  // outside the subset: left to the parser (null), never a guess
  for (const x of ['echo `date`', 'echo $((1 + 2))', 'for x; do a; done', 'for x in; do a; done', 'for ((i = 0; i < 3; i++)); do a; done', 'for x in a b do c; done', 'for x in a; do; c; done', '((a))', '( )', '(a) b', 'a (b)', 'if a; then fi', 'if a; then b; else fi', 'if a then b; fi', 'x=1 if a; then b; fi', 'if a; then b; fi }', 'until a; b; done', 'if a; do b; done', 'if a; do b; fi', 'while a; then b; fi', 'for x in a; do b; fi', 'if a; then b; done', '{ a; fi', 'then a', 'fi', 'done', 'case a in b) c;; esac', 'echo $(a', 'echo "$(a)', 'echo $(a)) b', 'echo $(a}', 'echo $(a|)', 'echo $(a &&)', 'echo $(# c\n)', 'echo "${A:-$(b)}"', 'echo $(a)(', 'echo $(`a`)', 'echo ${}', 'echo ${ }', 'echo ${-x}', 'echo ${A|}', 'echo ${A:}', 'echo ${#A:-x}', 'echo ${1a}', 'echo ${A@}', 'echo ${A[}', 'echo ${A]}', 'a >&2>&1', 'a 2>&1>f', '>&2>f', 'a $12>f', 'a "x"2>f', 'a ${1}2>f', 'A=$(b)2>f c', '{ a }', '{a; }', '{ a; }x', '{ a; } b', '{ }', '{\n}', '{ a;', 'a; }', '{ a; } { b; }', '{ a; }>f', '{ a; } >f b', 'echo x\\', 'echo "a\\\nb"', '>f { a; }', 'cat <<EOF\nx\nEOF', 'a # comment', 'a\\\nb', 'A=(1 2)', 'a[0]=1 b', '! a', 'a &&', '; a', 'a ;; b', 'diff <(a) <(b)', 'a\r\nb', 'echo {a,b}', 'time make'])
    assert.equal(plainCommands(x), null, JSON.stringify(x));
});

test('the direct reader of mvdan\'s tree visits every node kind as syntax.Walk does', () => {
  const every = [
    'if [ -f "$(ls a)" ]; then b; elif c; then d; else e; fi',
    'while read -r l; do f "$l"; done < <(g) ; until h; do :; done',
    'for i in $(seq 3) "${A:-$(k)}"; do m $i; done; for ((i=$(n); i<3; i++)); do o; done',
    'case "$(p)" in a|$(q)) r ;; *) s ;; esac',
    '(t; u) && { v; w; } || x() { y; }',
    'echo $(( $(z) + 1 )) ${B[$(aa)]} ${C/$(bb)/$(cc)} `dd` "$(ee "ff")" > "$(gg)" 2>&1',
    'declare -A D=([k]=$(hh)) E=$(ii); let F=$(jj)+1; time kk; coproc ll; [[ -n $(mm) && ! -z "$X" ]]',
    'shopt -s extglob; echo !(nn|$(oo)); cat <<EOF\n$(pp)\nEOF\nqq',
    'A=$(rr) B=1 ss tt; export G=$(uu); ((vv=$(ww))); H[$(xx)]=$(yy); I=($(zz) a)',
  ];
  for (const x of every) assert.ok(directAgrees(x), `parses: ${JSON.stringify(x)}`);
  assert.deepEqual(
    shellCommands(every[3]!).map((c) => c.words[0]),
    ['p', 'q', 'r', 's'],
    'commands inside words and patterns, in the order the walk visits them',
  );
  assert.throws(() => shellCommands('if then fi (('), 'a script that does not parse throws');
});

test('scripts past the full parser\'s limits are split and marked not parsed; every RUN of the corpus is far under them', (t) => {
  // outside the plain subset (a `#` inside a word): they would go to the full parser; n commands are 2n words
  const words = (n: number) => Array.from({ length: n }, (_, i) => `echo w${i}#`).join('; ');
  const n = MAX_PARSED_SCRIPT_WORDS / 2;
  const under = parseScript(words(n - 5));
  assert.equal(under.parsed, true);
  assert.deepEqual(under.commands[1]!.words, ['echo', 'w1#']);
  const over = parseScript(words(n + 5));
  assert.equal(over.parsed, false);
  assert.equal(over.commands.length, n + 5);
  assert.equal(parseScript('x="' + 'a'.repeat(MAX_PARSED_SCRIPT_CHARS) + '"#').parsed, false);
  // the plain reader is linear: a plain script past the limits is still read, as the parser would
  assert.equal(parseScript(Array.from({ length: n + 5 }, (_, i) => `echo w${i}`).join('; ')).parsed, true);
  const dir = corpusDockerfilesOrSkip(t);
  if (!dir) return;
  let longest = 0;
  let most = 0;
  for (const f of fs.readdirSync(dir)) {
    for (const s of analyze(fs.readFileSync(path.join(dir, f), 'utf8')).steps) {
      if (s.script === undefined) continue;
      longest = Math.max(longest, s.script.length);
      most = Math.max(most, s.script.split(/\s+/).length);
    }
  }
  t.diagnostic(`longest RUN script of the corpus: ${longest} characters, ${most} words`);
  assert.ok(longest * 4 < MAX_PARSED_SCRIPT_CHARS && most * 4 < MAX_PARSED_SCRIPT_WORDS, `${longest} characters, ${most} words`);
});

test('a RUN script is read as POSIX sh only under a POSIX shell', () => {
  for (const p of ['sh', '/bin/sh', '/bin/bash', 'dash', '/bin/ash', '/usr/bin/ksh', 'mksh']) assert.equal(shellKind(p), 'posix', p);
  for (const p of ['powershell', 'PowerShell.exe', 'pwsh', 'cmd', 'cmd.exe', 'C:\\Windows\\System32\\cmd.exe']) assert.equal(shellKind(p), 'windows', p);
  for (const p of ['/bin/zsh', '/usr/bin/fish', 'python3', '/usr/bin/env', 'tcsh', 'nu', 'bashful', 'mycmd']) assert.equal(shellKind(p), 'other', p);
  const first = (text: string) => runScript(analyze(text).steps.find((s) => s.keyword === 'RUN')!)!;
  const script = 'apt-get update && rm -rf /var/lib/apt/lists/*';
  for (const sh of ['/bin/bash', '/usr/bin/ksh']) {
    const rs = first(`FROM debian\nSHELL ["${sh}", "-c"]\nRUN ${script}\n`);
    assert.equal(rs.parsed, true, sh);
    assert.deepEqual(rs.commands.map((c) => c.words[0]), ['apt-get', 'rm'], sh);
  }
  // zsh does not split unquoted expansions, fish and python are other languages: their scripts are not read as sh
  for (const sh of ['/bin/zsh', '/usr/bin/fish', 'python3']) assert.equal(first(`FROM debian\nSHELL ["${sh}", "-c"]\nRUN ${script}\n`).parsed, false, sh);
  assert.equal(first(`FROM debian\nRUN ["/bin/ksh", "-c", "${script}"]\n`).parsed, true);
  assert.deepEqual(first(`FROM debian\nRUN ["/bin/zsh", "-c", "${script}"]\n`).commands.map((c) => c.words[0]), ['/bin/zsh']);
});

test('the plain reader agrees with mvdan/sh on every RUN of the corpus it accepts', (t) => {
  const dir = corpusDockerfilesOrSkip(t);
  if (!dir) return;
  let scripts = 0;
  let plain = 0;
  let direct = 0;
  for (const f of fs.readdirSync(dir)) {
    const m = analyze(fs.readFileSync(path.join(dir, f), 'utf8'));
    for (const s of m.steps) {
      const rs = runScript(s);
      if (!rs || s.keyword !== 'RUN') continue;
      scripts++;
      if (agrees(rs.script, `${f} line ${s.line + 1}: `)) plain++;
      if (directAgrees(rs.script, `${f} line ${s.line + 1}: `)) direct++;
    }
  }
  t.diagnostic(`RUN scripts: ${scripts}, read by the plain reader: ${plain}, parsed and read directly from mvdan's tree: ${direct}`);
  assert.ok(direct > scripts * 0.9, `most RUNs parse (${direct} of ${scripts})`);
  assert.ok(plain > scripts / 2, `the plain reader takes most RUNs (${plain} of ${scripts})`);
});

test('the plain reader agrees with mvdan/sh on generated scripts', (t) => {
  let seed = 20261201;
  const rnd = (k: number) => {
    // 32-bit arithmetic (a plain product loses its low bits past 2^53: that sequence repeated after ~700 scripts), and
    // the high bits (an LCG's low bits cycle fast)
    seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff;
    return (seed >>> 8) % k;
  };
  const WORDS = ['apt-get', 'install', '-y', 'a.txt', '*.js', '"a b"', "'c $d'", '""', '$X', '${Y:-z w}', '${#Z}', '$1', 'A=1', 'B+=x', 'C="q r"', '2>/dev/null', '>f', '>>log', '2>&1', '>&2', '&>o', '<in', '<<<"s"', 'export', 'local', '--flag=v', 'é', '~/x', 'a=b=c', '10>f', 'x2>f', '-', 'if', '$(d)', '$(d e)', '"$(f "g h")"', '$(i | j)', 'K=$(k)', '>$(l)', '$( m; n )', '$()', '$(o $(p))', '"x$(q)y"', '$(\n r\n)', '$((1+2))', '$(s', '$(t))', '$(if)', '${}', '${ }', '${-x}', '${A|}', '${A:}', '${#A:-x}', '${1a}', '${A@}', '${A[}', '${A]}', '${--x}', '${##}', '${A#b}', '${A/b/c}', '${#-x}', '${?:-a}', '${!A}', '${A:1}', '${A^^}', '`e`', '#c', '(', ')', '{a,b}', '{', '}', '!', 'a\\ b', '"\\$"', '\\;', '\\(', 'a\\$b', '"\\"q"', "\\'", '\\\\', '"\\d"', "'", '"', '$', '${', '<<E', '|&'];
  const SEPS = [' ', ' ', '  ', '\t', ' \\\n  '];
  const OPS = [' && ', ' || ', ' | ', '; ', ' & ', '\n', ' &&\n', ';', '&&', ' ;; ', ''];
  let accepted = 0;
  let parsed = 0;
  let groups = 0;
  let substs = 0;
  let compounds = 0;
  // a compound command around a command: valid ones, and some an opening, a list or a closing makes invalid
  const COMPOUNDS: [string, string][] = [
    ['if ', '; then b; fi'], ['if a; then ', '; fi'], ['if a; then b; else ', '\nfi'], ['if a; then b; elif ', '; then c; fi'], ['( ', ' )'], ['(', ')'],
    ['while ', '; do c; done'], ['until ', '\ndo c\ndone'], ['for v in a $(b) "c d"; do ', '; done'], ['for v in x\ndo ', '\ndone'],
    ['if ', '; fi'], ['if ', ' then b; fi'], ['for v in; do ', '; done'], ['for v; do ', '; done'], ['( ', ' ) >f'], ['while ', '; do done'], ['if a; then ', '; fi x'], ['(( ', ' ))'],
  ];
  for (let n = 0; n < 8000; n++) {
    let script = '';
    const cmds = 1 + rnd(3);
    for (let c = 0; c < cmds; c++) {
      const len = 1 + rnd(5);
      const group = rnd(6) === 0; // a brace group around this command (some openings and closings are invalid)
      const compound = rnd(5) === 0 ? COMPOUNDS[rnd(COMPOUNDS.length)]! : null;
      if (compound) script += compound[0];
      if (group) script += ['{ ', '{\n', '{ ', '{'][rnd(4)];
      for (let w = 0; w < len; w++) script += (w ? SEPS[rnd(SEPS.length)] : '') + WORDS[rnd(WORDS.length)];
      if (group) script += ['; }', '\n}', ' & }', ';}', ' }', '; }x', '; } >f'][rnd(7)];
      if (compound) script += compound[1];
      if (c < cmds - 1) script += OPS[rnd(OPS.length)];
    }
    if (agrees(script, 'generated: ')) {
      accepted++;
      if (/(^|[\s;&|])\{\s/.test(script)) groups++;
      if (script.includes('$(')) substs++;
      if (/(^|[\s;&|(])(if|for|while|until)\s|(^|[\s;&|])\(/.test(script)) compounds++;
    }
    if (directAgrees(script, 'generated: ')) parsed++;
  }
  t.diagnostic(`generated scripts accepted by the plain reader and checked: ${accepted} of 8000 (${groups} with a brace group, ${substs} with a command substitution, ${compounds} with a compound command); parsed, read directly and checked: ${parsed}`);
  assert.ok(parsed > 1000, `enough generated scripts parse to mean something (${parsed})`);
  assert.ok(accepted > 400, `enough generated scripts fall in the subset to mean something (${accepted})`);
  assert.ok(groups > 40, `enough of them hold a brace group (${groups})`);
  assert.ok(substs > 40, `enough of them hold a command substitution (${substs})`);
  assert.ok(compounds > 40, `enough of them hold a compound command (${compounds})`);
});
