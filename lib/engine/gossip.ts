/**
 * Classic (cluster-store) overlays learn each other's peers through serf
 * gossip on TCP/UDP 7946, and libnetwork joins that gossip in a way that can
 * leave an engine alone for good when engines start at the same moment.
 * Read in moby/libnetwork's 20.10 branch (3797618f, the code bookworm's
 * docker.io 20.10.24 carries):
 *
 *  - hostdiscovery/hostdiscovery.go:75-104: the engines registered under
 *    `docker/nodes` in the KV store are a set; each change of it calls the
 *    join callback with only the *added* nodes, in the set's (random) order.
 *  - drivers/overlay/overlay.go:241-294 (nodeJoin): the engine starts serf when
 *    it sees itself in that list; for every other node it remembers it as
 *    `neighIP` (the last one wins) and joins it once (`joinOnce`). A refused join
 *    (`dial tcp <ip>:7946: connect: connection refused`: that engine's serf is
 *    not up yet) only resets `joinOnce`: the next try waits for the next *new*
 *    node. Nothing retries on a timer (ov_serf.go:72-81 is a single Join).
 *
 * So with three engines starting together, A can try C before C listens, C try
 * B before B listens, and B join A: C stays alone, every container on C is
 * unreachable from the others (by IP and by name) until an engine restarts or
 * a node is added. The lab met exactly this, a few times per full CI run
 * (each `joining serf neighbor ... failed: ... connection refused` in the
 * engine's log), whichever driver made the machines.
 *
 * The program therefore starts cluster-store engines one after another
 * (lib/engine/startOrder.ts), and
 * an engine counts as started only once its gossip listens
 * (lib/render/sh/gossip-listening.sh): when an engine starts, every engine
 * before it is registered and listening, so whichever neighbour it picks
 * answers and its one join succeeds; engines after it join the same gossip.
 * A host added on a later `up` starts after all of them, which holds as well.
 * Swarm mode is not affected: its gossip (networkdb) is joined through the
 * swarm's managers, which the swarm component already orders.
 */

import * as path from "path";
import { bashFileArgv } from "../render/shell";

/** The script that prints an engine's serf lines on a host (sh/serf-log.sh): `bash -c <text> serf-log [<log file>]`. */
export const SERF_LOG_SCRIPT = path.join(__dirname, "sh", "serf-log.sh");

/** Its exit code when neither the docker unit's journal nor the log file can be read. */
export const NO_ENGINE_LOG_EXIT = 3;

/** The argv that runs it where a command line is all there is (over ssh). */
export function serfLogArgv(logFile?: string): string[] {
    return bashFileArgv(SERF_LOG_SCRIPT, logFile !== undefined ? [logFile] : []);
}

/** Serf's port (memberlist's default, which libnetwork's serfInit keeps). */
export const GOSSIP_PORT = 7946;

/**
 * An extended regular expression matching a line of /proc/net/tcp for a socket
 * listening on GOSSIP_PORT: local port in hex, remote 0, state 0A (LISTEN).
 */
export const GOSSIP_LISTEN_PATTERN = `^ *[0-9]+: [0-9A-F]+:${GOSSIP_PORT.toString(16).toUpperCase().padStart(4, "0")} [0-9A-F]+:0000 0A `;
