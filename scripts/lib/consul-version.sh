# shellcheck shell=bash
# Sourced by scripts/lab-deps.sh and scripts/lab-dind-deps.sh.

# consul_version CONSUL: what `CONSUL version` prints, with its exit status. Debian's consul
# 1.8.7 makes an empty /tmp/consul-test at every start, `version` too (it links consul's
# sdk/testutil, whose init makes it): removed again unless it was there before.
consul_version() {
    local had=0 rc=0
    [ -e /tmp/consul-test ] && had=1
    "$1" version || rc=$?
    [ "$had" = 1 ] || rmdir /tmp/consul-test 2>/dev/null || true
    return "$rc"
}
