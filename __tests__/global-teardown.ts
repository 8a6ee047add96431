/** jest's globalTeardown: removes the run's directory of synthesized environments (global-setup.ts). */
import * as fs from "fs";
import { SYNTH_CACHE_VARIABLE } from "./global-setup";

export default function globalTeardown(): void {
  const dir = process.env[SYNTH_CACHE_VARIABLE];
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
}
