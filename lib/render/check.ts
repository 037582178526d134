/**
 * The connectivity check as a bash script: every ordered pair of containers,
 * as `connectivityPairs` (lib/check/pairs.ts) lists them, pings from one
 * container to the other with `docker exec`, by IP and by name where they
 * share a network, and expects silence where they share none. Prints one JSON
 * document on stdout and exits 1 if any pair fails, so `pulumi up` fails when
 * the overlay does not work.
 *
 * The script's text grows with the containers, not with the pairs: it carries
 * a table of containers (name, docker host, networks) and walks the pairs
 * itself when it runs, in connectivityPairs' order. Rendering every pair
 * (n*(n-1) of them) made a plan of 3,000 containers hold a script of gigabytes
 * (bench/RESULTS.md). When it runs it also does far fewer docker calls than
 * one per probe: one `inspect` per container for its addresses, then one
 * `exec` per container that pings all of its targets in parallel, with a few
 * containers at a time; a probe that must fail (isolated pairs) waits its
 * 2 s timeout alongside the others instead of one after another.
 * The containers' images need `sh` and `ping` (busybox has both), and for the
 * full-size probe `ip` and `sed` (busybox has them; without them the probe is
 * skipped and reported as null).
 *
 * Full size: every pair that must reach also sends one packet exactly the
 * size of the sender's interface MTU (the overlay's), do-not-fragment, and
 * fails naming the network's MTU when only small packets cross: the overlay's
 * MTU is more than the underlay carries (lib/render/sh/check-run.sh says how
 * busybox's ping gets do-not-fragment).
 *
 * Swarm mode: before any pair, every manager is asked at once, for at most
 * CHECK_MANAGER_SECONDS, whether its engine is up and, with a majority up,
 * whether it is still a manager (lib/render/sh/check-quorum.sh). Fewer than a
 * majority answering: the swarm has lost its quorum, and the check fails at once with one line naming the
 * managers that do not answer and the majority it needs (`error`), pinging
 * nothing. A majority answering but not every manager: the pairs are checked
 * and the result carries a warning naming the silent ones.
 */
import { CheckContainer } from "../check/pairs";
import * as path from "path";
import { assign, assignArray, scriptFragment } from "./script";
import { shQuote } from "./shell";
import { DockerCliAccess, renderDockerCliPrelude } from "./dockerCli";

/** The script is bash (arrays of results, `pipefail`); the command provider's default is /bin/sh. */
export const CHECK_SCRIPT_INTERPRETER: readonly string[] = ["/bin/bash", "-c"];

export interface CheckTarget {
    /** Docker endpoint of the host the container runs on. */
    dockerHost: string;
}

/** A swarm manager the check asks before the pairs (swarm mode). */
export interface CheckManager {
    name: string;
    /** Docker endpoint of the manager's engine. */
    dockerHost: string;
}

export interface CheckResult {
    pairs: {
        from: string;
        to: string;
        expect: "reach" | "isolated";
        network: string;
        ip: string;
        byIp: boolean;
        byName: boolean;
        /** Pairs that must reach: the MTU of the sender's interface towards the other (null: unreadable, no `ip` in the image). */
        mtu?: number | null;
        /** Pairs that must reach: whether one packet of exactly `mtu` bytes, do-not-fragment, got an answer (null: not probed). */
        fullSize?: boolean | null;
        ok: boolean;
        /** Why a pair failed, in words (absent when it passed). */
        reason?: string;
    }[];
    passed: number;
    failed: number;
    /** Swarm mode: which managers answered, and whether they are a majority (the raft quorum). */
    swarm?: {
        managers: number;
        answering: string[];
        notAnswering: string[];
        majority: number;
        /** A majority answers and one of them reaches the swarm's leader. */
        quorum: boolean;
        /** Managers whose engine answers but that reach no leader (`docker node ls`): cut off. Only when some are. */
        noLeader?: string[];
    };
    /** Why the check tested no pair (the swarm lost its quorum, or no manager reaches a leader); the check failed. */
    error?: string;
    /** What is wrong but does not fail the check (a manager that does not answer while the quorum holds). */
    warnings?: string[];
}

/** The check's shell: lib/render/sh/check-begin.sh and check-run.sh, around the table of containers. */
const SH = path.join(__dirname, "sh");

