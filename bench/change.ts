/**
 * Change (day 2): `pulumi up` again on a running stack, as the lab applies it
 * (lab/stack.ts previews against the recorded state, lab/executor.ts performs
 * the steps). Each run, on the benchmark's own stack `bench-ch`:
 *   1. `lab up` of the dev stack's shape (the seed's cluster: consul machine,
 *      swarm-manager, swarm-node1, swarm-node2, net1, c1, c2) from nothing;
 *   2. `lab up` of the same file again: the no-op (the preview, 0 steps);
 *   3. `lab up` of the variant with swarm-node3 and c3 on it: the add
 *      (then `lab preview` of the variant must show 0 changes: the add left
 *      what a fresh up of the variant would);
 *   4. `lab down`, then `lab up` of the variant from nothing: the full up of
 *      the 4 hosts the add is compared with; `lab down`.
 * Every `up` is timed from spawn to exit of its process (what a user waits
 * for, ts-node's start-up and the preview included), with the CPU-seconds of
 * everything it ran. The stack is always taken down, also on failure.
 */
import * as path from "path";
import { LabState } from "../lab/state";
import { Changes, StepOp } from "../lab/steps";
import { phasesOf } from "./converge";
import { AttemptFailure, CpuAccount, labCommand, labDown, labDownQuietly, labUp, labUpRun, UpRun, withAttempts } from "./lab";
import { BUSYBOX_IMAGE, labStack, seedContainers, Stack, writeStack } from "./topology";

/** The benchmark's stack for this part: its own name, bridge and underlay (bench/topology.ts's ranges). */
export const CHANGE_STACK = { stack: "bench-ch", bridge: "dovlbch", underlay: "10.170.30.0/24" } as const;

/** The host and the container the add brings. */
export const ADDED = { host: "swarm-node3", container: "c3" } as const;

/** The dev stack's shape (3 hosts, c1, c2) and the same with ADDED.host and ADDED.container on it, under one stack name. */
export function changeStacks(): { hosts3: Stack; hosts4: Stack } {
    const containers = seedContainers(3);
    return {
        hosts3: labStack({ ...CHANGE_STACK, hosts: 3, containers }),
        hosts4: labStack({
            ...CHANGE_STACK,
            hosts: 4,
            containers: [
                ...containers,
                { name: ADDED.container, image: BUSYBOX_IMAGE.name, command: ["top"], networks: ["net1"], constraints: [`node==${ADDED.host}`] },
            ],
        }),
    };
}

export interface Step {
    op: StepOp;
    urn: string;
    type: string;
    name: string;
}

/** Where the time of a day-2 `up` went; the four parts add up to its wall time. */
export interface ChangeBreakdown {
    /** Spawn to the apply's program run starting: node and ts-node, loading the lab, the preview (a run of the program). */
    startupAndPreview: number;
    /** The apply's program run to the first changed resource beginning (the unchanged ones registered on the way). */
    program: number;
    /** The first changed resource beginning to the last one ending. */
    steps: number;
    /** The last changed resource ending to exit: the deletes replacements left (the old resource of each), the state. */
    afterSteps: number;
    /** Each custom resource created or replaced, with its seconds (an update's record keeps no start: not listed). */
    perStep: { op: StepOp; type: string; name: string; seconds: number }[];
}

/**
 * Splits a day-2 `up` (its process's spawn time and wall seconds, the lab's
 * seconds of its apply run, its steps, the state it left) at the apply's start,
 * the first changed custom resource's start and the last one's end.
 */
export function changeBreakdown(up: {
    spawnedAt: number;
    wall: number;
    applySeconds: number;
    steps: readonly Step[];
    state: Pick<LabState, "resources">;
}): ChangeBreakdown {
    const changed = new Map(up.steps.filter((s) => s.op !== "same" && s.op !== "delete").map((s) => [s.urn, s]));
    const records = up.state.resources.filter((r) => r.custom && r.pendingDelete !== true && r.endedAt !== undefined && changed.has(r.urn));
    const times = records.map((r) => ({
        record: r,
        op: changed.get(r.urn)?.op ?? "same",
        start: Date.parse(r.startedAt),
        end: Date.parse(r.endedAt as string),
    }));
    const startupAndPreview = up.wall - up.applySeconds;
    if (times.length === 0) {
        return { startupAndPreview, program: up.applySeconds, steps: 0, afterSteps: 0, perStep: [] };
    }
    const exit = up.spawnedAt + up.wall * 1000;
    const first = Math.min(...times.map((t) => t.start));
    const last = Math.max(...times.map((t) => t.end));
    return {
        startupAndPreview,
        program: (first - up.spawnedAt) / 1000 - startupAndPreview,
        steps: (last - first) / 1000,
        afterSteps: (exit - last) / 1000,
        perStep: times
            .filter((t) => t.end > t.start)
            .sort((a, b) => a.start - b.start)
            .map((t) => ({ op: t.op, type: t.record.type, name: t.record.name, seconds: (t.end - t.start) / 1000 })),
    };
}

/** `<op> <type> <name>` of every step but the `same` ones, sorted. */
export function changedSteps(steps: readonly Step[]): string[] {
    return steps
        .filter((s) => s.op !== "same")
        .map((s) => `${s.op} ${s.type} ${s.name}`)
        .sort();
}

export interface Timed {
    /** Spawn to exit of the `lab up` process, seconds. */
    wall: number;
    /** CPU-seconds of it and everything it started; undefined without cgroup v1 cpuacct. */
    cpu?: number;
}

