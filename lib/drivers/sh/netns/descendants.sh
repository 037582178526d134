#!/usr/bin/env bash
# descendants PID...: every process below the given ones, space-separated.
descendants() {
    local p c
    for p in "$@"; do
        for c in $(pgrep -P "$p" 2>/dev/null || true); do printf '%s ' "$c"; descendants "$c"; done
    done
}
