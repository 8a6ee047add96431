/**
 * The dependency rule (docs/ARCHITECTURE.md "Kernel"), read from the source: every relative
 * import of every project .ts file. kernel/ is the bottom (it imports no project folder); the
 * guardrails read the synthesized JSON with the kernel and the policy catalogue only, never a
 * construct or the schema; and no folder reaches itself again through its imports.
 */
import * as fs from "fs";
import * as path from "path";

const root = path.resolve(__dirname, "..");
const SKIPPED = new Set(["node_modules", "dist", "cdktf.out", "state"]);

/** Every project .ts file, relative to the root (generated and dependency folders left out). */
function sourceFiles(dir = ""): string[] {
  return fs.readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const rel = path.posix.join(dir, entry.name);
    if (entry.isDirectory()) return SKIPPED.has(entry.name) || entry.name.startsWith(".") || entry.name.startsWith("cdktf.out") ? [] : sourceFiles(rel);
    return entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts") ? [rel] : [];
  });
}

/** `from "./x"`, `import "./x"`, `import("./x")`, `require("./x")`, `jest.mock("./x")`: the relative specifiers of a file. */
const RELATIVE_IMPORT = /(?:\bfrom|\bimport|\brequire|\bjest\.(?:mock|requireActual))\s*\(?\s*["'](\.\.?\/[^"']*)["']/g;

interface Import {
  readonly file: string;
  readonly specifier: string;
  /** The imported file, relative to the root. */
  readonly target: string;
}

/** Resolves a relative specifier the way Node and tsc do here: `x.ts`, `x/index.ts`, or the file itself (JSON). */
function resolve(file: string, specifier: string): string | undefined {
  const base = path.posix.normalize(path.posix.join(path.posix.dirname(file), specifier));
  return [`${base}.ts`, `${base}/index.ts`, base].find((c) => fs.existsSync(path.join(root, c)) && fs.statSync(path.join(root, c)).isFile());
}

/** Every relative import of the given sources; `read` supplies a file's text (tests substitute one). */
function importsOf(files: readonly string[], read: (file: string) => string): { imports: Import[]; unresolved: string[] } {
  const imports: Import[] = [];
  const unresolved: string[] = [];
  for (const file of files) {
    for (const m of read(file).matchAll(RELATIVE_IMPORT)) {
      const target = resolve(file, m[1]!);
      if (target === undefined) unresolved.push(`${file}: ${m[1]}`);
      else imports.push({ file, specifier: m[1]!, target });
    }
  }
  return { imports, unresolved };
}

/** The top-level folder of a file (`constructs`, `kernel`, ...), or the file itself at the root (`main.ts`). */
const folderOf = (file: string): string => file.split("/")[0]!;

/** Folder-level edges (a folder's imports of itself left out), each with one import that makes it. */
function folderGraph(imports: readonly Import[], nodeOf: (file: string) => string): Map<string, Map<string, Import>> {
  const graph = new Map<string, Map<string, Import>>();
  for (const i of imports) {
    const [from, to] = [nodeOf(i.file), nodeOf(i.target)];
    if (from === to) continue;
    const edges = graph.get(from) ?? new Map<string, Import>();
    if (!edges.has(to)) edges.set(to, i);
    graph.set(from, edges);
  }
  return graph;
}

/** Cycles found by a depth-first walk (at least one wherever there is one), each edge printed with the import behind it. */
function cyclesOf(imports: readonly Import[], nodeOf: (file: string) => string = folderOf): string[] {
  const graph = folderGraph(imports, nodeOf);
  const done = new Set<string>();
  const cycles: string[] = [];
  const visit = (node: string, trail: string[]): void => {
    const at = trail.indexOf(node);
    if (at >= 0) {
      const loop = [...trail.slice(at), node];
      const edges = loop.slice(1).map((to, k) => {
        const i = graph.get(loop[k]!)!.get(to)!;
        return `${loop[k]} -> ${to} (${i.file} imports "${i.specifier}")`;
      });
      cycles.push(edges.join("; "));
      return;
    }
    if (done.has(node)) return;
    for (const next of [...(graph.get(node)?.keys() ?? [])].sort()) visit(next, [...trail, node]);
    done.add(node);
  };
  for (const node of [...graph.keys()].sort()) visit(node, []);
  return cycles;
}

/** Imports from a folder that reach outside the folders it may import. */
function importsOutside(imports: readonly Import[], folder: string, allowed: readonly string[]): string[] {
  return imports
    .filter((i) => folderOf(i.file) === folder && ![folder, ...allowed].includes(folderOf(i.target)))
    .map((i) => `${i.file} imports "${i.specifier}" (${i.target})`);
}

// This file's own text holds made-up imports (below); it imports only node built-ins.
const files = sourceFiles().filter((f) => f !== "__tests__/architecture.test.ts");
const readSource = (file: string): string => fs.readFileSync(path.join(root, file), "utf8");
const { imports, unresolved } = importsOf(files, readSource);

describe("the import graph of the project's sources", () => {
  test("is read from every folder, and every relative import resolves to a project file", () => {
    expect([...new Set(files.map(folderOf))]).toEqual(
      expect.arrayContaining(["main.ts", "kernel", "config", "constructs", "stacks", "guardrails", "policies", "scripts", "e2e", "__tests__"]),
    );
    expect(unresolved).toEqual([]);
    // Sanity: the parser sees the imports this rule is about.
    expect(imports).toEqual(expect.arrayContaining([expect.objectContaining({ file: "config/validate.ts", target: "kernel/invariants.ts" })]));
    expect(imports.filter((i) => i.file.startsWith("constructs/") && folderOf(i.target) === "kernel").length).toBeGreaterThan(10);
  });

  test("kernel/ imports no project folder (only node built-ins and npm packages)", () => {
    expect(importsOutside(imports, "kernel", [])).toEqual([]);
  });

  test("guardrails/ import only kernel/ and the policy catalogue (policies/), never a construct, the schema or a stack", () => {
    expect(importsOutside(imports, "guardrails", ["kernel", "policies"])).toEqual([]);
  });

  test("config/ (the schema) imports only kernel/", () => {
    expect(importsOutside(imports, "config", ["kernel"])).toEqual([]);
  });

  test("the folder graph has no cycle (constructs <-> config, ...)", () => {
    expect(cyclesOf(imports)).toEqual([]);
  });

  test("nor has the graph of the construct folders (constructs/vault <-> constructs/postgres, ...)", () => {
    const constructFolder = (file: string): string => (file.startsWith("constructs/") ? path.posix.dirname(file) : folderOf(file));
    expect(cyclesOf(imports, constructFolder)).toEqual([]);
  });
});

describe("the checks themselves fail on a bad import", () => {
  // A made-up set of sources: kernel reaching into config, guardrails into a construct, and a
  // cycle between config and constructs. Each check must name the offending import.
  const fake: Record<string, string> = {
    "kernel/errors.ts": 'import { environmentSchema } from "../config/schema";',
    "config/schema.ts": 'import { HardenedContainer } from "../constructs/docker/hardened-container";\nimport { show } from "../kernel/errors";',
    "constructs/docker/hardened-container.ts": 'import type { EnvironmentConfig } from "../../config/schema";',
    "guardrails/types.ts": 'export type { VaultCluster } from "../constructs/vault/vault-cluster";',
  };
  const bad = importsOf(Object.keys(fake), (f) => fake[f]!).imports;

  test("kernel importing config is named", () => {
    expect(importsOutside(bad, "kernel", [])).toEqual(['kernel/errors.ts imports "../config/schema" (config/schema.ts)']);
  });

  test("guardrails importing a construct is named", () => {
    expect(importsOutside(bad, "guardrails", ["kernel", "policies"])).toEqual(['guardrails/types.ts imports "../constructs/vault/vault-cluster" (constructs/vault/vault-cluster.ts)']);
  });

  test("a cycle is printed with the import behind each edge", () => {
    expect(cyclesOf(bad)).toEqual([
      'config -> constructs (config/schema.ts imports "../constructs/docker/hardened-container"); constructs -> config (constructs/docker/hardened-container.ts imports "../../config/schema")',
      'config -> kernel (config/schema.ts imports "../kernel/errors"); kernel -> config (kernel/errors.ts imports "../config/schema")',
    ]);
  });
});

describe("the test suites under the worker runtime (__tests__/worker-runtime.js)", () => {
  test("use no negated class matcher: against a value from Node's realm it would pass whatever happens", () => {
    const tests = fs.readdirSync(path.join(root, "__tests__")).filter((f) => f.endsWith(".ts") && f !== "architecture.test.ts");
    const negated = /\.not\.(toBeInstanceOf\(|toThrow\(\s*[A-Z])/;
    const found = tests.flatMap((f) =>
      readSource(`__tests__/${f}`)
        .split("\n")
        .flatMap((line, i) => (negated.test(line) ? [`__tests__/${f}:${i + 1}: ${line.trim()}`] : [])),
    );
    expect(found).toEqual([]);
    // The pattern finds what it is for.
    expect(negated.test("expect(x).not.toThrow(UserInputError)")).toBe(true);
    expect(negated.test("expect(x).not.toThrow()")).toBe(false);
  });
});
