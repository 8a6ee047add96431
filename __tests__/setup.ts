import { Testing } from "cdktf";
import "cdktf/lib/testing/adapters/jest";

Testing.setupJest();

// cdktf records a full stack trace for every token it creates, on a plain object, for its own
// error messages; collecting and formatting them is a quarter of a synth under jest. As in
// main.ts, those are skipped; errors keep their traces.
const captureStackTrace = Error.captureStackTrace;
Error.captureStackTrace = (target: object, constructorOpt?: Function): void => {
  if (Object.getPrototypeOf(target) === Object.prototype) return;
  captureStackTrace(target, constructorOpt);
};
