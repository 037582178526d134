#!/bin/sh
# shellcheck disable=SC2154,SC2034 # a fragment (tmp and renamed are used by install-finish.sh): NAME, ETC_DOCKER, DAEMON_JSON, BACKUP, NONE_MARKER, HOSTNAME_BACKUP, TLS_LISTEN, TLS_DIR, DROP_IN and DROP_IN_DIR come from the rendered header; tls_input from install-check.sh
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
    # shellcheck disable=SC2016 # $1 belongs to the inner sh
    printf '%s\n' "$tls_input" | $SUDO sh -c 'umask 077; awk -v dir="$1" '"'"'/-----BEGIN /{ n++ } { f = n == 1 ? "ca.pem" : n == 2 ? "cert.pem" : "key.pem"; print > (dir "/" f) }'"'"'' write-tls "$TLS_DIR"
    unset tls_input
    exec_start=$($SUDO systemctl show -p ExecStart --value docker | sed -n 's/.*argv\[\]=\([^;]*\) ;.*/\1/p' | head -n 1)
    [ -n "$exec_start" ] || { echo 'docker-overlay: cannot read the docker unit'"'"'s ExecStart (systemctl show docker)' >&2; exit 1; }
    exec_start=$(printf '%s\n' "$exec_start" | sed -e 's#\(^\| \)\(-H\|--host\)[ =]fd://\( \|$\)# #g' -e 's/  */ /g' -e 's/^ //' -e 's/ $//')
    $SUDO mkdir -p "$DROP_IN_DIR"
    printf '# docker-overlay: dockerd takes its listeners (%s) from daemon.json\n[Service]\nExecStart=\nExecStart=%s\n' "$TLS_LISTEN" "$exec_start" | $SUDO tee "$DROP_IN" >/dev/null
    $SUDO systemctl daemon-reload
fi

# 4. Write the new daemon.json atomically: a rename in the same directory, never a half-written file.
tmp=$($SUDO mktemp "$ETC_DOCKER/.daemon.json.XXXXXX")
