// The declarations of cdktf's jest matchers, for every test file; the files that use them call
// Testing.setupJest() themselves (loading cdktf here would cost every other file ~0.15 s).
import type {} from "cdktf/lib/testing/adapters/jest";
import { skipTokenTraces } from "../stacks/token-traces";

// cdktf's token traces are skipped, as in main.ts (stacks/token-traces.ts); errors keep theirs.
// Undone after each file: the modules, Error included, are the worker's (worker-runtime.js).
afterAll(skipTokenTraces());
