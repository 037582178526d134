#!/bin/sh
# shellcheck disable=SC2154 # a fragment: WAIT_SECONDS, DOCKER_LOG, SYSTEMD_RUN and ETC_HOSTNAME come from the rendered header
# shellcheck disable=SC2086 # $SUDO is empty or `sudo -n`: split on purpose
# SUDO is empty for root, `sudo -n` otherwise (never prompts: a prompt would hang the command).
if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo -n"; fi
# The server's version when it answers, else the installed dockerd's (a stopped engine, e.g. after a bad config).
engine_version_now() {
    v=$($SUDO docker version --format '{{.Server.Version}}' 2>/dev/null) || v=""
    if [ -z "$v" ]; then
        v=$($SUDO dockerd --version 2>/dev/null | sed -n 's/^Docker version \([0-9][0-9.]*\).*/\1/p') || v=""
    fi
    printf '%s' "$v" | tr -d '[:space:]'
}
engine_logs() {
    if command -v journalctl >/dev/null 2>&1; then
        $SUDO journalctl -u docker -n 50 --no-pager >&2 || true
    elif [ -r "$DOCKER_LOG" ]; then
        $SUDO tail -n 50 "$DOCKER_LOG" >&2 || true
    fi
}
restart_engine() {
    if command -v systemctl >/dev/null 2>&1 && [ -d "$SYSTEMD_RUN" ]; then
        # Clear a start-limit left by earlier restarts (install and restore back to back on a replace).
        $SUDO systemctl reset-failed docker >/dev/null 2>&1 || true
        $SUDO systemctl restart docker || { echo 'docker-overlay: systemctl restart docker failed' >&2; engine_logs; exit 1; }
    else
        $SUDO service docker restart || { echo 'docker-overlay: service docker restart failed' >&2; engine_logs; exit 1; }
    fi
}
engine_answers() { $SUDO docker info >/dev/null 2>&1; }
wait_engine() {
    if ! wait_until "$WAIT_SECONDS" 1 engine_answers; then
        echo "docker-overlay: the Docker engine on $(hostname) did not answer within ${WAIT_SECONDS}s of its restart; its last log lines:" >&2
        engine_logs
        exit 1
    fi
}
set_hostname() {
    if command -v hostnamectl >/dev/null 2>&1 && [ -d "$SYSTEMD_RUN" ]; then
        $SUDO hostnamectl set-hostname "$1"
    else
        $SUDO hostname "$1"
        printf '%s\n' "$1" | $SUDO tee "$ETC_HOSTNAME" >/dev/null
    fi
}
