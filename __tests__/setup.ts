// Types only: the matchers' declarations. The module itself loads cdktf, which a third of the
// test files never use (~0.15 s each), so its matchers are registered as stubs that load it on
// first use.
import type {} from "cdktf/lib/testing/adapters/jest";

type Matcher = (this: jest.MatcherContext, received: unknown, ...args: unknown[]) => jest.CustomMatcherResult;

/** What cdktf's Testing.setupJest() registers; checked against it when it loads. */
const CDKTF_MATCHERS = [
  "toHaveResource",
  "toHaveResourceWithProperties",
  "toHaveDataSource",
  "toHaveDataSourceWithProperties",
  "toHaveProvider",
  "toHaveProviderWithProperties",
  "toBeValidTerraform",
  "toPlanSuccessfully",
] as const;

let cdktfMatchers: Record<string, Matcher> | undefined;

/** Runs Testing.setupJest() against a stand-in expect to take its matchers. */
function loadCdktfMatchers(): Record<string, Matcher> {
  if (cdktfMatchers) return cdktfMatchers;
  const captured: Record<string, Matcher> = {};
  const g = globalThis as unknown as { expect: unknown };
  const realExpect = g.expect;
  g.expect = { extend: (matchers: Record<string, Matcher>) => Object.assign(captured, matchers) };
  try {
    (require("cdktf") as typeof import("cdktf")).Testing.setupJest();
  } finally {
    g.expect = realExpect;
  }
  const names = Object.keys(captured).sort();
  if (JSON.stringify(names) !== JSON.stringify([...CDKTF_MATCHERS].sort())) {
    throw new Error(`__tests__/setup.ts: cdktf's jest matchers are now ${names.join(", ")}; update CDKTF_MATCHERS`);
  }
  return (cdktfMatchers = captured);
}

expect.extend(
  Object.fromEntries(
    CDKTF_MATCHERS.map((name) => [
      name,
      function (this: jest.MatcherContext, received: unknown, ...args: unknown[]) {
        return loadCdktfMatchers()[name]!.call(this, received, ...args);
      },
    ]),
  ),
);

// cdktf records a full stack trace for every token it creates, on a plain object, for its own
// error messages; collecting and formatting them is a quarter of a synth under jest. As in
// main.ts, those are skipped; errors keep their traces.
const captureStackTrace = Error.captureStackTrace;
Error.captureStackTrace = (target: object, constructorOpt?: Function): void => {
  if (Object.getPrototypeOf(target) === Object.prototype) return;
  captureStackTrace(target, constructorOpt);
};
