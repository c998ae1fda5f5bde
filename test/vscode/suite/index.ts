// Entry point of the real-VS Code suite, in the @vscode/test-electron layout: the extension host loads this file
// (extensionTestsPath) and awaits run(). Works the same under code-server (scripts/vscode-test.mjs) and under
// @vscode/test-electron (scripts/vscode-test-electron.mjs) where VS Code can be downloaded.
import * as path from 'node:path';
import * as fs from 'node:fs';
import Mocha from 'mocha';

export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', color: false, timeout: 60000, reporter: 'spec' });
  for (const f of fs.readdirSync(__dirname).sort()) if (f.endsWith('.suite.js')) mocha.addFile(path.join(__dirname, f));
  return new Promise((resolve, reject) => {
    try {
      mocha.run((failures) => (failures > 0 ? reject(new Error(`${failures} test(s) failed`)) : resolve()));
    } catch (e) {
      reject(e);
    }
  });
}
