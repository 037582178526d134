#!/bin/sh
# shellcheck disable=SC2154 # a fragment: NAME, ADVERTISE_INTERFACE, CLUSTER_ADVERTISE, SYS_CLASS_NET, TLS_LISTEN and SYSTEMD_RUN come from the rendered header
if [ -n "$ADVERTISE_INTERFACE" ] && [ ! -e "$SYS_CLASS_NET/$ADVERTISE_INTERFACE" ]; then
    interfaces=""
    for i in "$SYS_CLASS_NET"/*; do [ -e "$i" ] && interfaces="$interfaces${i##*/} "; done
    echo "docker-overlay: $NAME has no interface $ADVERTISE_INTERFACE (engine.advertiseInterface, cluster-advertise=$CLUSTER_ADVERTISE); it has: $interfaces" >&2
    exit 1
fi
if [ -n "$TLS_LISTEN" ]; then
    # TLS needs systemd (for the drop-in) and the material on stdin: checked before anything changes.
    if ! command -v systemctl >/dev/null 2>&1 || [ ! -d "$SYSTEMD_RUN" ]; then
        echo "docker-overlay: $NAME does not run systemd; engine.tls on ssh hosts adds a systemd drop-in so dockerd takes its TLS listener from daemon.json. Set engine.tls: false (the program then reaches the engine over ssh://)" >&2
        exit 1
    fi
    # The CA, the engine's certificate and its key arrive on stdin, never in this text.
    tls_input=$(cat)
    case "$(printf '%s\n' "$tls_input" | grep -c -- '-----BEGIN ')" in
        3) ;;
        *) echo "docker-overlay: $NAME: expected the CA, certificate and key (three PEM blocks) on stdin" >&2; exit 1 ;;
    esac
fi
