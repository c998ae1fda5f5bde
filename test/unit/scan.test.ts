// scan.ts finds instructions, directives and the escape character by dockerfile-ast's own character walk, without
// building its objects. Whenever it answers (it gives up on an instruction that may hold a heredoc), the answer must
// equal dockerfile-ast's: checked on every corpus Dockerfile, on CRLF, CR and backtick-escape versions of them, and on
// seeded mutations made of the characters the walk treats specially (escapes before spaces, line breaks and '#',
// comments inside continuations, directives, a byte order mark, keywords split by continuations, the end of the text).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { scanDockerfile } from '../../server/src/engine/scan';
import { parseWithAst } from '../../server/src/engine/parse';
import { corpusDockerfilesOrSkip, rng } from '../corpus/checks';

/** dockerfile-ast's reading (heredoc names left out: the scan never answers where there may be one). */
function reference(text: string) {
  const r = parseWithAst(text);
  return { escape: r.escape, directives: r.directives, instructions: r.instructions.map(({ keyword, range, keywordRange }) => ({ keyword, range, keywordRange })) };
}

/** Compares the scan with dockerfile-ast on `text`; true when the scan answered. */
function same(text: string, label: string): boolean {
  let ref: ReturnType<typeof reference>;
  try {
    ref = reference(text);
  } catch {
    return false; // dockerfile-ast throws (a directive named like an Object property: `# constructor=x`)
  }
  const s = scanDockerfile(text);
  if (!s) return false;
  assert.deepEqual(s, ref, label);
  return true;
}

const PIECES = [
  '\\', '\\ ', '\\\t', '\\\n', '\\ \n', '\\  \t\n', '\n', '\r\n', '\r', ' ', '\t', '#', '# c\n', '`', '`\n', '` \n',
  'RUN', 'run ', 'FROM a', 'RU\\\nN x', 'R\\ N', 'COPY a b', 'ENV A=1', 'ONBUILD RUN x', '"', "'", '[', ']', '=', '<',
  '< x', '# escape=`\n', '# syntax=x\n', '#escape=\\\n', '# ESCAPE = ` \n', '#=x\n', '# a b=c\n', '\uFEFF', 'x#y', '\\#',
];

function mutate(text: string, r: () => number): string {
  let s = text;
  const n = 1 + Math.floor(r() * 6);
  for (let k = 0; k < n; k++) {
    const at = Math.floor(r() * (s.length + 1));
    const op = r();
    if (op < 0.15 && s.length) s = s.slice(0, at) + s.slice(at + 1 + Math.floor(r() * 8));
    else s = s.slice(0, at) + PIECES[Math.floor(r() * PIECES.length)]! + s.slice(at);
  }
  return s;
}

test('the scan equals dockerfile-ast on hand-made edge cases', () => {
  const cases = [
    '',
    ' \n\t\n',
    'FROM a',
    'FROM a\nRUN x',
    'FROM a\\',
    'FROM a \\',
    'FROM a \\   ',
    'RUN a \\\n# comment\n  b \\\n\n c',
    'RUN a \\\n  b # not a comment\nRUN c',
    'RU\\\nN echo',
    'RUN\\\n echo',
    'RUN\\ \n echo',
    'R\\ UN x',
    'RUN\\',
    'RUN \\ x\nRUN \\ \n y',
    'RU#N x',
    'RUN\\\n#x\n y',
    '# escape=`\nFROM a\nRUN x `\n y\nRUN z \\\n',
    '# escape=`\r\n# syntax=a\r\nFROM a\r\nRUN x `\r\n y\r\n',
    '#escape=`\n\nRUN a `\n b',
    '# escape = x\nRUN a \\\n b',
    '# escape=\nRUN a',
    '# escape=  \n# syntax=y\nFROM a',
    '# escape=`',
    '# a=b\n#\n# escape=`\nRUN a `\n b',
    '#=x\n# escape=`\nRUN a `\n b',
    '  # escape=`\nRUN a `\n b',
    '\uFEFFFROM a\nRUN b',
    '\uFEFF# escape=`\nRUN a `\n b',
    'FROM a\rRUN b \\\r c\rRUN d',
    'FROM a\r\n\r\nRUN b \\\r\n\r\n c',
    'RUN a < b',
    'RUN a <\\\n b',
  ];
  let answered = 0;
  for (const c of cases) if (same(c, JSON.stringify(c))) answered++;
  assert.equal(answered, cases.length, 'the scan answers every case without a heredoc');
  // where an instruction may name a heredoc, the scan leaves it to dockerfile-ast
  for (const c of ['RUN <<EOF\nx\nEOF', 'RUN <\\\n<EOF\nx\nEOF', 'COPY <<A <<B /x\na\nA\nb\nB', 'ONBUILD RUN <<X\nX', 'ENV A=<<B', 'RUN cat <<EOF'])
    assert.equal(scanDockerfile(c), null, JSON.stringify(c));
});

test('the scan equals dockerfile-ast on the corpus and on mutations of it', (t) => {
  const dir = corpusDockerfilesOrSkip(t);
  if (!dir) return;
  const r = rng(20261201);
  let files = 0;
  let answered = 0;
  let variants = 0;
  let variantsAnswered = 0;
  for (const f of fs.readdirSync(dir).sort()) {
    const text = fs.readFileSync(path.join(dir, f), 'utf8');
    files++;
    if (same(text, f)) answered++;
    same(text.replace(/\r?\n/g, '\r\n'), f + ' (CRLF)');
    same(text.replace(/\r?\n/g, '\r'), f + ' (CR)');
    if (!/^#\s*escape/im.test(text)) same('# escape=`\n' + text, f + ' (escape=`)');
    for (let k = 0; k < 12; k++) {
      const m = mutate(text, r);
      variants++;
      if (same(m, `${f} mutation ${k}: ${JSON.stringify(m)}`)) variantsAnswered++;
    }
  }
  t.diagnostic(`${answered} of ${files} corpus files answered by the scan; ${variantsAnswered} of ${variants} mutations`);
  // the scan is the engine's parse for almost every file: most must be answered, or it is not being exercised
  assert.ok(answered > files * 0.8, `${answered} of ${files} answered`);
  assert.ok(variantsAnswered > variants * 0.7, `${variantsAnswered} of ${variants} mutations answered`);
});
