#!/bin/bash
# runc for the dind lab's laptop engine (installed as
# /opt/docker-overlay/laptop/bin/runc-bounded by scripts/lab-dind-deps.sh; the
# laptop's dockerd runs with --default-runtime set to it, see tools/laptop.ts).
#
# Why: this machine's capability bounding set lacks some capabilities the
# kernel knows (here CAP_SYS_RESOURCE). Docker 20.10 gives a privileged
# container, and every exec in it, all capabilities the kernel knows, and runc
# then fails with "unable to apply caps: operation not permitted" (moby/moby#42906;
# engines from 23.0 grant only what the daemon holds, moby/moby#42933). On an
# ordinary machine nothing is missing and this wrapper changes nothing.
#
# What: before `runc create|run` (the bundle's config.json) and `runc exec`
# (the --process file), removes from every capability set the capabilities
# missing from this process's bounding set, then execs runc with the same
# arguments. Other commands pass through untouched.
set -euo pipefail
RUNC=/usr/sbin/runc

# Capability names by number (linux/capability.h; a stable ABI).
NAMES=(CHOWN DAC_OVERRIDE DAC_READ_SEARCH FOWNER FSETID KILL SETGID SETUID SETPCAP LINUX_IMMUTABLE
    NET_BIND_SERVICE NET_BROADCAST NET_ADMIN NET_RAW IPC_LOCK IPC_OWNER SYS_MODULE SYS_RAWIO SYS_CHROOT
    SYS_PTRACE SYS_PACCT SYS_ADMIN SYS_BOOT SYS_NICE SYS_RESOURCE SYS_TIME SYS_TTY_CONFIG MKNOD LEASE
    AUDIT_WRITE AUDIT_CONTROL SETFCAP MAC_OVERRIDE MAC_ADMIN SYSLOG WAKE_ALARM BLOCK_SUSPEND AUDIT_READ
    PERFMON BPF CHECKPOINT_RESTORE)

bounding=$(sed -n 's/^CapBnd:[[:space:]]*//p' /proc/self/status)
drop=()
for i in "${!NAMES[@]}"; do
    if (( ((16#$bounding) >> i & 1) == 0 )); then
        drop+=("\"CAP_${NAMES[$i]}\"")
    fi
done

if [ "${#drop[@]}" -gt 0 ]; then
    bundle='' process='' prev=''
    for a in "$@"; do
        case "$prev" in --bundle|-b) bundle=$a ;; --process|-p) process=$a ;; esac
        case "$a" in --bundle=*) bundle=${a#--bundle=} ;; --process=*) process=${a#--process=} ;; esac
        prev=$a
    done
    list=$(IFS=,; echo "[${drop[*]}]")
    # strip FILE JQ_PATH: remove the dropped capabilities from each set under JQ_PATH.
    strip() {
        local tmp="$1.bounded.$$"
        jq --argjson drop "$list" "$2 |= (if . == null then . else with_entries(.value |= ((. // []) - \$drop)) end)" "$1" >"$tmp"
        mv "$tmp" "$1"
    }
    if [ -n "$bundle" ] && [ -f "$bundle/config.json" ]; then
        strip "$bundle/config.json" .process.capabilities
    fi
    if [ -n "$process" ] && [ -f "$process" ]; then
        strip "$process" .capabilities
    fi
fi
exec "$RUNC" "$@"
