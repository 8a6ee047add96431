/**
 * The documentation's promises that a machine can check: every `npm run <script>` a document
 * names exists in package.json, and every relative link points at a file that exists. A renamed
 * script or a moved file fails here instead of in a reader's terminal.
 */
import * as fs from "fs";
import * as path from "path";

const root = path.resolve(__dirname, "..");
const scripts = Object.keys((JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts);

/** Every Markdown file the project ships (not dependencies, not generated output). */
function markdownFiles(): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(path.join(root, dir), { withFileTypes: true })) {
      const rel = path.posix.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!["node_modules", "cdktf.out", "dist", "state", ".git"].includes(entry.name) && !entry.name.startsWith(".")) walk(rel);
      } else if (entry.name.endsWith(".md")) out.push(rel);
    }
  };
  walk(".");
  return out.map((f) => f.replace(/^\.\//, "")).sort();
}

const documents = markdownFiles();

test("the documents are found (README, docs/, e2e/)", () => {
  expect(documents).toEqual(expect.arrayContaining(["README.md", "docs/ARCHITECTURE.md", "docs/RUNBOOK.md", "e2e/README.md"]));
});

describe.each(documents)("%s", (doc) => {
  const text = fs.readFileSync(path.join(root, doc), "utf8");

  test("every `npm run <script>` it names exists in package.json", () => {
    const named = [...text.matchAll(/npm run (?:--silent )?([a-z][\w:-]*)/g)].map((m) => m[1]!);
    const missing = [...new Set(named)].filter((s) => !scripts.includes(s));
    expect(missing).toEqual([]);
  });

  test("every relative link points at an existing file", () => {
    const links = [...text.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]!).filter((l) => !/^[a-z]+:/i.test(l) && !l.startsWith("#"));
    const broken = links.filter((l) => !fs.existsSync(path.resolve(root, path.dirname(doc), l.split("#")[0]!)));
    expect(broken).toEqual([]);
  });
});

test("every count of the guardrail rules in the documents is the catalogue's", () => {
  const { RULES } = require("../guardrails") as typeof import("../guardrails");
  const counts = documents.flatMap((doc) =>
    [...fs.readFileSync(path.join(root, doc), "utf8").matchAll(/\b(\d+) (?:guardrail )?rules\b/g)].map((m) => `${doc}: ${m[1]}`),
  );
  expect(counts.length).toBeGreaterThan(0);
  expect(counts.filter((c) => !c.endsWith(`: ${RULES.length}`))).toEqual([]);
});
