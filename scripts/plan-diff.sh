#!/usr/bin/env bash
# Plans every shipped stack in two checkouts and prints a unified diff of the
# plans (text format, then JSON for the exact inputs). No credentials, no
# daemons: `npm run plan` runs the program under mocks.
#   scripts/plan-diff.sh <base-checkout> <head-checkout>   (both with node_modules)
# Exit 0 whether or not the plans differ; non-zero only when planning fails.
set -euo pipefail
base=$(cd "$1" && pwd)
head=$(cd "$2" && pwd)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

plan_all() { # <checkout> <dest>
    local dir=$1 dest=$2 f name
    mkdir -p "$dest"
    ( cd "$dir"
      for f in Pulumi.*.yaml examples/Pulumi.*.yaml; do
          [ -e "$f" ] || continue
          name=${f//\//_}
          npm run -s plan -- "$f" --format text >"$dest/${name%.yaml}.txt" 2>&1 || echo "plan failed: $f" >>"$dest/${name%.yaml}.txt"
          npm run -s plan -- "$f" --format json >"$dest/${name%.yaml}.json" 2>&1 || true
      done )
}

plan_all "$base" "$out/base"
plan_all "$head" "$out/head"
cd "$out"
if diff -ruN base head >diff.txt; then
    echo "No change to any stack's plan."
else
    echo "Plan changes (base -> head):"
    echo
    echo '```diff'
    cat diff.txt
    echo '```'
fi
