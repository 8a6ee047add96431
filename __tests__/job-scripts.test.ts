/**
 * The SecretID issuer and Raft snapshot job scripts: input validation, and control flow against
 * a scripted stand-in for the vault CLI (placed first on PATH). This is not verification of Vault
 * (the end-to-end deploy is): it proves what the scripts do with the CLI's answers: files,
 * modes, retention, and that no secret reaches their output.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { projectPath } from "../constructs/project-files";

const TOKEN = "hvs.STUBTOKENabcdefghijklmnopqrstuvwxyz";
const SECRET_ID = "5f0c2f2a-1111-2222-3333-444455556666";

let work: string;
let bin: string;
beforeAll(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), "uyoop-jobs-"));
  bin = path.join(work, "bin");
  fs.mkdirSync(bin);
  // The stand-in answers the few calls the scripts make, and logs each call's arguments.
  fs.writeFileSync(
    path.join(bin, "vault"),
    `#!/bin/sh
echo "$*" >> "${work}/calls"
case "$1 $2" in
  "login -method=cert") printf '%s' '${TOKEN}' ;;
  "write -f")
    case "$3" in
      */secret-id-accessor/destroy) ;;
      *) n=$(($(cat "${work}/issued" 2>/dev/null || echo 0) + 1)); echo "$n" > "${work}/issued"
         printf '{\\n  "data": {\\n    "secret_id": "${SECRET_ID}",\\n    "secret_id_accessor": "acc-%s"\\n  }\\n}\\n' "$n" ;;
    esac ;;
  "read -field=leader_address") printf 'https://vault-2:8200' ;;
  "operator raft") eval "last=\\\${$#}"; printf 'snapshot' > "$last" ;;
  "token revoke") ;;
  *) echo "unexpected: $*" >&2; exit 1 ;;
esac
`,
    { mode: 0o755 },
  );
  fs.writeFileSync(path.join(work, "ca.pem"), "ca");
});
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

function run(script: string, env: Record<string, string>) {
  return spawnSync("sh", [projectPath(`constructs/vault/scripts/${script}`)], {
    env: { PATH: `${bin}:${process.env["PATH"]}`, VAULT_ADDR: "https://vault:8200", VAULT_CACERT: path.join(work, "ca.pem"), ...env },
    encoding: "utf8",
  });
}

describe("issue-secret-id.sh", () => {
  test("writes the SecretID to its file, mode 0400, and prints no secret", () => {
    const out = path.join(work, "sid");
    fs.mkdirSync(out);
    const r = run("issue-secret-id.sh", { CERT_ROLE: "secretid-issuer", APPROLE_ROLE: "uyoop-app", SECRET_ID_FILE: `${out}/secret-id` });
    expect(r.status).toBe(0);
    expect(fs.readFileSync(`${out}/secret-id`, "utf8")).toBe(SECRET_ID);
    expect(fs.statSync(`${out}/secret-id`).mode & 0o777).toBe(0o400);
    expect(r.stdout + r.stderr).not.toContain(SECRET_ID);
    expect(r.stdout + r.stderr).not.toContain(TOKEN);
    expect(r.stdout).toContain("accessor acc-1");
    expect(fs.readdirSync(out).sort()).toEqual(["secret-id", "secret-id.accessor"]);
    expect(fs.readFileSync(`${out}/secret-id.accessor`, "utf8")).toBe("acc-1");
    const calls = fs.readFileSync(path.join(work, "calls"), "utf8");
    expect(calls).toContain("login -method=cert -path=cert -token-only name=secretid-issuer");
    expect(calls).toContain("write -f -format=json auth/approle/role/uyoop-app/secret-id");
    expect(calls).not.toContain("secret-id-accessor/destroy");
    expect(calls).not.toContain(TOKEN);

    // A rotation destroys the SecretID it replaces, by the accessor kept beside the file.
    const again = run("issue-secret-id.sh", { CERT_ROLE: "secretid-issuer", APPROLE_ROLE: "uyoop-app", SECRET_ID_FILE: `${out}/secret-id` });
    expect(again.status).toBe(0);
    expect(fs.readFileSync(`${out}/secret-id.accessor`, "utf8")).toBe("acc-2");
    expect(fs.readFileSync(path.join(work, "calls"), "utf8")).toContain(
      "write -f auth/approle/role/uyoop-app/secret-id-accessor/destroy secret_id_accessor=acc-1",
    );
    expect(again.stdout).toContain("destroyed the previous SecretID (accessor acc-1)");
  });

  test.each([
    ["VAULT_ADDR over http", { VAULT_ADDR: "http://vault:8200" }, /VAULT_ADDR must be https/],
    ["a relative output", { SECRET_ID_FILE: "secret-id" }, /must be an absolute path/],
    ["a role with odd characters", { CERT_ROLE: "x;rm" }, /lowercase names/],
  ])("refuses %s (exit 2)", (_t, change, message) => {
    const r = run("issue-secret-id.sh", { CERT_ROLE: "secretid-issuer", APPROLE_ROLE: "uyoop-app", SECRET_ID_FILE: `${work}/x`, ...change });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(message);
  });
});

describe("raft-snapshot.sh", () => {
  test("saves from the active node, keeps the newest RETAIN, records the last success", () => {
    const dir = path.join(work, "snaps");
    fs.mkdirSync(dir);
    // Older snapshots already there.
    for (const s of ["raft-20260101T000000Z.snap", "raft-20260102T000000Z.snap", "raft-20260103T000000Z.snap"]) fs.writeFileSync(path.join(dir, s), "old");
    const r = run("raft-snapshot.sh", { CERT_ROLE: "raft-snapshot", SNAPSHOT_DIR: dir, INTERVAL_SECONDS: "3600", RETAIN: "2", ONCE: "1" });
    expect(r.status).toBe(0);
    const snaps = fs.readdirSync(dir).filter((f) => f.endsWith(".snap")).sort();
    expect(snaps).toHaveLength(2);
    expect(snaps[0]).toBe("raft-20260103T000000Z.snap");
    expect(fs.readFileSync(path.join(dir, snaps[1]!), "utf8")).toBe("snapshot");
    expect(Number(fs.readFileSync(path.join(dir, ".last-success"), "utf8"))).toBeGreaterThan(1.7e9);
    expect(r.stdout).toMatch(/saved raft-\d{8}T\d{6}Z\.snap from https:\/\/vault-2:8200/);
    expect(r.stdout + r.stderr).not.toContain(TOKEN);
    expect(fs.readFileSync(path.join(work, "calls"), "utf8")).toMatch(/operator raft snapshot save -address=https:\/\/vault-2:8200 /);
  });

  test.each([
    ["RETAIN 0", { RETAIN: "0" }, /RETAIN must be a positive number/],
    ["a non-numeric interval", { INTERVAL_SECONDS: "1h" }, /INTERVAL_SECONDS must be a number/],
    ["a missing directory", { SNAPSHOT_DIR: "/nonexistent/dir" }, /not a writable directory/],
  ])("refuses %s (exit 2)", (_t, change, message) => {
    const r = run("raft-snapshot.sh", { CERT_ROLE: "raft-snapshot", SNAPSHOT_DIR: work, INTERVAL_SECONDS: "60", RETAIN: "2", ONCE: "1", ...change });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(message);
  });
});
