#!/usr/bin/env bash
# Plans every shipped stack in two checkouts and prints the pull-request
# comment (markdown): per stack, the steps `pulumi up` of the head would take
# on a stack deployed from the base (the lab's step generator, with the inputs
# that cause each update or replacement), then the plans' diff as YAML, where
# a script's lines are lines (npm run plan:review, lab/planReview.ts, run from
# the head checkout). No credentials, no daemons: `npm run plan` runs the
# program under mocks.
#   scripts/plan-diff.sh <base-checkout> <head-checkout>   (both with node_modules)
# Exit 0 whether or not the plans differ; non-zero only when the comment
# cannot be made (a stack that fails to plan is reported in it).
set -euo pipefail
base=$(cd "$1" && pwd)
head=$(cd "$2" && pwd)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

plan_all() { # <checkout> <dest> [<deployed>]: <dest>/<stack file without .yaml>.json, or .failed with the error
    # <deployed>: the base's plans; a stack deployed from one keeps its containers where that
    # plan put them (npm run plan --deployed), as `pulumi up` keeps them.
    local dir=$1 dest=$2 deployed=${3:-} f plan
    ( cd "$dir"
      for f in Pulumi.*.yaml examples/Pulumi.*.yaml; do
          [ -e "$f" ] || continue
          plan="$dest/${f%.yaml}"
          mkdir -p "$(dirname "$plan")"
          local from=()
          if [ -n "$deployed" ] && [ -e "$deployed/${f%.yaml}.json" ]; then
              from=(--deployed "$deployed/${f%.yaml}.json")
          fi
          if ! npm run -s plan -- "$f" --format json "${from[@]}" >"$plan.json" 2>"$plan.err"; then
              mv "$plan.err" "$plan.failed"
              rm -f "$plan.json"
          fi
          rm -f "$plan.err"
      done )
}

plan_all "$base" "$out/base"
plan_all "$head" "$out/head" "$out/base"
cd "$head"
npm run -s plan:review -- "$out/base" "$out/head"
