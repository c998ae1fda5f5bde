// Cost classes and estimates per step, from the instruction and the shell parse of RUN.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { analyze, stepCost } from '../../server/src/engine';

function costs(text: string): [string, string, number][] {
  const m = analyze(text);
  return m.steps.map((s) => [s.instruction, stepCost(s).class, stepCost(s).seconds]);
}

test('cost class per step: metadata, copy, install, download, compile, test, command', () => {
  assert.deepEqual(
    costs(
      [
        'FROM debian',
        'WORKDIR /app',
        'COPY package.json ./',
        'COPY . .',
        'ADD https://example.com/x.tgz /x.tgz',
        'RUN apt-get update && apt-get install -y curl',
        'RUN npm ci',
        'RUN curl -fsSL https://example.com/x | tar xz',
        'RUN make -j8',
        'RUN npm test',
        'RUN mkdir -p /out && echo hi > /out/x && chmod +x /out/x',
        'RUN ./configure-something',
        'RUN ["go", "build", "./..."]',
        '',
      ].join('\n'),
    ),
    [
      ['WORKDIR /app', 'metadata', 0.1],
      ['COPY package.json ./', 'copy', 1],
      ['COPY . .', 'copy', 3],
      ['ADD https://example.com/x.tgz /x.tgz', 'download', 10],
      ['RUN apt-get update && apt-get install -y curl', 'install', 90],
      ['RUN npm ci', 'install', 45],
      ['RUN curl -fsSL https://example.com/x | tar xz', 'download', 12],
      ['RUN make -j8', 'compile', 90],
      ['RUN npm test', 'test', 30],
      ['RUN mkdir -p /out && echo hi > /out/x && chmod +x /out/x', 'metadata', 0.2],
      ['RUN ./configure-something', 'command', 2],
      ['RUN ["go", "build", "./..."]', 'compile', 90],
    ],
  );
});
