// The `layerwise/forecast` answer over a stream carries the worker's JSON text as it is (lsp/rawjson.ts): the encoder
// splices a RawJson result into the response unparsed, every other message is JSON.stringify's, and where Node
// serialises messages itself (node-ipc) a RawJson gives the parsed value. The forecast protocol tests (forecast.test)
// read these answers from the built server over stdio.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RawJson, rawJsonEncoder, consoleToClient } from '../../server/src/lsp/rawjson';

const decode = async (msg: unknown) => Buffer.from(await rawJsonEncoder.encode(msg, { charset: 'utf-8' })).toString('utf8');

test('a RawJson result is spliced into the response as its text; other messages are JSON.stringify', async () => {
  assert.equal(rawJsonEncoder.name, 'application/json'); // the content type vscode-jsonrpc's writer and readers expect
  // a text JSON.stringify would not write (a space, this key order): it reaches the wire byte for byte
  const text = '{"steps": [{"line":1,"status":"rebuilt"}],"baseline":"HEAD (é)"}';
  const out = await decode({ jsonrpc: '2.0', id: 7, result: new RawJson(text) });
  assert.ok(out.includes(`"result":${text}`), out);
  assert.deepEqual(JSON.parse(out), { jsonrpc: '2.0', id: 7, result: JSON.parse(text) });
  // a result-only message (no other member): still well-formed
  assert.deepEqual(JSON.parse(await decode({ result: new RawJson('[1]') })), { result: [1] });
  const note = { jsonrpc: '2.0', method: 'layerwise/forecast', params: { uri: 'file:///d', items: [{ line: 0 }] } };
  assert.equal(await decode(note), JSON.stringify(note));
  assert.equal(await decode({ jsonrpc: '2.0', id: 1, result: null }), '{"jsonrpc":"2.0","id":1,"result":null}');
  // where Node serialises the message itself (node-ipc): the parsed value
  assert.equal(JSON.stringify({ id: 1, result: new RawJson(text) }), JSON.stringify({ id: 1, result: JSON.parse(text) }));
  // a value JSON cannot carry (a BigInt) is a rejected encode, not a thrown one
  await assert.rejects(rawJsonEncoder.encode({ id: 1, result: 1n }, { charset: 'utf-8' }));
});

test('console output of a --stdio server goes to the client log, never to stdout', () => {
  const saved = { ...console };
  const seen: string[] = [];
  try {
    consoleToClient({ log: (m) => seen.push('log ' + m), info: (m) => seen.push('info ' + m), warn: (m) => seen.push('warn ' + m), error: (m) => seen.push('error ' + m) });
    console.log('a %d', 1);
    console.info('i');
    console.warn({ w: 1 });
    console.error('e');
    console.assert(true, 'never');
    console.assert(false, 'x %s', 'y');
    console.assert(false);
    console.debug('d');
    console.dir('dir');
    console.table('t');
    console.dirxml('x');
    console.group('g');
    console.groupCollapsed('gc');
    console.trace('tr');
    console.count();
    console.count();
    console.countReset();
    console.count();
  } finally {
    Object.assign(console, saved);
  }
  assert.deepEqual(seen, ['log a 1', 'info i', 'warn { w: 1 }', 'error e', 'error Assertion failed: x y', 'error Assertion failed', 'log d', 'log dir', 'log t', 'log x', 'log g', 'log gc', 'error tr', 'log default: 1', 'log default: 2', 'log default: 1']);
});
