/**
 * vault.unseal.pgpKeys with real OpenPGP keys made by gpg at run time (never in git): accepted
 * one per share and within the file limits; a key cut by a line break, a SECRET key and a
 * count that does not match the shares are refused. Needs gpg from the OS, so `npm run lint`
 * runs it (jest.lint.config.js); hostile-input.test.ts has the cases that need no key.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { problemsOf } from "./helpers";
import { loadSelectedEnvironment } from "../config/load";
import { UserInputError, formatProblem } from "../kernel/errors";

let work: string;
let gnupgHome: string;
/** A real OpenPGP public key and its secret key, both base64. */
let pgp: { publicKey: string; secretKey: string };

beforeAll(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), "uyoop-pgp-"));
  gnupgHome = fs.mkdtempSync(path.join(os.tmpdir(), "uyoop-gpg-"));
  const gpg = (...args: string[]) => {
    const r = spawnSync("gpg", ["--batch", "--pinentry-mode", "loopback", "--passphrase", "", ...args], { env: { ...process.env, GNUPGHOME: gnupgHome } });
    if (r.error) throw new Error(`gpg is not installed: apt-get install gnupg (${r.error.message})`);
    if (r.status !== 0) throw new Error(`gpg ${args.join(" ")} exited ${r.status}: ${r.stderr.toString()}`);
    return r.stdout;
  };
  gpg("--quick-gen-key", "uyoop test <test@example.invalid>", "ed25519", "sign", "never");
  pgp = { publicKey: gpg("--export").toString("base64"), secretKey: gpg("--export-secret-keys").toString("base64") };
});

afterAll(() => {
  spawnSync("gpgconf", ["--kill", "gpg-agent"], { env: { ...process.env, GNUPGHOME: gnupgHome } });
  fs.rmSync(work, { recursive: true, force: true });
  fs.rmSync(gnupgHome, { recursive: true, force: true });
});

test("a real OpenPGP public key (gpg --export | base64 -w0) is accepted, one per share", () => {
  expect(problemsOf({ vault: { unseal: { keyShares: 3, keyThreshold: 2, pgpKeys: [pgp.publicKey, pgp.publicKey, pgp.publicKey] } } })).toEqual([]);
});

test("five real keys fit the file limits (depth, items, size)", () => {
  const file = path.join(work, "five.json");
  fs.writeFileSync(file, JSON.stringify({ vault: { unseal: { pgpKeys: Array(5).fill(pgp.publicKey) } } }, null, 2));
  let problems: string[] = [];
  try {
    loadSelectedEnvironment({ file, source: "five.json", origin: "UYOOP_ENV_FILE" });
  } catch (e) {
    if (!(e instanceof UserInputError)) throw e;
    problems = e.problems.map(formatProblem);
  }
  expect(problems).toEqual([]);
});

test.each([
  ["a key with a line break", () => `${pgp.publicKey.slice(0, 40)}\n${pgp.publicKey.slice(40)}`, /is not base64 \(one line, no spaces\)/],
  ["the SECRET key", () => pgp.secretKey, /is an OpenPGP SECRET key: remove it from this file now/],
])("PGP key: %s is refused, the share named", (_title, key, message) => {
  expect(problemsOf({ vault: { unseal: { keyShares: 1, keyThreshold: 1, pgpKeys: [key()] } } })).toEqual([expect.stringMatching(new RegExp(`^vault\\.unseal\\.pgpKeys\\[0\\]: .*${message.source}`))]);
});

test("PGP keys not matching the shares", () => {
  expect(problemsOf({ vault: { unseal: { pgpKeys: [pgp.publicKey] } } })).toEqual([
    "vault.unseal.pgpKeys: has 1 key(s) for 5 shares; give exactly one PGP key per share, or none",
  ]);
});
