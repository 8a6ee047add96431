#!/bin/sh
# Benchmarks synth time as the environment grows (3/5/7 Vault nodes; 1/10/50 app replicas) and
# the test suite's time, and writes the table to docs/BENCHMARKS.md. Median of RUNS runs each.
#   npm run bench            (RUNS=5 by default; BENCH_SKIP_TESTS=1 skips the suite)
set -eu
cd "$(dirname "$0")/.."
runs=${RUNS:-5}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

npm run --silent build

now_ms() { date +%s%3N; }

# median of the numbers on stdin
median() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : int((a[NR / 2] + a[NR / 2 + 1]) / 2) }'; }

# synth_ms NAME JSON: median synth time of an environment document
synth_ms() {
  printf '%s\n' "$2" > "$work/$1.json"
  i=0
  while [ "$i" -lt "$runs" ]; do
    start=$(now_ms)
    UYOOP_ENV_FILE="$work/$1.json" CDKTF_OUTDIR="$work/out-$1" node dist/main.js >/dev/null
    echo $(($(now_ms) - start))
    i=$((i + 1))
  done | median
}

resources() { cat "$work/out-$1"/stacks/*/cdk.tf.json | grep -c '"uniqueId"'; }

rows=""
for nodes in 3 5 7; do
  ports=$(seq -s, 8200 10 $((8200 + 10 * (nodes - 1))))
  name="vault-$nodes"
  ms=$(synth_ms "$name" "{\"vault\": {\"nodeCount\": $nodes, \"hostPorts\": [$ports]}}")
  rows="$rows| $nodes Vault nodes, 1 app replica | $(resources "$name") | $ms |
"
done
for replicas in 1 10 50; do
  name="app-$replicas"
  ms=$(synth_ms "$name" "{\"app\": {\"replicas\": $replicas, \"hostPort\": 9000}}")
  rows="$rows| 3 Vault nodes, $replicas app replica(s) | $(resources "$name") | $ms |
"
done

suite="(skipped)"
if [ "${BENCH_SKIP_TESTS:-0}" != 1 ]; then
  start=$(now_ms)
  npx jest --ci --silent >/dev/null 2>&1
  suite="$(($(now_ms) - start)) ms"
fi

cat > docs/BENCHMARKS.md <<MD
# Benchmarks

Written by \`npm run bench\` (scripts/bench.sh): synth of the whole environment (build excluded,
\`node dist/main.js\`, median of $runs runs) as it grows, and the jest suite (type-check and build
excluded). Machine: $(nproc) cores, Node $(node --version).

## Budget

- synth: under 2 s for any supported size (7 Vault nodes, 50 app replicas); it grows linearly with
  the number of resources.
- jest suite: under 60 s on 2 cores (it starts a real PostgreSQL and runs every shell script).

## Results

| environment | resources | synth (ms) |
|---|---|---|
$rows
jest suite: $suite
MD
cat docs/BENCHMARKS.md
