// Mutation groups for `npm run mutation`: what each mutates and the smallest set of fast test files that covers it
// (compiled paths under out/; the build command compiles them inside Stryker's sandbox). Real-builder and
// real-editor suites are never used here.
const unit = ['semantics', 'rules', 'rule-docs'].map((f) => `out/test/unit/${f}.test.js`);

export const groups = {
  model: { mutate: ['server/src/engine/model.ts'], tests: [...unit] },
  explain: { mutate: ['server/src/engine/explain.ts'], tests: [...unit] },
  dockerignore: { mutate: ['server/src/engine/dockerignore.ts'], tests: ['out/test/context/dockerignore.test.js', ...unit] },
  rules: { mutate: ['server/src/engine/rules/*.ts', '!server/src/engine/rules/index.ts', '!server/src/engine/rules/types.ts'], tests: [...unit] },
};

/** The order `npm run mutation` runs them in when no group is named. */
export const order = ['model', 'explain', 'dockerignore', 'rules'];
