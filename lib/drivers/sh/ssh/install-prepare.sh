#!/bin/sh
# shellcheck disable=SC2154,SC2034 # a fragment (tmp, renamed and tls_kept are used by install-finish.sh): NAME, ETC_DOCKER, DAEMON_JSON, BACKUP, NONE_MARKER, HOSTNAME_BACKUP, TLS_LISTEN, TLS_DIR, DROP_IN and DROP_IN_DIR come from the rendered header; tls_input from install-check.sh
# shellcheck disable=SC2086 # $SUDO is empty or `sudo -n`: split on purpose

# 2. Keep the user's daemon.json once, so destroy can put it back (or remove ours if there was none).
$SUDO mkdir -p "$ETC_DOCKER"
if [ ! -e "$BACKUP" ] && [ ! -e "$NONE_MARKER" ]; then
    if [ -e "$DAEMON_JSON" ]; then
        $SUDO cp -p "$DAEMON_JSON" "$BACKUP"
    else
        $SUDO touch "$NONE_MARKER"
    fi
fi

# 3. A unique hostname per engine: the KV store tells cluster-store engines apart
#    by hostname (and swarm names its nodes after it), and machines cloned from
#    one image often share it; two engines with one name overwrite each other's
#    entry and overlay peers go missing.
renamed=''
tls_kept=''
if [ "$(hostname)" != "$NAME" ]; then
    [ -e "$HOSTNAME_BACKUP" ] || hostname | $SUDO tee "$HOSTNAME_BACKUP" >/dev/null
    set_hostname "$NAME"
    renamed=1
fi

if [ -n "$TLS_LISTEN" ]; then
    # TLS: the engine's files (key readable by root only), then a systemd drop-in:
    # with `hosts` in daemon.json, dockerd must not also get -H from its unit.
    $SUDO mkdir -p "$TLS_DIR"
    $SUDO chmod 0700 "$TLS_DIR"
    # Written beside the old files first: the material the engine already runs with is kept
    # (tls_kept below) when the new is the same, and a reload may then do instead of a restart.
    tls_new=$($SUDO mktemp -d "$TLS_DIR/.new.XXXXXX")
    # shellcheck disable=SC2016 # $1 belongs to the inner sh
    printf '%s\n' "$tls_input" | $SUDO sh -c 'umask 077; awk -v dir="$1" '"'"'/-----BEGIN /{ n++ } { f = n == 1 ? "ca.pem" : n == 2 ? "cert.pem" : "key.pem"; print > (dir "/" f) }'"'"'' write-tls "$tls_new"
    unset tls_input
    tls_same=1
    for f in ca.pem cert.pem key.pem; do
        [ "$($SUDO cat "$tls_new/$f")" = "$($SUDO cat "$TLS_DIR/$f" 2>/dev/null)" ] || tls_same=''
        $SUDO mv -f "$tls_new/$f" "$TLS_DIR/$f"
    done
    $SUDO rmdir "$tls_new"
    exec_start=$($SUDO systemctl show -p ExecStart --value docker | sed -n 's/.*argv\[\]=\([^;]*\) ;.*/\1/p' | head -n 1)
    [ -n "$exec_start" ] || { echo 'docker-overlay: cannot read the docker unit'"'"'s ExecStart (systemctl show docker)' >&2; exit 1; }
    exec_start=$(printf '%s\n' "$exec_start" | sed -e 's#\(^\| \)\(-H\|--host\)[ =]fd://\( \|$\)# #g' -e 's/  */ /g' -e 's/^ //' -e 's/ $//')
    drop_in_text=$(printf '# docker-overlay: dockerd takes its listeners (%s) from daemon.json\n[Service]\nExecStart=\nExecStart=%s\n' "$TLS_LISTEN" "$exec_start")
    if [ "$($SUDO cat "$DROP_IN" 2>/dev/null)" = "$drop_in_text" ]; then
        [ -z "$tls_same" ] || tls_kept=1
    else
        $SUDO mkdir -p "$DROP_IN_DIR"
        printf '%s\n' "$drop_in_text" | $SUDO tee "$DROP_IN" >/dev/null
        $SUDO systemctl daemon-reload
    fi
fi

# 4. Write the new daemon.json atomically: a rename in the same directory, never a half-written file.
tmp=$($SUDO mktemp "$ETC_DOCKER/.daemon.json.XXXXXX")
