#!/bin/sh
# Synthesizes the committed tree from two clones in different directories and fails unless the
# output is byte-identical and free of machine paths. Reuses this checkout's node_modules.
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

for name in first "second/nested deeper"; do
  git clone --quiet "$root" "$work/$name"
  ln -s "$root/node_modules" "$work/$name/node_modules"
  (cd "$work/$name" && npm run --silent synth)
done

if ! diff -r "$work/first/cdktf.out" "$work/second/nested deeper/cdktf.out"; then
  echo "FAIL: synth output differs between two clones" >&2
  exit 1
fi
if grep -rE "$work|$root" "$work/first/cdktf.out" >/dev/null; then
  echo "FAIL: synth output contains a machine path" >&2
  exit 1
fi
count=$(find "$work/first/cdktf.out/stacks" -name cdk.tf.json | wc -l)
echo "reproducible: $count stacks byte-identical across two clones"
