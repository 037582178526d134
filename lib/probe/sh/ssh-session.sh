#!/usr/bin/env bash
# shellcheck disable=SC2154 # a fragment: PROBE_SH and the ssh endpoints come from the rendered header (lib/probe/ssh.ts)
# ssh sessions from the machine running the program to the stack's ssh hosts,
# for the underlay probe (lib/probe/sh/probe-ssh.sh). The private key
# comes in the environment (DOCKER_OVERLAY_SSH_KEY, a secret), never in this
# text; it is written to a directory only root can read, removed on exit. A
# pinned host key (hosts[].ssh.hostKey) is the only key accepted for its
# host, as the command provider does; without one any key is accepted, as the
# command provider does too. One master connection per host (ControlMaster),
# closed on exit: the probe reads counters over many short sessions.
[ -n "${DOCKER_OVERLAY_SSH_KEY:-}" ] || { echo "docker-overlay: DOCKER_OVERLAY_SSH_KEY is not set: the ssh driver's private key is missing" >&2; exit 1; }
SSH_DIR=$(mktemp -d)
chmod 0700 "$SSH_DIR"
(umask 077 && printf '%s\n' "$DOCKER_OVERLAY_SSH_KEY" >"$SSH_DIR/key")
ssh_close() {
    local sock
    for sock in "$SSH_DIR"/cm-*; do
        [ -S "$sock" ] && ssh -o ControlPath="$sock" -O exit x >/dev/null 2>&1
    done
    rm -rf "$SSH_DIR"
}
trap ssh_close EXIT
# ssh_to DEST PORT HOSTKEY ARG...: ARG... run on DEST (user@host) as the login user.
ssh_to() {
    local dest=$1 port=$2 key=$3 known
    shift 3
    local -a check=(-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null)
    if [ -n "$key" ]; then
        known="$SSH_DIR/known-$(printf '%s' "$dest:$port" | md5sum | cut -c1-12)"
        if [ "$port" = 22 ]; then
            printf '%s %s\n' "${dest#*@}" "$key" >"$known"
        else
            printf '[%s]:%s %s\n' "${dest#*@}" "$port" "$key" >"$known"
        fi
        check=(-o StrictHostKeyChecking=yes -o UserKnownHostsFile="$known")
    fi
    ssh -i "$SSH_DIR/key" -p "$port" "${check[@]}" -o BatchMode=yes -o IdentitiesOnly=yes -o ConnectTimeout=10 -o LogLevel=ERROR \
        -o ControlMaster=auto -o ControlPath="$SSH_DIR/cm-%C" -o ControlPersist=yes -- "$dest" "$@"
}
# probe_on DEST PORT HOSTKEY ARG...: the counting-rule script (PROBE_SH) with ARG... on DEST, as root (sudo -n otherwise).
probe_on() {
    local dest=$1 port=$2 key=$3 args
    shift 3
    args=$(printf '%q ' "$@")
    # shellcheck disable=SC2016 # $(id -u) is the remote shell's
    ssh_to "$dest" "$port" "$key" 'if [ "$(id -u)" = 0 ]; then bash -s -- '"$args"'; else sudo -n bash -s -- '"$args"'; fi' <<<"$PROBE_SH"
}
# address_on DEST PORT HOSTKEY IFACE: the first IPv4 address of IFACE on DEST (what its engine advertises).
address_on() {
    local out
    out=$(ssh_to "$1" "$2" "$3" ip -4 -o addr show dev "$4") || return 1
    out=$(awk '{ split($4, a, "/"); print a[1]; exit }' <<<"$out")
    [ -n "$out" ] && printf '%s\n' "$out"
}