export interface ChangeRun {
    run: number;
    /** The 3-host stack from nothing (step 1). */
    base: Timed;
    /** The second `up` of the unchanged 3-host stack; `preview`: the lab's seconds of its preview (the program's run). */
    noop: Timed & { unchanged: number; preview: number };
    /** The add of ADDED on the running 3-host stack. */
    addhost: Timed & { changes: Changes; steps: string[]; breakdown: ChangeBreakdown };
    /** The 4-host stack from nothing. */
    full: Timed & { apply: number; startup: number; phases: Record<string, number> };
}

export interface ChangeResult {
    stacks: { hosts3: string; hosts4: string };
    runs: ChangeRun[];
    /** Attempts that failed (and were tried again). */
    failures: (AttemptFailure & { run: number })[];
}

const timed = (u: { wall: number; cpu?: number }): Timed => ({ wall: u.wall, ...(u.cpu !== undefined ? { cpu: u.cpu } : {}) });

/** The steps of a day-2 `up`'s report and their counts; throws when it was a no-op or a fresh up. */
function stepsOf(up: UpRun, what: string): { steps: Step[]; changes: Changes } {
    const { noop, steps, changes } = up.report;
    if (noop === true || steps === undefined || changes === undefined) {
        throw new Error(`${what}: lab up reported no steps (${noop === true ? "a no-op" : "a fresh up"}): the stack was not up as expected`);
    }
    return { steps, changes };
}

export async function benchChange(opts: { workDir: string; runs: number; log: (line: string) => void }): Promise<ChangeResult> {
    const { hosts3, hosts4 } = changeStacks();
    // One stack name in two files (the lab names the stack after the file): the add is a change of the running stack.
    const file3 = writeStack(path.join(opts.workDir, "change", "hosts3"), hosts3);
    const file4 = writeStack(path.join(opts.workDir, "change", "hosts4"), hosts4);
    const env = { ...process.env, DOCKER_OVERLAY_LAB_SERIAL: "0" };
    const runs: ChangeRun[] = [];
    const failures: ChangeResult["failures"] = [];
    // Leftovers of an interrupted earlier run would make the first `up` refuse.
    await labDownQuietly(file4, opts.log);
    try {
        for (let i = 0; i < opts.runs; i++) {
            const r = await withAttempts(
                {
                    stackFile: file4,
                    log: opts.log,
                    onFailure: (f) => {
                        failures.push({ run: i + 1, ...f });
                        opts.log(`change run ${i + 1} attempt ${f.attempt} FAILED: ${f.error}${f.logs !== undefined ? ` (logs kept in ${f.logs})` : ""}`);
                    },
                },
                async (attempt) => {
                    const measured = async <T extends { cpu?: number }>(label: string, up: (cpu?: CpuAccount) => Promise<T>): Promise<T> => {
                        const cpu = CpuAccount.create(`docker-overlay-bench-${process.pid}-change-${label}-${i}-${attempt}`);
                        try {
                            return await up(cpu);
                        } finally {
                            cpu?.remove();
                        }
                    };
                    const base = await measured("base", (cpu) => labUp(file3, env, cpu));
                    const noop = await measured("noop", (cpu) => labUpRun(file3, env, cpu));
                    if (noop.report.noop !== true) {
                        throw new Error(`the second up of the unchanged 3-host stack was not a no-op: ${JSON.stringify(noop.report.changes)}`);
                    }
                    const add = await measured("addhost", (cpu) => labUpRun(file4, env, cpu));
                    const { steps, changes } = stepsOf(add, `adding ${ADDED.host} and ${ADDED.container}`);
                    const preview = await labCommand(["preview", file4, "--json"], env);
                    const after = preview.code === 0 ? (JSON.parse(preview.stdout) as { changes: Changes }).changes : undefined;
                    if (after === undefined || after.create + after.update + after.replace + after.delete > 0) {
                        throw new Error(
                            `after the add, a preview of the 4-host stack is not 0 changes: ${after !== undefined ? JSON.stringify(after) : preview.stderr.trim()}`,
                        );
                    }
                    await labDown(file4);
                    const full = await measured("full", (cpu) => labUp(file4, env, cpu));
                    await labDown(file4);
                    return {
                        run: i + 1,
                        base: timed(base),
                        noop: { ...timed(noop), unchanged: noop.report.changes?.same ?? 0, preview: noop.report.seconds },
                        addhost: {
                            ...timed(add),
                            changes,
                            steps: changedSteps(steps),
                            breakdown: changeBreakdown({ ...add, applySeconds: add.report.seconds, steps }),
                        },
                        full: { ...timed(full), apply: full.apply, startup: full.startup, phases: phasesOf(full.timeline) },
                    };
                },
            );
            runs.push(r);
            const b = r.addhost.breakdown;
            const cpu = (t: Timed) => (t.cpu !== undefined ? `, ${t.cpu.toFixed(2)} CPU s` : "");
            opts.log(
                `change run ${i + 1}: noop ${r.noop.wall.toFixed(2)} s${cpu(r.noop)}; addhost ${r.addhost.wall.toFixed(2)} s${cpu(r.addhost)} ` +
                    `(start-up and preview ${b.startupAndPreview.toFixed(2)}, program ${b.program.toFixed(2)}, steps ${b.steps.toFixed(2)}, after ${b.afterSteps.toFixed(2)}); ` +
                    `full 4 hosts ${r.full.wall.toFixed(2)} s${cpu(r.full)}; 3 hosts from nothing ${r.base.wall.toFixed(2)} s`,
            );
            if (i === 0) {
                opts.log(`  addhost steps: ${r.addhost.steps.join("; ")}`);
            }
        }
    } finally {
        await labDownQuietly(file4, opts.log);
    }
    return { stacks: { hosts3: file3, hosts4: file4 }, runs, failures };
}
