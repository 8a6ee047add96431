/** Tests are TypeScript, transformed by SWC (no type-checking here: `npm test` runs tsc first). */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/__tests__"],
  testMatch: ["**/*.test.ts"],
  transform: {
    "^.+\\.ts$": ["@swc/jest", { jsc: { parser: { syntax: "typescript" }, target: "es2022" }, module: { type: "commonjs" } }],
  },
  setupFilesAfterEnv: ["<rootDir>/__tests__/setup.ts"],
  // A directory for the run where each synthesized configuration is kept (helpers.ts).
  globalSetup: "<rootDir>/__tests__/global-setup.ts",
  globalTeardown: "<rootDir>/__tests__/global-teardown.ts",
  // The sources and npm packages load once per worker, not once per test file (read its header).
  runtime: "<rootDir>/__tests__/worker-runtime.js",
  // The suites are independent (each builds its own apps, temp dirs and PostgreSQL): use every
  // core; jest's default (cores - 1) runs them one after the other on a 2-core machine.
  maxWorkers: "100%",
  snapshotFormat: { escapeString: false, printBasicPrototype: false },
};
