#!/usr/bin/env node
/**
 * npm run bench: how fast the commands people run are.
 *
 * - synth: the app command exactly as cdktf.json has it (what `cdktf synth` and `cdktf deploy`
 *   run, with the environment cdktf-cli gives it) against the floor, `node -e "require('cdktf')"`
 *   (no cdktf app can be faster than loading cdktf). Interleaved runs (floor, app, app, floor,
 *   ...), medians, and their ratio: for the default environment and for the largest supported
 *   one (7 Vault nodes, 50 app replicas). Then the app command as the environment grows.
 * - tests: `npm test` (type-check, build, jest), wall time.
 *
 * The report goes to cdktf.out/bench.md, or to docs/BENCHMARKS.md with --update-docs. Progress
 * goes to stderr as it runs.
 *
 *   npm run bench [-- --update-docs] [-- --runs N] [-- --no-tests] [-- --no-growth]
 */
"use strict";
const { spawnSync } = require("child_process");
const fs = require("fs");
const os = require("os");
const path = require("path");

const BUDGET_RATIO = 1.5;
const BUDGET_TESTS_S = 15;
const root = path.resolve(__dirname, "..");

function parseArgs(argv) {
  const o = { updateDocs: false, runs: 11, tests: true, growth: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--update-docs") o.updateDocs = true;
    else if (a === "--no-tests") o.tests = false;
    else if (a === "--no-growth") o.growth = false;
    else if (a === "--runs" && /^[1-9]\d*$/.test(argv[i + 1] ?? "")) o.runs = Number(argv[++i]);
    else throw new Error(`unknown argument "${a}"\nusage: npm run bench [-- --update-docs] [-- --runs N] [-- --no-tests] [-- --no-growth]`);
  }
  return o;
}

const progress = (text) => process.stderr.write(`bench: ${text}\n`);

