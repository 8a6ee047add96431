/**
 * The Vault bootstrap script under BusyBox sh and awk, the tools of the Alpine-based images
 * (hashicorp/vault, openbao): the key extraction, the input check and a whole fresh-cluster run
 * against the scripted CLI stub with nothing but BusyBox applets on PATH. Needs busybox and
 * dash from the OS, so `npm run lint` runs it (jest.lint.config.js), not `npm test`.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { BOOTSTRAP, NODES, SAMPLE_UNSEAL_KEYS, expectNoSecretsLeaked, initJson, isUnsealed, newCluster, work } from "./bootstrap-harness";

function which(cmd: string): string | undefined {
  const r = spawnSync("sh", ["-c", `command -v ${cmd}`], { encoding: "utf8" });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

function tool(name: string): string {
  const found = which(name);
  if (!found) throw new Error(`${name} is not installed: apt-get install ${name}`);
  return found;
}

const keys = SAMPLE_UNSEAL_KEYS;

test("BusyBox sh + BusyBox awk (the Alpine image's tools) give the same keys", () => {
  const bb = tool("busybox");
  const f = path.join(work, "bb.json");
  fs.writeFileSync(f, initJson(keys, 3));
  const r = spawnSync(bb, ["sh", "-c", `awk() { "$BB" awk "$@"; }; . "$1"; extract_unseal_keys "$2"`, "sh", BOOTSTRAP, f], {
    env: { PATH: "/nonexistent", BB: bb, BOOTSTRAP_LIB_ONLY: "1" },
    encoding: "utf8",
  });
  expect(r.stderr).toBe("");
  expect(r.stdout).toBe(`${keys.join("\n")}\n`);
});

test("bad input: the same message and exit code under dash and BusyBox sh", () => {
  const c = newCluster();
  for (const shell of [[tool("dash")], [tool("busybox"), "sh"]]) {
    const r = c.run({ KEY_THRESHOLD: "9" }, shell);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe("bootstrap: invalid input: KEY_THRESHOLD: 9 is more than KEY_SHARES (5)\n");
  }
});

test("the fresh-cluster run also works with nothing but BusyBox applets on PATH (as in the Alpine image)", () => {
  const bb = tool("busybox");
  const c = newCluster();
  const applets = path.join(c.dir, "busybox-bin");
  fs.mkdirSync(applets);
  const list = spawnSync(bb, ["--list"], { encoding: "utf8" }).stdout.split("\n").filter((a) => /^[a-z0-9_.[-]+$/.test(a));
  for (const a of list) fs.symlinkSync(bb, path.join(applets, a));
  const r = c.run({ PATH: `${c.bin}:${applets}` }, [path.join(applets, "sh")]);
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
  for (const node of NODES) expect(isUnsealed(c, node)).toBe(true);
  expect(fs.statSync(c.initFile).mode & 0o777).toBe(0o600);
  expectNoSecretsLeaked(c, r);
});
