/**
 * Engine threads stranded in a deleted network namespace: a known bug of the
 * engines the cluster-store mode runs on (dockerd 20.10), which the lab can
 * name but not mend.
 *
 * libnetwork's overlay driver (20.10 branch, 3797618f,
 * drivers/overlay/ov_network.go:791-816, `watchMiss`) locks its goroutine's
 * thread, enters the overlay's sandbox namespace and reads neighbour misses
 * there. When the sandbox is destroyed (the network deleted or replaced, or
 * the last container on the host leaving it, a failed start included), the
 * goroutine returns and `defer runtime.UnlockOSThread()` hands the thread back
 * to the Go scheduler while it is still in that namespace, which has no route
 * any more. Any goroutine may then run on it: a cluster-store call dialled
 * from it fails with `connect: network is unreachable` (seen in CI: a
 * container start, `failed to update store for object type
 * *libnetwork.endpointCnt ... network is unreachable`). The store watch that
 * feeds a network's remote names to the embedded DNS fares worse: libkv's
 * consul `Watch` ends on any failed read (docker/libkv dfacc56,
 * store/consul/consul.go:299-302) and libnetwork then waits for the store to
 * be seen coming back (datastore/datastore.go:332-356), which it never left;
 * so a host can stay unable to resolve the other hosts' containers on that
 * network while their addresses answer (seen in CI: t-day2's changed subnet,
 * `name:false` from one host only). Reported as moby/libnetwork#1113;
 * fixed in Docker 23 (moby/moby#44356, which restores or retires such
 * threads), the release that also removed the cluster store. Only a restart
 * of the engine clears it.
 *
 * Swarm mode runs the same overlay driver; its gossip and raft connections are
 * long-lived, so it dials far less, but the same thread can be left.
 */
import * as fs from "fs";
import * as path from "path";
import { netnsEngineRunPaths, netnsPath } from "../lib/drivers/netns";

/** A thread of a process and its network namespace (`<dev>:<ino>` of its ns/net link). */
export interface ThreadNamespace {
    tid: number;
    ns: string;
}

/**
 * The threads that sit in neither the engine's own namespace nor a namespace
 * its exec-root still holds (every live sandbox, container or overlay, is
 * bind-mounted under `<exec-root>/netns`). Pure.
 */
export function strandedThreads(threads: readonly ThreadNamespace[], own: string, live: ReadonlySet<string>): number[] {
    return threads.filter((t) => t.ns !== own && !live.has(t.ns)).map((t) => t.tid);
}

/** A stranded-thread count as one line for a host: empty when none. */
export function strandedLine(host: string, tids: readonly number[]): string {
    if (tids.length === 0) {
        return "";
    }
    const n = tids.length;
    return (
        `${host}: ${n} engine thread${n === 1 ? "" : "s"} (${tids.join(", ")}) in a deleted network namespace ` +
        `(dockerd 20.10's overlay driver, moby/libnetwork#1113): store calls run on ${n === 1 ? "it" : "them"} fail with ` +
        "`network is unreachable`; restart the engine to clear it"
    );
}

function nsOf(link: string): string | undefined {
    try {
        const st = fs.statSync(link);
        return `${st.dev}:${st.ino}`;
    } catch {
        return undefined; // a thread that just ended, a sandbox being removed
    }
}

/**
 * The stranded threads of a netns engine machine (its pidfile, its named
 * namespace, its exec-root's sandboxes), or undefined when its engine does not
 * run. Reads /proc: root on the machine that runs the namespaces.
 */
export function netnsStrandedThreads(p: { stack: string; runDir: string; name: string }): number[] | undefined {
    const { pidFile, execRoot } = netnsEngineRunPaths(p);
    let pid: number;
    try {
        pid = Number(fs.readFileSync(pidFile, "utf8").trim());
    } catch {
        return undefined;
    }
    const own = nsOf(netnsPath(p));
    const tasks = `/proc/${pid}/task`;
    if (!Number.isInteger(pid) || pid <= 1 || own === undefined || !fs.existsSync(tasks)) {
        return undefined;
    }
    const sandboxes = path.join(execRoot, "netns");
    const live = new Set(
        (fs.existsSync(sandboxes) ? fs.readdirSync(sandboxes) : []).map((f) => nsOf(path.join(sandboxes, f))).filter((x): x is string => x !== undefined),
    );
    const threads: ThreadNamespace[] = [];
    for (const t of fs.readdirSync(tasks)) {
        const ns = nsOf(`${tasks}/${t}/ns/net`);
        if (ns !== undefined) {
            threads.push({ tid: Number(t), ns });
        }
    }
    return strandedThreads(threads, own, live);
}
