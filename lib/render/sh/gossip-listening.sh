#!/bin/sh
# shellcheck disable=SC2154 # a fragment: GOSSIP_LISTEN_RE comes from the rendered header (lib/engine/gossip.ts)
# gossip_listening [PREFIX...]: true once `PREFIX cat /proc/net/tcp` shows a
# socket listening on TCP 7946 (a line matching GOSSIP_LISTEN_RE). PREFIX is
# nothing for the machine the script runs on, `nsenter --net=...` for a
# network namespace, `docker-machine ssh NAME` for a VM; PROC_NET_TCP, when
# set, names another file (the ssh scripts' tests run under a scratch root).
# 7946 is serf's port, the gossip through which classic (cluster-store)
# overlays learn each other's peers; libnetwork starts serf once the engine
# has registered in the KV store and seen itself there (lib/engine/gossip.ts).
# grep without -q reads all its input, so cat never dies of SIGPIPE (which
# bash's pipefail would count as a failure).
gossip_listening() {
    "$@" cat "${PROC_NET_TCP:-/proc/net/tcp}" | grep -E "$GOSSIP_LISTEN_RE" >/dev/null
}
