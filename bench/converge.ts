/**
 * Convergence: the seed's cluster brought up by the lab's applier with the
 * graph's parallelism, against the same stack applied one resource at a time
 * in the order a hand-written script takes (DOCKER_OVERLAY_LAB_SERIAL=1: KV
 * machine, each host's machine in order, the network, the containers), and the
 * seed's cluster on 9 hosts against 3. Every run starts from nothing and is
 * torn down (`lab down`) before the next.
 */
import * as os from "os";
import * as path from "path";
import { AttemptFailure, CpuAccount, labDown, labDownQuietly, labUp, UpOutcome, withAttempts } from "./lab";
import { labStack, seedContainers, writeStack } from "./topology";

export type ConvergeMode = "parallel3" | "serial3" | "parallel9";

/** The hosts of each mode's stack (cpu/host divides by the difference). */
export const HOSTS: Record<ConvergeMode, number> = { parallel3: 3, serial3: 3, parallel9: 9 };

export interface ConvergeRun {
    mode: ConvergeMode;
    total: number;
    /** The `lab up` process from spawn to exit: the interval `cpu` covers. */
    wall: number;
    apply: number;
    startup: number;
    /** CPU seconds of the whole `lab up` (program, scripts, daemons); undefined without cgroup v1 cpuacct. */
    cpu?: number;
    down: number;
    phases: Record<string, number>;
    order: string[];
}

export interface ConvergeFailure extends AttemptFailure {
    mode: ConvergeMode;
    run: number;
}

export interface ConvergeResult {
    stacks: Record<"hosts3" | "hosts9", string>;
    /** The processors node could use while the runs ran (os.availableParallelism()): the cores of saturation9. */
    cores: number;
    runs: ConvergeRun[];
    /** Attempts whose `up` failed (and were tried again). */
    failures: ConvergeFailure[];
}

/** How long each kind of step took: from the first of its resources starting to the last ending. */
export function phasesOf(timeline: UpOutcome["timeline"]): Record<string, number> {
    const kinds: [string, (x: { type: string; name: string }) => boolean][] = [
        ["kv", (x) => x.type === "command:local:Command" && x.name === "kvstore-machine"],
        ["engines", (x) => x.type === "command:local:Command" && x.name.endsWith("-engine")],
        ["network", (x) => x.type === "docker:index/network:Network"],
        ["containers", (x) => x.type === "docker:index/container:Container"],
        ["check", (x) => x.type === "command:local:Command" && x.name === "connectivity-ping"],
    ];
    const phases: Record<string, number> = {};
    for (const [kind, match] of kinds) {
        const hits = timeline.filter(match);
        if (hits.length > 0) {
            phases[kind] = Math.max(...hits.map((h) => h.end)) - Math.min(...hits.map((h) => h.start));
        }
    }
    return phases;
}

export async function benchConverge(opts: { workDir: string; runs: number; log: (line: string) => void }): Promise<ConvergeResult> {
    const dir = path.join(opts.workDir, "lab");
    const hosts3 = writeStack(dir, labStack({ stack: "bench-c3", bridge: "dovlbc3", underlay: "10.170.3.0/24", hosts: 3, containers: seedContainers(3) }));
    const hosts9 = writeStack(dir, labStack({ stack: "bench-c9", bridge: "dovlbc9", underlay: "10.170.9.0/24", hosts: 9, containers: seedContainers(9) }));
    const plan: { mode: ConvergeMode; file: string; env: NodeJS.ProcessEnv }[] = [
        { mode: "parallel3", file: hosts3, env: { ...process.env, DOCKER_OVERLAY_LAB_SERIAL: "0" } },
        { mode: "serial3", file: hosts3, env: { ...process.env, DOCKER_OVERLAY_LAB_SERIAL: "1" } },
        { mode: "parallel9", file: hosts9, env: { ...process.env, DOCKER_OVERLAY_LAB_SERIAL: "0" } },
    ];
    // Leftovers of an interrupted earlier run would make `up` refuse.
    for (const f of [hosts3, hosts9]) {
        await labDownQuietly(f, opts.log);
    }
    const runs: ConvergeRun[] = [];
    const failures: ConvergeFailure[] = [];
    // Modes interleaved run by run, so a burst of load on the machine does not hit one mode only.
    for (let i = 0; i < opts.runs; i++) {
        for (const p of plan) {
            const { up, down } = await withAttempts(
                {
                    stackFile: p.file,
                    log: opts.log,
                    onFailure: (f) => {
                        failures.push({ mode: p.mode, run: i + 1, ...f });
                        opts.log(
                            `converge ${p.mode} run ${i + 1} attempt ${f.attempt} FAILED: ${f.error}${f.logs !== undefined ? ` (logs kept in ${f.logs})` : ""}`,
                        );
                    },
                },
                async (attempt) => {
                    // CPU time of the whole up (program, scripts, engines, KV store): what 2 cores must get through.
                    const cpu = CpuAccount.create(`docker-overlay-bench-${process.pid}-${p.mode}-${i}-${attempt}`);
                    try {
                        const outcome = await labUp(p.file, p.env, cpu);
                        return { up: outcome, down: await labDown(p.file) };
                    } finally {
                        cpu?.remove();
                    }
                },
            );
            const phases = phasesOf(up.timeline);
            const order = up.timeline.filter((x) => x.type === "command:local:Command" || x.type.startsWith("docker:index/")).map((x) => x.name);
            runs.push({
                mode: p.mode,
                total: up.total,
                wall: up.wall,
                apply: up.apply,
                startup: up.startup,
                ...(up.cpu !== undefined ? { cpu: up.cpu } : {}),
                down,
                phases,
                order,
            });
            opts.log(
                `converge ${p.mode} run ${i + 1}: apply ${up.apply.toFixed(2)} s (lab up ${up.total.toFixed(2)} s, ` +
                    `${up.cpu !== undefined ? `${up.cpu.toFixed(2)} CPU s, ` : ""}program start-up ${up.startup.toFixed(2)} s; ` +
                    `${Object.entries(phases)
                        .map(([k, v]) => `${k} ${v.toFixed(2)}`)
                        .join(", ")}); down ${down.toFixed(1)} s`,
            );
            if (p.mode === "serial3" && i === 0) {
                opts.log(`  serial order: ${order.join(" -> ")}`);
            }
        }
    }
    return { stacks: { hosts3, hosts9 }, cores: os.availableParallelism(), runs, failures };
}
