/**
 * jest's module runtime (jest.config.js `runtime`), changed in one way: the project's sources and
 * the npm packages are loaded once per jest worker instead of once per test file.
 *
 * Why: jest gives every test file a fresh module registry, so each file that synthesizes loaded
 * and compiled cdktf, the providers, zod and the project again, and V8 optimized the same synth
 * code again from cold: about a third of the CPU time of `npm test`. Only the test files and
 * the other modules under __tests__/ (helpers, harnesses: they may register jest hooks) stay in
 * jest's per-file registry; everything else they import comes from Node's own module cache.
 *
 * What a test can rely on, and what it cannot:
 * - Each test file still sees the worker's environment variables as they were when the worker
 *   started: process.env is reset before every file. It is the real process.env (not jest's
 *   per-file copy), so what a test or the code under test sets is seen by the shared modules.
 * - Modules outside __tests__/ are evaluated once per worker: module-level state is shared by
 *   the test files a worker runs (the project keeps none that a test changes). jest.mock() and
 *   jest's coverage do not reach them; jest.spyOn() on an object does.
 * - Values they create belong to Node's realm, not the test file's: `toBeInstanceOf(Error)` or
 *   `toStrictEqual` against such a value fails, and a negated one (`.not.toBeInstanceOf(Object)`,
 *   `.not.toThrow(Error)`) would pass whatever happens, so the suites use neither form
 *   (architecture.test.ts checks); compare with classes imported from the project, or toEqual.
 * - cdktf's jest matchers (Testing.setupJest) find the current file's `expect` through a global.
 */
"use strict";
const path = require("path");
const JestRuntime = require("jest-runtime").default;

const testsDir = `${__dirname}${path.sep}`;
const workerEnv = { ...process.env };

/** The runtime of the test file being run (a worker runs one file at a time). */
let current;

Object.defineProperty(globalThis, "expect", { configurable: true, get: () => current?._environment.global?.expect });

// TypeScript sources loaded by Node are transformed exactly as jest transforms them (the same
// transformer, configuration and cache); stack traces point into the sources.
require.extensions[".ts"] = (module, filename) => module._compile(current.transformCache.transform(filename), filename);
process.setSourceMapsEnabled(true);

class WorkerRuntime extends JestRuntime {
  constructor(...args) {
    super(...args);
    current = this;
    for (const name of Object.keys(process.env)) if (!(name in workerEnv)) delete process.env[name];
    Object.assign(process.env, workerEnv);
    this._environment.global.process.env = process.env;
  }

  requireModuleOrMock(from, moduleName) {
    const shared = this.sharedPath(from, moduleName);
    return shared === undefined ? super.requireModuleOrMock(from, moduleName) : require(shared);
  }

  /** The file Node loads for `moduleName` required from `from`, or undefined when jest loads it. */
  sharedPath(from, moduleName) {
    if (moduleName.startsWith("@jest/") || this._resolution.isCoreModule(moduleName)) return undefined;
    let resolved;
    try {
      resolved = this._resolution.resolveCjs(from, moduleName);
    } catch {
      return undefined; // jest reports it, with its hints
    }
    if (resolved.startsWith(testsDir) || /[\\/]node_modules[\\/](jest|jest-[^\\/]+|@jest|expect|@swc)[\\/]/.test(resolved)) return undefined;
    return resolved;
  }
}

module.exports = WorkerRuntime;
