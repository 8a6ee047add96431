/**
 * The diff CLI end to end, on real revisions: a temporary clone of this repository's HEAD whose
 * working tree is deliberately changed (a longer app token TTL, one audit device dropped), diffed
 * against HEAD. Real git, real `npm run synth` of both sides, then the Markdown, the JSON and the
 * exit codes a CI job sees. The repository's own work tree is never touched.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { spawnSync } from "child_process";
import { main, type Synthesizers } from "../scripts/plan-diff/cli";
import { resolveCommit, synthRevision, synthWorkingTree, type Synthesized } from "../scripts/plan-diff/synth";

const root = path.resolve(__dirname, "..");

function git(cwd: string, ...args: string[]): string {
  const r = spawnSync("git", args, { cwd, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`git ${args.join(" ")}: ${r.stderr}`);
  return r.stdout.trim();
}

/**
 * The command's own synthesis, each committed revision once for this file (a commit does not
 * change, and synth is reproducible): the tests below diff HEAD twice.
 */
const revisions = new Map<string, Synthesized>();
const synthOnce: Synthesizers = {
  revision: (repo, ref, envFile) => {
    const key = JSON.stringify([repo, resolveCommit(repo, ref), envFile]);
    let s = revisions.get(key);
    if (!s) revisions.set(key, (s = synthRevision(repo, ref, envFile)));
    return s;
  },
  workingTree: synthWorkingTree,
};

function runCli(args: string[]): { code: number; stdout: string; stderr: string } {
  let stdout = "";
  let stderr = "";
  const code = main(args, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), cwd: root }, process.env, synthOnce);
  return { code, stdout, stderr };
}

describe("npm run diff (scripts/plan-diff/cli.ts)", () => {
  let work: string;
  let repo: string;

  beforeAll(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), "uyoop-diff-cli-"));
    repo = path.join(work, "repo");
    git(work, "clone", "--quiet", root, repo);
    fs.symlinkSync(path.join(root, "node_modules"), path.join(repo, "node_modules"), "dir");
    const envFile = path.join(repo, "environments", "dev.json");
    const doc = JSON.parse(fs.readFileSync(envFile, "utf8")) as Record<string, unknown>;
    const vault = (doc["vault"] ?? {}) as Record<string, unknown>;
    doc["vault"] = { ...vault, appRole: { ...((vault["appRole"] as object) ?? {}), tokenTtlSeconds: 7200 }, audit: { ...((vault["audit"] as object) ?? {}), stdout: false } };
    fs.writeFileSync(envFile, `${JSON.stringify(doc, null, 2)}\n`);
  });
  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  test("HEAD against a deliberately changed working tree: Markdown with flags, exit code 2 (3 if HEAD has guardrail errors)", () => {
    const out = path.join(work, "diff.md");
    const r = runCli(["--base", "HEAD", "--repo", repo, "--out", out]);
    const headSha = git(repo, "rev-parse", "--short", "HEAD");
    expect(r.stdout).toContain(`**Base:** \`${headSha}\``);
    expect(r.stdout).toContain(`**Head:** working tree (HEAD \`${headSha}\` + uncommitted changes)`);
    expect(r.stdout).toContain("- **TTL lengthened** — `vault-config` `vault_approle_auth_backend_role.app-role (uyoop-app)`: token_ttl 1h → 2h");
    expect(r.stdout).toContain("- **audit device removed** — `vault-config` `vault_audit.audit-stdout (stdout)`: audit device stdout no longer records requests");
    expect(r.stdout).toMatch(/#### ➖ Destroyed \(1\)\n\n- `vault_audit\.audit-stdout` \(stdout\)/);
    expect(r.stdout).toContain("| `token_ttl` | `3600` → `7200` | update in place |");
    expect(r.stdout).not.toMatch(/BEGIN [A-Z ]*PRIVATE KEY/);
    expect(fs.readFileSync(out, "utf8")).toBe(r.stdout);
    const guardrailErrors = /🚫 \*\*(\d+) guardrail error/.exec(r.stdout);
    expect(r.code).toBe(guardrailErrors ? 3 : 2);
    expect(r.stderr).toMatch(/^diff: \d+ to create, \d+ to update, \d+ to replace, 1 to destroy; \d+ flag\(s\); exit [23] /m);
  }, 60_000);

  test("--json against the same revision: no changes", () => {
    // The diff synthesizes a revision compared with itself once, so this checks the JSON report
    // and the exit code, not that synth is reproducible: scripts/check-reproducible.sh does (CI).
    const r = runCli(["--base", "HEAD", "--head", "HEAD", "--repo", repo, "--json"]);
    const json = JSON.parse(r.stdout) as { exitCode: number; counts: Record<string, number>; stacks: { id: string; status: string }[]; guardrails: { errors: unknown[] } };
    expect(json.stacks.map((s) => s.status)).toEqual(json.stacks.map(() => "unchanged"));
    expect(json.counts).toEqual({ create: 0, update: 0, replace: 0, destroy: 0, "no-op": 0 });
    expect(r.code).toBe(json.guardrails.errors.length ? 3 : 0);
    expect(json.exitCode).toBe(r.code);
  }, 60_000);

  test("tool failures exit 4 with a one-line reason", () => {
    expect(runCli([])).toMatchObject({ code: 4, stderr: expect.stringMatching(/^error: --base <git-ref> is required\nusage:/) });
    expect(runCli(["--base", "no-such-ref-xyz", "--repo", repo])).toMatchObject({ code: 4, stderr: expect.stringMatching(/^error: unknown git revision "no-such-ref-xyz"/) });
    expect(runCli(["--base", "HEAD", "--bogus"])).toMatchObject({ code: 4, stderr: expect.stringMatching(/^error: unknown argument "--bogus"/) });
  });
});
