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
# address_on DEST PORT HOSTKEY IFACE: the first IPv4 address of IFACE on DEST (what its engine advertises);
# else one line on stderr saying why not: a host key other than the pinned one (and the one it presented),
# no such interface there (and those it has), or what ssh said last.
address_on() {
    local out rc err=$SSH_DIR/address-err
    # shellcheck disable=SC2016 # the remote shell's $1 and $(...)
    out=$(ssh_to "$1" "$2" "$3" "set -- $(printf '%q' "$4"); "'ip -4 -o addr show dev "$1" 2>/dev/null || { echo "it has no interface $1 (it has: $(ls /sys/class/net | tr "\n" " " | sed "s/ $//"))" >&2; exit 3; }' 2>"$err")
    rc=$?
    if [ "$rc" != 0 ]; then
        if [ "$rc" = 255 ] && grep -q '^Host key verification failed' "$err"; then
            # OpenSSH names the key it was sent: "The fingerprint for the ED25519 key sent by the remote host is", then "SHA256:....".
            local kind fp
            kind=$(sed -n 's/^The fingerprint for the \(.*\) key sent by the remote host is$/\1 key /p' "$err")
            fp=$(grep -o -m1 '^SHA256:[A-Za-z0-9+/]*' "$err" || true)
            [ -n "$fp" ] && fp="the $kind$fp" || fp="another host key"
            echo "it presented $fp, not the pinned hosts[].ssh.hostKey: refusing to log in" >&2
        else
            tail -n 1 "$err" >&2
        fi
        return 1
    fi
    out=$(awk '{ split($4, a, "/"); print a[1]; exit }' <<<"$out")
    [ -n "$out" ] && printf '%s\n' "$out"
}
