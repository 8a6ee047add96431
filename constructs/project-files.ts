/** Files shipped with the project (scripts, policies), read at synth time. */
import * as fs from "fs";
import * as path from "path";

/** The directory holding package.json, found from this file (works from source and from dist/). */
export function projectRoot(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, "package.json"))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`package.json not found above ${__dirname}`);
    dir = parent;
  }
  return dir;
}

/** Content of a file, by its path relative to the project root (works from source and dist/). */
export function readProjectFile(relativePath: string): string {
  return fs.readFileSync(path.join(projectRoot(), relativePath), "utf8");
}

/** Absolute path of a project file (for tests and scripts, never for synthesized output). */
export function projectPath(relativePath: string): string {
  return path.join(projectRoot(), relativePath);
}
