#!/bin/sh
# shellcheck disable=SC2154 # a fragment: DAEMON_JSON, BACKUP, NONE_MARKER, BASE_MARKER, HOSTNAME_BACKUP, TLS_DIR, DROP_IN and DAEMON_JSON_SHOWN come from the rendered header
# shellcheck disable=SC2086 # $SUDO is empty or `sudo -n`: split on purpose
changed=no
if [ -e "$BACKUP" ]; then
    $SUDO mv -f "$BACKUP" "$DAEMON_JSON"
    changed=yes
elif [ -e "$NONE_MARKER" ]; then
    $SUDO rm -f "$DAEMON_JSON" "$NONE_MARKER"
    changed=yes
else
    echo "docker-overlay: no saved daemon.json on this machine; leaving $DAEMON_JSON_SHOWN as it is" >&2
fi
$SUDO rm -f "$BASE_MARKER"
if [ -e "$DROP_IN" ] || [ -e "$TLS_DIR" ]; then
    $SUDO rm -rf "$DROP_IN" "$TLS_DIR"
    if command -v systemctl >/dev/null 2>&1; then $SUDO systemctl daemon-reload || true; fi
    changed=yes
fi
if [ -e "$HOSTNAME_BACKUP" ]; then
    set_hostname "$($SUDO cat "$HOSTNAME_BACKUP")"
    $SUDO rm -f "$HOSTNAME_BACKUP"
    changed=yes
fi
if [ "$changed" = yes ]; then
    restart_engine
    wait_engine
fi
