/**
 * Reads an environment file's text with bounded work: only a regular file (never a FIFO, a
 * device such as /dev/zero, a socket or a directory), at most MAX_ENV_FILE_BYTES, valid UTF-8.
 *
 * The path is checked with stat before it is opened (opening some devices has side effects),
 * opened non-blocking (a FIFO swapped in meanwhile cannot hang the open), checked again with
 * fstat, and read up to one byte past the cap (a file growing meanwhile is still bounded).
 */
import * as fs from "fs";

/** The largest environment file read: the biggest legitimate one (ten PGP keys) is far below. */
export const MAX_ENV_FILE_BYTES = 1024 * 1024;

/** Why a file cannot be read, as the end of a sentence starting with the file's name. */
export class EnvFileReadError extends Error {}

function kindOf(st: fs.Stats): string {
  if (st.isDirectory()) return "a directory";
  if (st.isFIFO()) return "a named pipe (FIFO)";
  if (st.isCharacterDevice()) return "a character device";
  if (st.isBlockDevice()) return "a block device";
  if (st.isSocket()) return "a socket";
  return "not a regular file";
}

function describeErrno(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  switch (code) {
    case "ENOENT":
      return "does not exist";
    case "EACCES":
    case "EPERM":
      return "is not readable (permission denied)";
    case "ENOTDIR":
      return "does not exist (a part of its path is not a directory)";
    case "ELOOP":
      return "is a symbolic link loop";
    case "ENAMETOOLONG":
      return "has too long a name";
    default:
      return `cannot be read (${code ?? "unknown error"})`;
  }
}

/** The text of an environment file; throws EnvFileReadError saying what is wrong with it. */
export function readEnvironmentFileText(file: string): string {
  let before: fs.Stats;
  try {
    before = fs.statSync(file);
  } catch (e) {
    throw new EnvFileReadError(describeErrno(e));
  }
  if (!before.isFile()) throw new EnvFileReadError(`is ${kindOf(before)}, not a regular file`);
  if (before.size > MAX_ENV_FILE_BYTES) throw new EnvFileReadError(`is ${before.size} bytes, more than the ${MAX_ENV_FILE_BYTES} an environment file may have`);

  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK | fs.constants.O_NOCTTY);
  } catch (e) {
    throw new EnvFileReadError(describeErrno(e));
  }
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) throw new EnvFileReadError(`is ${kindOf(st)}, not a regular file`);
    const buffer = Buffer.alloc(MAX_ENV_FILE_BYTES + 1);
    let length = 0;
    for (;;) {
      const n = fs.readSync(fd, buffer, length, buffer.length - length, null);
      if (n === 0) break;
      length += n;
      if (length > MAX_ENV_FILE_BYTES) throw new EnvFileReadError(`is more than the ${MAX_ENV_FILE_BYTES} bytes an environment file may have`);
    }
    try {
      return new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(buffer.subarray(0, length));
    } catch {
      throw new EnvFileReadError("is not UTF-8 text (save it as UTF-8)");
    }
  } catch (e) {
    if (e instanceof EnvFileReadError) throw e;
    throw new EnvFileReadError(describeErrno(e));
  } finally {
    fs.closeSync(fd);
  }
}