/** docker calls (inspects, execs) the check runs at a time. */
export const CHECK_PARALLEL_DOCKER_CALLS = 8;
/** Pings one container runs at a time. */
export const CHECK_PARALLEL_PINGS = 32;
/**
 * How long the check keeps probing pairs that must reach and have not answered
 * yet: a cluster-store overlay learns its peers through serf gossip and the KV
 * store, which took seconds in CI on a busy 2-core machine (a lab `up` whose
 * first probes all went unanswered). Pairs that answer end the wait at once.
 */
export const CHECK_CONVERGE_SECONDS = 30;
/**
 * The same window in swarm mode. A swarm node learns another's endpoint on an overlay
 * through networkdb's gossip, and a node that misses it (both hosts leaving and joining
 * the overlay's gossip at once: two containers swapping hosts) gets it only from the
 * periodic bulk sync, every memberlist push-pull interval, 30 s (libnetwork 3797618f
 * `networkdb/cluster.go:172`, memberlist `config.go:240`). Measured in the lab over 60
 * swaps of two containers' hosts: the check passed after 0.2-7.7 s, once after 47.6 s.
 */
export const CHECK_CONVERGE_SECONDS_SWARM = 60;
/**
 * How long the check waits for each manager's `docker version` and `docker info`
 * (all managers asked at once): a stopped engine behind tcp:// may drop packets
 * instead of refusing. Whether a manager answers is its engine's `version`: `info`
 * waits for the raft on a manager that just lost its quorum (over 10 s in the lab,
 * Docker 20.10), so it only tells, with a majority up, who is no manager any more.
 * DOCKER_OVERLAY_CHECK_MANAGER_SECONDS overrides it.
 */
export const CHECK_MANAGER_SECONDS = 10;

/** Code-point order, as connectivityPairs sorts. */
function compare(a: string, b: string): number {
    return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The check as a bash script. `access.cli` is the docker CLI it runs; for
 * `tcp://` hosts the client's TLS material comes in the environment
 * (lib/render/dockerCli.ts), never in the script's text. `managers`: the swarm's
 * managers, asked before the pairs (cluster-store mode: none, nothing asked).
 */
export function renderCheckScript(
    containers: readonly CheckContainer[],
    targets: Record<string, CheckTarget>,
    access: DockerCliAccess = { cli: "docker" },
    managers: readonly CheckManager[] = [],
): string {
    const sorted = [...containers].sort((a, b) => compare(a.name, b.name));
    const table = sorted.map((c) => {
        const target = targets[c.name];
        if (target === undefined) {
            throw new Error(`renderCheckScript: no docker host for container ${c.name}`);
        }
        return `c ${shQuote(c.name)} ${shQuote(target.dockerHost)} ${shQuote([...c.networks].sort(compare).join(" "))}`;
    });
    return [
        "#!/usr/bin/env bash",
        "# Connectivity check rendered by docker-overlay (lib/render/check.ts).",
        // No `set -e`: a failed probe is a result, not the end of the check.
        "set -uo pipefail",
        ...renderDockerCliPrelude(access),
        assign("PARALLEL_CALLS", CHECK_PARALLEL_DOCKER_CALLS),
        assign("PARALLEL_PINGS", CHECK_PARALLEL_PINGS),
        assign("CONVERGE_SECONDS", managers.length > 0 ? CHECK_CONVERGE_SECONDS_SWARM : CHECK_CONVERGE_SECONDS),
        scriptFragment(SH, "check-begin.sh"),
        ...table,
        ...(managers.length > 0
            ? [
                  assign("QUORUM_SECONDS", CHECK_MANAGER_SECONDS),
                  assignArray(
                      "MANAGER_NAMES",
                      managers.map((m) => m.name),
                  ),
                  assignArray(
                      "MANAGER_HOSTS",
                      managers.map((m) => m.dockerHost),
                  ),
                  scriptFragment(SH, "check-quorum.sh"),
              ]
            : []),
        scriptFragment(SH, "check-run.sh"),
        "",
    ].join("\n");
}

/** Parses the script's stdout; undefined while it has not run (preview, plan). */
export function parseCheckResult(stdout: string | undefined): CheckResult | undefined {
    if (stdout === undefined || stdout.trim() === "") {
        return undefined;
    }
    return JSON.parse(stdout) as CheckResult;
}