/** Wall time of one shell command, in ms; fails loudly if the command fails. */
function timed(command, env) {
  const started = process.hrtime.bigint();
  const r = spawnSync("sh", ["-c", command], { cwd: root, env, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (r.status !== 0) throw new Error(`\`${command}\` failed (exit ${r.status}):\n${(r.stderr || r.stdout || "").trim().split("\n").slice(-15).join("\n")}`);
  return ms;
}

function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

const FLOOR = `node -e "require('cdktf')"`;
/** The app command's phases, in order (main.ts's UYOOP_TIMINGS_FILE; `guardrails` is part of `synth`). */
const PHASES = ["start", "imports", "config", "modules", "build", "synth", "check", "publish"];
/** Node's start alone: what the floor and the app command both pay before any module loads. */
const BOOT = "node -e 0";

/**
 * The environment cdktf-cli gives the app command (cdktf-cli 0.21: CDKTF_OUTDIR and the
 * annotations switch), and where main.ts writes its phase timings and resource count.
 */
function appEnv(work, name, document) {
  const file = path.join(work, `${name}.json`);
  fs.writeFileSync(file, `${JSON.stringify(document)}\n`);
  const env = {
    ...process.env,
    CDKTF_OUTDIR: path.join(work, `out-${name}`),
    CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS: "true",
    UYOOP_ENV_FILE: file,
    UYOOP_TIMINGS_FILE: path.join(work, `${name}-timings.json`),
  };
  delete env["NODE_OPTIONS"];
  return env;
}

/** What the app command's last run in `env` reported (main.ts's UYOOP_TIMINGS_FILE). */
function timings(env) {
  return JSON.parse(fs.readFileSync(env.UYOOP_TIMINGS_FILE, "utf8"));
}

/**
 * Floor and app command, interleaved (ABBA, so drift hits both alike), with Node's own start
 * (`node -e 0`) beside them; medians, the ratio, and the median of each phase the app command
 * reports (main.ts's UYOOP_TIMINGS_FILE).
 */
function compare(app, env, runs, label) {
  const floor = [];
  const ours = [];
  const boot = [];
  const phases = [];
  const appRun = () => {
    ours.push(timed(app, env));
    phases.push(timings(env));
  };
  for (let i = 0; i < runs; i++) {
    if (i % 2 === 0) {
      floor.push(timed(FLOOR, env));
      appRun();
    } else {
      appRun();
      floor.push(timed(FLOOR, env));
    }
    boot.push(timed(BOOT, env));
    progress(`${label}: run ${i + 1}/${runs}: app ${Math.round(ours[i])} ms, floor ${Math.round(floor[i])} ms`);
  }
  const a = median(ours);
  const f = median(floor);
  const phase = Object.fromEntries(Object.keys(phases[0]).map((k) => [k, median(phases.map((p) => p[k]))]));
  // What no phase covers, run by run (medians do not add up): the process's exit and the spawn.
  phase.rest = median(phases.map((p, i) => ours[i] - PHASES.reduce((sum, k) => sum + p[k], 0)));
  return { app: a, floor: f, ratio: a / f, boot: median(boot), phase };
}

function environments() {
  const ports = (n) => Array.from({ length: n }, (_, i) => 8200 + 10 * i);
  return {
    default: {},
    largest: { vault: { nodeCount: 7, hostPorts: ports(7) }, app: { replicas: 50, hostPort: 9000 } },
    growth: [
      ["3 Vault nodes, 1 app replica", {}],
      ["5 Vault nodes, 1 app replica", { vault: { nodeCount: 5, hostPorts: ports(5) } }],
      ["7 Vault nodes, 1 app replica", { vault: { nodeCount: 7, hostPorts: ports(7) } }],
      ["3 Vault nodes, 10 app replicas", { app: { replicas: 10, hostPort: 9000 } }],
      ["3 Vault nodes, 50 app replicas", { app: { replicas: 50, hostPort: 9000 } }],
      ["7 Vault nodes, 50 app replicas", { vault: { nodeCount: 7, hostPorts: ports(7) }, app: { replicas: 50, hostPort: 9000 } }],
    ],
  };
}

function main() {
  const opts = parseArgs(process.argv.slice(2));
  const app = JSON.parse(fs.readFileSync(path.join(root, "cdktf.json"), "utf8")).app;
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "uyoop-bench-"));
  const loadBefore = os.loadavg();
  const envs = environments();
  try {
    progress(`app command: ${app}; floor: ${FLOOR}; ${opts.runs} interleaved runs each`);
    // One run first: builds dist/ if a source changed (not what is measured), warms the file cache.
    const warm = appEnv(work, "warm", envs.default);
    timed(app, warm);
    timed(FLOOR, warm);

    const dflt = appEnv(work, "default", envs.default);
    const largest = appEnv(work, "largest", envs.largest);
    const ratios = [
      { name: "default (dev: 3 Vault nodes, 1 app replica)", ...compare(app, dflt, opts.runs, "default") },
      { name: "largest (7 Vault nodes, 50 app replicas)", ...compare(app, largest, opts.runs, "largest") },
    ];

    const growth = [];
    if (opts.growth) {
      const runs = Math.max(3, Math.ceil(opts.runs / 2));
      for (const [i, [name, document]] of envs.growth.entries()) {
        const env = appEnv(work, `growth-${i}`, document);
        const times = Array.from({ length: runs }, () => timed(app, env));
        growth.push({ name, resources: timings(env).resources, ms: median(times) });
        progress(`growth: ${name}: ${Math.round(median(times))} ms (median of ${runs})`);
      }
    }

    let suite;
    if (opts.tests) {
      progress("npm test (type-check, build, jest)...");
      suite = timed("npm test --silent", { ...process.env, CI: "true" }) / 1000;
      progress(`npm test: ${suite.toFixed(1)} s`);
    }

    const report = render({ app, opts, ratios, growth, suite, loadBefore, loadAfter: os.loadavg() });
    const target = opts.updateDocs ? path.join(root, "docs", "BENCHMARKS.md") : path.join(root, "cdktf.out", "bench.md");
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, report);
    for (const r of ratios) {
      progress(`${r.name}: app/floor ${r.ratio.toFixed(2)} (${r.ratio <= BUDGET_RATIO ? "within" : "OVER"} the ${BUDGET_RATIO} budget)`);
    }
    if (suite !== undefined) progress(`npm test: ${suite.toFixed(1)} s (${suite <= BUDGET_TESTS_S ? "within" : "OVER"} the ${BUDGET_TESTS_S} s budget)`);
    progress(`report written to ${path.relative(root, target)}`);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

function render({ app, opts, ratios, growth, suite, loadBefore, loadAfter }) {
  const ms = (v) => String(Math.round(v));
  const load = (l) => l.map((v) => v.toFixed(2)).join(" ");
  const lines = [
    "# Benchmarks",
    "",
    `Written by \`npm run bench${opts.updateDocs ? " -- --update-docs" : ""}\` (scripts/bench.js). Machine: ${os.cpus().length} cores, Node ${process.version}, ` +
      `load average ${load(loadBefore)} before and ${load(loadAfter)} after (other work on the machine slows both sides of a ratio alike, not the absolute times).`,
    "",
    "## Budget",
    "",
    `- synth: the app command (\`${app}\`, what \`cdktf synth\` and \`cdktf deploy\` run) at most ${BUDGET_RATIO}x the floor, ` +
      "`node -e \"require('cdktf')\"`, for the default and the largest supported environment.",
    `- tests: \`npm test\` (type-check, build and the whole jest suite, a real PostgreSQL included) at most ${BUDGET_TESTS_S} s on 2 cores.`,
    "",
    "## Synth against the floor",
    "",
    `Medians of ${opts.runs} interleaved runs each, wall time, the environment cdktf-cli gives the app command.`,
    "",
    "| environment | resources | app command (ms) | floor (ms) | app / floor |",
    "|---|---|---|---|---|",
    ...ratios.map((r) => `| ${r.name} | ${r.phase.resources} | ${ms(r.app)} | ${ms(r.floor)} | ${r.ratio.toFixed(2)} |`),
    "",
    "## Where the time goes",
    "",
    "Medians of the same runs, in ms. *Node start* is `node -e 0`; *loading cdktf* is the floor less Node's start.",
    "The app command's phases are what main.ts measures (UYOOP_TIMINGS_FILE): *start* is Node's start and",
    "scripts/app.js's build check and code-cache set-up; *imports* loads main.js and what it imports (the config schema, zod);",
    "*config* reads the environment file; *modules* loads cdktf, the providers and the guardrails (from a V8 code",
    "cache); *build* makes the construct tree; *cdktf synth* is cdktf preparing, rendering and writing the stacks;",
    "*guardrails* is their judging; *check* reads the findings; *rest* is what no phase covers (the process's exit,",
    "the spawn), run by run. *cdktf alone* is the floor plus cdktf's synth: what any cdktf app writing these",
    "resources pays at least, whatever its own work.",
    "",
    "| environment | Node start | loading cdktf | app: start | imports | config | modules | build | cdktf synth | guardrails | check | publish | rest | cdktf alone / floor |",
    "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ...ratios.map((r) => {
      const p = r.phase;
      const cdktfSynth = p.synth - p.guardrails;
      const cells = [r.boot, r.floor - r.boot, p.start, p.imports, p.config, p.modules, p.build, cdktfSynth, p.guardrails, p.check, p.publish, p.rest].map(ms);
      return `| ${r.name} | ${cells.join(" | ")} | ${((r.floor + cdktfSynth) / r.floor).toFixed(2)} |`;
    }),
    "",
  ];
  if (growth.length > 0) {
    lines.push("## Synth as the environment grows", "", "The app command, median wall time.", "", "| environment | resources | app command (ms) |", "|---|---|---|");
    for (const g of growth) lines.push(`| ${g.name} | ${g.resources} | ${ms(g.ms)} |`);
    lines.push("");
  }
  lines.push("## Tests", "", suite === undefined ? "`npm test`: not run (--no-tests)." : `\`npm test\`: ${suite.toFixed(1)} s.`, "");
  lines.push(
    "## Rerun",
    "",
    "```sh",
    "npm run bench                    # report in cdktf.out/bench.md",
    "npm run bench -- --update-docs   # this file",
    "npm run bench -- --runs 21 --no-growth --no-tests",
    "```",
    "",
  );
  return lines.join("\n");
}

if (require.main === module) {
  try {
    main();
  } catch (error) {
    process.stderr.write(`bench: error: ${error.message}\n`);
    process.exitCode = 1;
  }
}
