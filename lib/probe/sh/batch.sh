#!/usr/bin/env bash
# Several commands in one session on a host (`npm run diagnose`: one ssh login per
# host, not one per command): each argument is a command line, run by bash in turn;
# each gives a frame on stdout, `docker-overlay-part <index> <exit code> <stdout bytes>
# <stderr bytes>`, then its stdout and its stderr as they were (lib/probe/ssh.ts
# parseSshBatch reads them back by their lengths).
set -u
dir=$(mktemp -d) || exit 1
trap 'rm -rf "$dir"' EXIT
i=0
for command_line in "$@"; do
    rc=0
    bash -c "$command_line" </dev/null >"$dir/out" 2>"$dir/err" || rc=$?
    printf 'docker-overlay-part %s %s %s %s\n' "$i" "$rc" "$(wc -c <"$dir/out")" "$(wc -c <"$dir/err")"
    cat "$dir/out" "$dir/err"
    i=$((i + 1))
done
