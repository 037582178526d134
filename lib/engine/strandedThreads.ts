/**
 * Engine threads stranded in a deleted network namespace: a known bug of the
 * engines the cluster-store mode runs on (dockerd 20.10), which the project can
 * name but not mend. `lab diagnose` (netns) and `npm run diagnose` (ssh) run
 * sh/stranded-threads.sh on each host and warn; the lab tests add it to every
 * failed step.
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
 * store/consul/consul.go:299-302) and libnetwork's watch then waits until the
 * engine's discovery next restarts it (datastore/datastore.go:332-364,
 * controller.go:603-608); so a host can stay unable to resolve the other
 * hosts' containers on that network while their addresses answer (the likely cause of a CI run's t-day2
 * failure: after its subnet changed, one host resolved no name of the others
 * while every address answered). Reported as moby/libnetwork#1113;
 * fixed in Docker 23 (moby/moby#44356, which restores or retires such
 * threads), the release that also removed the cluster store. Only a restart
 * of the engine clears it.
 *
 * Swarm mode is spared: its overlays start no `watchMiss` (ov_network.go:763-767).
 */
import * as path from "path";
import { bashFileArgv } from "../render/shell";

/**
 * What the netns driver runs its cluster-store engines with so that the bug
 * above cannot strand a thread: the overlay driver's host mode
 * (ov_network.go:459-465 reads `_OVERLAY_HOST_MODE`; made for kernels that
 * cannot move a VXLAN device into a namespace). An overlay's bridge and VXLAN
 * device then live in the engine's own namespace (its sandbox is that
 * namespace, ov_network.go:755 `osl.NewSandbox(key, !hostMode, ...)`), with
 * the driver's iptables filters between overlays (ov_network.go:384-401), so
 * `watchMiss` leaves its thread where it found it. Measured on the dev stack:
 * five runs and removals of the only container on a new overlay, then its
 * removal, left one stranded thread without it and none with it; the check
 * passes either way. The engine's namespace then holds a route to each overlay
 * subnet (validation keeps them apart from each other and from the underlay).
 * Swarm mode starts no `watchMiss` (ov_network.go:763-767) and keeps the
 * default. The other drivers' engines are the user's (README, Choosing a mode).
 */
export const OVERLAY_HOST_MODE_ENV: Readonly<Record<string, string>> = { _OVERLAY_HOST_MODE: "1" };

const SH_DIR = path.join(__dirname, "sh");

/** The script, as a file (run locally, e.g. under `nsenter --net`): `bash <it> [<pidfile>]`. */
export const STRANDED_THREADS_SCRIPT = path.join(SH_DIR, "stranded-threads.sh");

/** Its exit code when no engine runs (no pidfile, or its pid is gone). */
export const NO_ENGINE_EXIT = 3;

/** The argv that runs it where a command line is all there is (over ssh): `bash -c <text> stranded-threads [<pidfile>]`. */
export function strandedThreadsArgv(pidFile?: string): string[] {
    return bashFileArgv(STRANDED_THREADS_SCRIPT, pidFile !== undefined ? [pidFile] : []);
}

/** The thread ids the script printed, one per line. */
export function parseStrandedThreads(stdout: string): number[] {
    return stdout
        .split("\n")
        .map((l) => l.trim())
        .filter((l) => /^[0-9]+$/.test(l))
        .map(Number);
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
