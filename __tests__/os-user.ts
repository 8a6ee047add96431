/** An unprivileged user for what must not run as root (PostgreSQL refuses to; root writes anywhere). */
import * as fs from "node:fs";
import * as path from "node:path";

export interface OsUser {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
}

/** `nobody` when the tests run as root (every Linux has it), otherwise undefined: run as ourselves. */
export function unprivilegedUser(): OsUser | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const fields = fs
    .readFileSync("/etc/passwd", "utf8")
    .split("\n")
    .find((l) => l.startsWith("nobody:"))
    ?.split(":");
  if (!fields || fields.length < 4) throw new Error("running as root, but there is no 'nobody' user in /etc/passwd to run unprivileged work as");
  return { name: "nobody", uid: Number(fields[2]), gid: Number(fields[3]) };
}

/** Gives a directory tree to a user (child_process drops to it with the uid/gid options). */
export function chownTree(dir: string, user: OsUser): void {
  fs.chownSync(dir, user.uid, user.gid);
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) chownTree(full, user);
    else fs.lchownSync(full, user.uid, user.gid);
  }
}
