/**
 * cdktf records a full stack trace for every token it creates, on a plain object, used only in
 * its own error messages; collecting and formatting them is a tenth of a synth (a quarter under
 * jest). `skipTokenTraces` stops recording them until the returned function is called; errors
 * (anything but a plain object) keep their traces.
 */
export function skipTokenTraces(): () => void {
  const capture = Error.captureStackTrace;
  Error.captureStackTrace = (target: object, constructorOpt?: Function): void => {
    if (Object.getPrototypeOf(target) !== Object.prototype) capture(target, constructorOpt);
  };
  return () => {
    Error.captureStackTrace = capture;
  };
}
