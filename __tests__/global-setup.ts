/**
 * jest's globalSetup: a directory for this run, shared by every worker, where helpers.ts keeps
 * each environment it synthesized (a configuration is synthesized once per run, not once per
 * test file). global-teardown.ts removes it.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

export const SYNTH_CACHE_VARIABLE = "UYOOP_TEST_SYNTH_CACHE";

export default function globalSetup(): void {
  // The workers start after this and inherit the variable.
  process.env[SYNTH_CACHE_VARIABLE] = fs.mkdtempSync(path.join(os.tmpdir(), "uyoop-jest-synth-"));
}
