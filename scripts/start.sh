#!/usr/bin/env bash
# The front door: from a fresh clone to the dev stack running on real engines,
# checked. Run as root on Debian 12 (bookworm):
#
#   npm start                              the dev stack (Pulumi.dev.yaml)
#   npm start -- examples/Pulumi.etcd.yaml another netns stack
#
# Each step is skipped when it is already done, so a second run takes seconds:
#   1. npm ci, when node_modules is missing or package-lock.json changed since
#      it was installed (npm_ci_needed below);
#   2. bash scripts/lab-deps.sh (idempotent: ~1 s when everything is there);
#   3. npm run lab -- up <stack>, unless the lab already holds the stack;
#   4. npm run lab -- check <stack>: every pair of containers pings.
# It ends with what to run next (status, check, down, npm test).
set -euo pipefail

say() { printf 'start: %s\n' "$*"; }
die() { printf 'start: ERROR: %s\n' "$*" >&2; exit 1; }

# npm_ci_needed DIR: succeeds when DIR needs `npm ci`: no node_modules, no
# record of what npm installed there (node_modules/.package-lock.json), or a
# package-lock.json newer than that record that lists other packages than it
# (by path, version and integrity; an optional package npm skipped on this
# platform does not count). A checkout that only touched package-lock.json's
# mtime needs nothing.
npm_ci_needed() {
    local dir=$1
    [ -d "$dir/node_modules" ] || return 0
    [ -f "$dir/node_modules/.package-lock.json" ] || return 0
    [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ] || return 1
    # shellcheck disable=SC2016 # JavaScript, not shell.
    ! node -e '
        const fs = require("fs");
        const read = (f) => JSON.parse(fs.readFileSync(f, "utf8")).packages || {};
        const want = read(process.argv[1]);
        const have = read(process.argv[2]);
        const same = (a, b) => a.version === b.version && a.integrity === b.integrity;
        for (const [k, p] of Object.entries(want)) {
            if (k === "") continue;
            if (!(k in have)) { if (p.optional) continue; process.exit(1); }
            if (!same(p, have[k])) process.exit(1);
        }
        for (const k of Object.keys(have)) if (!(k in want)) process.exit(1);
    ' "$dir/package-lock.json" "$dir/node_modules/.package-lock.json"
}

# stack_name FILE: the lab's stack name of a stack file (Pulumi.dev.yaml -> dev).
stack_name() {
    local base
    base=$(basename "$1")
    case "$base" in
        Pulumi.*.yaml) base=${base#Pulumi.}; printf '%s\n' "${base%.yaml}" ;;
        Pulumi.*.yml) base=${base#Pulumi.}; printf '%s\n' "${base%.yml}" ;;
        *.yaml) printf '%s\n' "${base%.yaml}" ;;
        *.yml) printf '%s\n' "${base%.yml}" ;;
        *) printf '%s\n' "$base" ;;
    esac
}

# lab_state STACK: what the lab holds of STACK (its state file, lab/state.ts):
# `none` (nothing: up may run), `up` (an up that succeeded), or `partial` (an
# up that failed or is running: resources to take down first).
lab_state() {
    local file="${DOCKER_OVERLAY_LAB_STATE_DIR:-/var/lib/docker-overlay/lab}/$1.json"
    [ -f "$file" ] || { echo none; return 0; }
    node -e '
        const s = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
        const custom = (s.resources || []).some((r) => r.custom);
        console.log(s.status === "succeeded" ? "up" : custom ? "partial" : "none");
    ' "$file"
}

main() {
    local repo stack_arg stack_file stack state suffix node_major
    repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
    cd "$repo"
    [ $# -le 1 ] || die "usage: npm start [-- <stack-file.yaml>]"
    stack_arg=${1:-Pulumi.dev.yaml}
    # npm runs this in the repository; a relative path is the caller's.
    case "$stack_arg" in
        /*) stack_file=$stack_arg ;;
        *) if [ -f "${INIT_CWD:-$repo}/$stack_arg" ]; then stack_file="${INIT_CWD:-$repo}/$stack_arg"; else stack_file="$repo/$stack_arg"; fi ;;
    esac
    [ -f "$stack_file" ] || die "no stack file $stack_arg"
    stack=$(stack_name "$stack_file")
    # The commands printed at the end name the stack file unless it is the default one.
    suffix=""
    [ "$stack_file" = "$repo/Pulumi.dev.yaml" ] || suffix=" $stack_arg"

    command -v node >/dev/null || die "needs Node.js 20, 21 or 22 (package.json engines) and npm"
    node_major=$(node -p 'process.versions.node.split(".")[0]')
    if [ "$node_major" -lt 20 ] || [ "$node_major" -gt 22 ]; then
        die "needs Node.js 20, 21 or 22 (package.json engines), not $(node --version)"
    fi
    [ "$(id -u)" -eq 0 ] || die "the lab needs root (bridges, namespaces, daemons): sudo npm start${suffix:+ --$suffix}"

    if npm_ci_needed "$repo"; then
        say "installing npm packages from package-lock.json (npm ci)"
        npm ci --no-audit --no-fund
    else
        say "npm packages: up to date"
    fi

    say "lab dependencies (bash scripts/lab-deps.sh)"
    bash "$repo/scripts/lab-deps.sh"

    state=$(lab_state "$stack")
    case "$state" in
        up) say "stack $stack is already up (npm run lab -- down$suffix takes it down)" ;;
        partial) die "an earlier up of stack $stack did not finish; take it down first: npm run lab -- down$suffix" ;;
        *)
            say "applying stack $stack (npm run lab -- up$suffix)"
            npm run --silent lab -- up "$stack_file"
            ;;
    esac

    say "checking the overlay (npm run lab -- check$suffix)"
    if ! npm run --silent lab -- check "$stack_file"; then
        die "some pairs do not ping (above); npm run lab -- status$suffix shows the hosts; npm run lab -- down$suffix takes it all down"
    fi

    cat <<EOF

start: stack $stack is up and every pair of containers pings. Next:
  npm run lab -- status$suffix    hosts, KV store and containers with their addresses
  npm run lab -- check$suffix     ping every pair again
  npm run lab -- down$suffix      take it all down
  npm test                 the unit tests (no root, no daemons)
EOF
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    main "$@"
fi
