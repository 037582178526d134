/**
 * bench/RESULTS.md and the final `bench:` line, from the measurements.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ADDED, CHANGE_STACK, ChangeResult } from "./change";
import { ConvergeResult, ConvergeRun, HOSTS } from "./converge";
import { DataplaneResult } from "./dataplane";
import { PlanSize } from "./plan";
import { formatSummary, growthExponent, summarize, Summary } from "./stats";

export interface BenchResults {
    startedAt: Date;
    seconds: number;
    runs: number;
    /** Load average (1, 5, 15 min) when each part started, and at the end. */
    load: Record<string, string>;
    plan?: PlanSize[];
    converge?: ConvergeResult;
    dataplane?: DataplaneResult;
    change?: ChangeResult;
}

export interface Machine {
    cpu: string;
    cores: number;
    memoryGB: number;
    kernel: string;
    os: string;
    node: string;
}

export function machine(): Machine {
    let osName = os.type();
    try {
        const m = /^PRETTY_NAME="?([^"\n]*)"?/m.exec(fs.readFileSync("/etc/os-release", "utf8"));
        osName = m?.[1] ?? osName;
    } catch {
        // keep os.type()
    }
    return {
        cpu: os.cpus()[0]?.model.trim() ?? "unknown",
        cores: os.cpus().length,
        memoryGB: os.totalmem() / 2 ** 30,
        kernel: os.release(),
        os: osName,
        node: process.version,
    };
}

// ------------------------------------------------------------ headline figures

export interface Headline {
    plan300x10?: number;
    /** Median wall time of the 300 x 10 plan over that of its floor (bench/floor.ts). */
    planFloor?: number;
    rss?: number;
    /** Median peak RSS of the 300 x 10 plan over that of its floor. */
    rssFloor?: number;
    /** Median CPU-seconds of the 300 x 10 plan over those of its floor (what the load of other work does not move). */
    cpuFloor?: number;
    parallelSerial?: number;
    /**
     * The 9-host parallel `lab up`: its wall time over the least wall time its CPU-seconds allow on the
     * run's cores (CPU-s / cores); 1 is every core busy all the time. Median over the runs of each run's ratio.
     */
    saturation9?: number;
    /** CPU-seconds each host adds: (median CPU-s of the 9-host up - that of the 3-host up) / 6. */
    cpuPerHost?: number;
    overlayUnderlay?: number;
    /** Median seconds of a second `lab up` of the unchanged 3-host stack (spawn to exit). */
    noop?: number;
    /** Median seconds of adding a host and a container to the running 3-host stack over those of the 4-host stack's up from nothing. */
    addhostFull?: number;
    /** The same ratio in CPU-seconds (what the load of other work does not move). */
    addhostFullCpu?: number;
}

const median = (xs: number[]) => summarize(xs).median;
const applyOf = (runs: ConvergeRun[], mode: ConvergeRun["mode"]) => runs.filter((r) => r.mode === mode).map((r) => r.apply);
const cpuOf = (runs: ConvergeRun[], mode: ConvergeRun["mode"]) => runs.flatMap((r) => (r.mode === mode && r.cpu !== undefined ? [r.cpu] : []));

/** Wall time over the least the CPU-seconds allow on `cores` cores (cpu / cores): 1 = the cores saturated throughout. */
export function saturation(wall: number, cpu: number, cores: number): number {
    return wall / (cpu / cores);
}

export function headline(r: BenchResults): Headline {
    const big = r.plan?.find((s) => s.hosts === 300 && s.containersPerHost === 10);
    const h: Headline = {};
    if (big !== undefined) {
        h.plan300x10 = median(big.runs.map((x) => x.wall));
        h.rss = median(big.runs.map((x) => x.maxRssMB));
        if (big.floor.length > 0) {
            h.planFloor = h.plan300x10 / median(big.floor.map((x) => x.wall));
            h.rssFloor = h.rss / median(big.floor.map((x) => x.maxRssMB));
            h.cpuFloor = median(big.runs.map((x) => x.cpu)) / median(big.floor.map((x) => x.cpu));
        }
    }
    if (r.converge !== undefined) {
        h.parallelSerial = median(applyOf(r.converge.runs, "parallel3")) / median(applyOf(r.converge.runs, "serial3"));
        const { runs, cores } = r.converge;
        const nine = runs.filter((x) => x.mode === "parallel9" && x.cpu !== undefined);
        if (nine.length > 0) {
            h.saturation9 = median(nine.map((x) => saturation(x.wall, x.cpu as number, cores)));
        }
        const cpu9 = cpuOf(runs, "parallel9");
        const cpu3 = cpuOf(runs, "parallel3");
        if (cpu9.length > 0 && cpu3.length > 0) {
            h.cpuPerHost = (median(cpu9) - median(cpu3)) / (HOSTS.parallel9 - HOSTS.parallel3);
        }
    }
    if (r.dataplane !== undefined) {
        h.overlayUnderlay = median(r.dataplane.overlay.map((x) => x.gbps)) / median(r.dataplane.underlay.map((x) => x.gbps));
    }
    if (r.change !== undefined && r.change.runs.length > 0) {
        const runs = r.change.runs;
        h.noop = median(runs.map((x) => x.noop.wall));
        h.addhostFull = median(runs.map((x) => x.addhost.wall)) / median(runs.map((x) => x.full.wall));
        const cpu = runs.filter((x) => x.addhost.cpu !== undefined && x.full.cpu !== undefined);
        if (cpu.length > 0) {
            h.addhostFullCpu = median(cpu.map((x) => x.addhost.cpu as number)) / median(cpu.map((x) => x.full.cpu as number));
        }
    }
    return h;
}

export function headlineLine(h: Headline): string {
    const f = (v: number | undefined, digits: number) => (v === undefined ? "n/a" : v.toFixed(digits));
    return (
        `bench: plan300x10=${f(h.plan300x10, 2)} plan/floor=${f(h.planFloor, 2)} rss=${f(h.rss, 0)} parallel/serial=${f(h.parallelSerial, 2)} ` +
        `saturation9=${f(h.saturation9, 2)} cpu/host=${f(h.cpuPerHost, 2)} overlay/underlay=${f(h.overlayUnderlay, 2)} noop=${f(h.noop, 2)} addhost/full=${f(h.addhostFull, 2)}`
    );
}

// ------------------------------------------------------------ markdown

const GOALS = {
    planSeconds: 10,
    planFloor: 1.3,
    planRssMB: 1024,
    parallelSerial: 0.5,
    saturation9: 1.15,
    overlayUnderlay: 0.7,
    addhostFull: 0.4,
};

function verdict(ok: boolean | undefined): string {
    return ok === undefined ? "not measured" : ok ? "**met**" : "**missed**";
}

function cells(s: Summary, digits = 2): string {
    return s.n === 0 ? "n/a | n/a | n/a" : `${s.median.toFixed(digits)} | ${s.min.toFixed(digits)} | ${s.max.toFixed(digits)}`;
}

export function renderResults(r: BenchResults, m: Machine): string {
    const h = headline(r);
    const lines: string[] = [];
    const date = r.startedAt.toISOString().replace(/\.\d+Z$/, "Z");
    lines.push(
        "# Benchmark results",
        "",
        `Measured by \`npm run bench\` (tools/bench.ts, code in bench/) on ${date}, ${r.runs} runs of each measurement, ` +
            `${(r.seconds / 60).toFixed(1)} minutes in all. Each figure: median, min and max over the runs.`,
        "",
        `Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGB.toFixed(1)} GB RAM, ${m.os}, Linux ${m.kernel}, Node ${m.node}.`,
        ...(Object.keys(r.load).length > 0
            ? [
                  "",
                  `Load average (1 / 5 / 15 min) as each part started: ${Object.entries(r.load)
                      .map(([part, l]) => `${part} ${l}`)
                      .join("; ")}. Other work shares these cores; wall times carry it, CPU-seconds do not.`,
              ]
            : []),
        "",
        "```",
        headlineLine(h),
        "```",
        "",
        "| goal | target | measured (median) | |",
        "|---|---|---|---|",
        `| plan of 300 hosts x 10 containers: wall time | < ${GOALS.planSeconds} s | ${h.plan300x10?.toFixed(2) ?? "n/a"} s | ${verdict(h.plan300x10 === undefined ? undefined : h.plan300x10 < GOALS.planSeconds)} |`,
        `| plan of 300 hosts x 10 containers: wall time / its floor's | <= ${GOALS.planFloor} | ${h.planFloor?.toFixed(2) ?? "n/a"} (CPU-s ${h.cpuFloor?.toFixed(2) ?? "n/a"}, RSS ${h.rssFloor?.toFixed(2) ?? "n/a"} x the floor's) | ${verdict(h.planFloor === undefined ? undefined : h.planFloor <= GOALS.planFloor)} |`,
        `| plan of 300 hosts x 10 containers: peak RSS | < 1 GB | ${h.rss?.toFixed(0) ?? "n/a"} MB | ${verdict(h.rss === undefined ? undefined : h.rss < GOALS.planRssMB)} |`,
        `| seed's cluster, parallel apply / serial apply | <= ${GOALS.parallelSerial} | ${h.parallelSerial?.toFixed(2) ?? "n/a"} | ${verdict(h.parallelSerial === undefined ? undefined : h.parallelSerial <= GOALS.parallelSerial)} |`,
        `| 9 hosts, parallel \`lab up\`: wall time / (its CPU-seconds / cores) | <= ${GOALS.saturation9} | ${h.saturation9?.toFixed(2) ?? "n/a"} | ${verdict(h.saturation9 === undefined ? undefined : h.saturation9 <= GOALS.saturation9)} |`,
        `| CPU-seconds each added host costs ((9-host - 3-host CPU-s) / 6) | reported, lower is better | ${h.cpuPerHost?.toFixed(2) ?? "n/a"} CPU-s | |`,
        `| overlay / underlay TCP throughput | >= ${GOALS.overlayUnderlay} | ${h.overlayUnderlay?.toFixed(2) ?? "n/a"} | ${verdict(h.overlayUnderlay === undefined ? undefined : h.overlayUnderlay >= GOALS.overlayUnderlay)} |`,
        `| add a host and a container to a running 3-host stack / up of the 4 hosts from nothing | <= ${GOALS.addhostFull} | ${h.addhostFull?.toFixed(2) ?? "n/a"} (CPU-s ${h.addhostFullCpu?.toFixed(2) ?? "n/a"}) | ${verdict(h.addhostFull === undefined ? undefined : h.addhostFull <= GOALS.addhostFull)} |`,
        `| no-op \`up\` of the dev stack's shape (0 steps) | reported | ${h.noop?.toFixed(2) ?? "n/a"} s | |`,
        "",
    );

    if (r.plan !== undefined) {
        lines.push(
            "## 1. Program scale: `plan` of generated topologies",
            "",
            "Hosts x 10 containers each (bench/topology.ts: netns driver, consul machine, one overlay per 10 hosts, containers pinned",
            "with `node==` and `rack==` constraints). Each run is a fresh `node -r runner/register.js` process doing what",
            "`npm run plan` does (the program under preview mocks, then the JSON document); wall time from spawn to exit, peak RSS",
            "of that process. Growth: the exponent k in time ~ size^k between consecutive sizes (1 = linear).",
            "",
            "The floor (bench/floor.ts, bench/floorChild.ts), run right after each plan run: the same resources (count, types,",
            "inputs, taken from the first plan run's document) registered with the Pulumi SDK alone in the same kind of process",
            "under the same preview mocks, flat under the stack, 10 at a time, with nothing else: what any program making these",
            "resources pays. plan/floor and rss/floor are ratios of the medians; CPU-seconds (user + system of the process,",
            "start-up included) do not carry the load of other work on the machine as wall times do.",
            "",
            "| topology | resources | wall s median | min | max | of which planning s (median) | peak RSS MB median | min | max | growth k of wall, planning, RSS |",
            "|---|---|---|---|---|---|---|---|---|---|",
        );
        let prev: PlanSize | undefined;
        for (const s of r.plan) {
            const wall = summarize(s.runs.map((x) => x.wall));
            const plan = summarize(s.runs.map((x) => x.plan));
            const rss = summarize(s.runs.map((x) => x.maxRssMB));
            let growth = "";
            if (prev !== undefined) {
                const a = prev.hosts * prev.containersPerHost;
                const b = s.hosts * s.containersPerHost;
                const k = (f: (x: PlanSize["runs"][number]) => number) => growthExponent(a, median(prev!.runs.map(f)), b, median(s.runs.map(f))).toFixed(2);
                growth = `k = ${k((x) => x.wall)}, ${k((x) => x.plan)}, ${k((x) => x.maxRssMB)}`;
            }
            lines.push(
                `| ${s.hosts} x ${s.containersPerHost} | ${s.runs[0]?.resources ?? "n/a"} | ${cells(wall)} | ${plan.median.toFixed(2)} | ${cells(rss, 0)} | ${growth} |`,
            );
            prev = s;
        }
        lines.push(
            "",
            "| topology | floor wall s median | min | max | floor peak RSS MB median | plan/floor (wall) | rss/floor | CPU-s plan / floor (medians) | CPU ratio |",
            "|---|---|---|---|---|---|---|---|---|",
        );
        for (const s of r.plan) {
            if (s.floor.length === 0) {
                continue;
            }
            const m = (runs: PlanSize["runs"], f: (x: PlanSize["runs"][number]) => number) => median(runs.map(f));
            const cpu = (x: PlanSize["runs"][number]) => x.cpu;
            lines.push(
                `| ${s.hosts} x ${s.containersPerHost} | ${cells(summarize(s.floor.map((x) => x.wall)))} | ${m(s.floor, (x) => x.maxRssMB).toFixed(0)} | ` +
                    `${(m(s.runs, (x) => x.wall) / m(s.floor, (x) => x.wall)).toFixed(2)} | ${(m(s.runs, (x) => x.maxRssMB) / m(s.floor, (x) => x.maxRssMB)).toFixed(2)} | ` +
                    `${m(s.runs, cpu).toFixed(2)} / ${m(s.floor, cpu).toFixed(2)} | ${(m(s.runs, cpu) / m(s.floor, cpu)).toFixed(2)} |`,
            );
        }
        lines.push("");
    }

    if (r.converge !== undefined) {
        const runs = r.converge.runs;
        const modes: [ConvergeRun["mode"], string][] = [
            ["parallel3", "seed's cluster (3 hosts, c1, c2), applier with the graph's parallelism"],
            ["serial3", "the same stack, one resource at a time in script order (DOCKER_OVERLAY_LAB_SERIAL=1)"],
            ["parallel9", "9 hosts, 6 containers (the seed's pattern on each group of 3 hosts), parallel"],
        ];
        const phaseNames = ["kv", "engines", "network", "containers", "check"];
        lines.push(
            "## 2. Convergence: the lab's applier on real engines",
            "",
            "Apply time: from the first resource starting to the last one ending (the applier's state file); `lab up` adds",
            "loading and running the program (~1 s, the same in every mode). CPU: everything `lab up` ran (the program, the",
            "scripts, every dockerd, containerd and consul it started) from its spawn until it exited: the usage of a cgroup v1",
            "cpuacct group (/sys/fs/cgroup/cpuacct) the `lab up` process is put in as it is spawned, which everything it forks",
            "stays in (the containers' own processes go to cgroups of dockerd's making, outside it). Saturation: the `lab up`",
            "process's wall time (spawn to exit, the interval its CPU-seconds cover) over those CPU-seconds / cores. Each run starts from",
            "nothing and is torn down with `npm run lab -- down` before the next; modes interleaved. Phases: medians, from the",
            "first resource of the kind starting to the last ending.",
            "",
            `| run | apply s median | min | max | lab up s (median) | CPU s of lab up (median) | saturation (median) | ${phaseNames.join(" s | ")} s |`,
            `|---|---|---|---|---|---|---|${phaseNames.map(() => "---").join("|")}|`,
        );
        for (const [mode, label] of modes) {
            const of = runs.filter((x) => x.mode === mode);
            if (of.length === 0) {
                continue;
            }
            const phases = phaseNames.map((p) => summarize(of.map((x) => x.phases[p] ?? NaN).filter((v) => !Number.isNaN(v))).median.toFixed(2));
            const cpu = summarize(of.flatMap((x) => (x.cpu !== undefined ? [x.cpu] : [])));
            const sat = summarize(of.flatMap((x) => (x.cpu !== undefined ? [saturation(x.wall, x.cpu, r.converge!.cores)] : [])));
            lines.push(
                `| ${label} | ${cells(summarize(of.map((x) => x.apply)))} | ${summarize(of.map((x) => x.wall)).median.toFixed(2)} | ${cpu.n > 0 ? cpu.median.toFixed(2) : "n/a"} | ${sat.n > 0 ? sat.median.toFixed(2) : "n/a"} | ${phases.join(" | ")} |`,
            );
        }
        const serial = runs.find((x) => x.mode === "serial3");
        lines.push(
            "",
            `parallel/serial = ${h.parallelSerial?.toFixed(2) ?? "n/a"} (goal <= ${GOALS.parallelSerial}); saturation9 = ${h.saturation9?.toFixed(2) ?? "n/a"} ` +
                `(goal <= ${GOALS.saturation9}; ${r.converge.cores} cores); cpu/host = ${h.cpuPerHost?.toFixed(2) ?? "n/a"} CPU-s.`,
            "",
            ...CONVERGE_FLOORS,
            "",
            ...(serial !== undefined ? [`Serial order as performed: ${serial.order.join(" -> ")}.`, ""] : []),
        );
        const failures = r.converge.failures;
        lines.push(
            failures.length === 0
                ? "Every `up` succeeded at the first attempt."
                : `${failures.length} attempt(s) failed and were torn down and tried again (not counted above): ` +
                      failures.map((f) => `${f.mode} run ${f.run}: ${f.error}`).join("; ") +
                      ".",
            "",
        );
    }

    if (r.dataplane !== undefined) {
        const d = r.dataplane;
        const ov = summarize(d.overlay.map((x) => x.gbps));
        const ul = summarize(d.underlay.map((x) => x.gbps));
        const ovRtt = summarize(d.overlayRtt.map((x) => x.avg));
        const ulRtt = summarize(d.underlayRtt.map((x) => x.avg));
        lines.push(
            "## 3. Data plane: container to container over the overlay vs host to host on the underlay",
            "",
            "c1 on swarm-node2 to c2 on swarm-node1 (image: iperf3, iputils-ping and busybox from Debian's packages,",
            "bench/build-images.sh), against the same iperf3 and ping binaries run in swarm-node2's and swarm-node1's",
            "network namespaces between their underlay addresses (the lab bridge: the physical limit here). iperf3: one TCP",
            `stream, ${d.overlay.length} runs of 5 s each way alternating; ping: 20 packets at 50 ms, both directions, per run.`,
            "",
            "| measure | overlay median | min | max | underlay median | min | max | overlay / underlay (medians) |",
            "|---|---|---|---|---|---|---|---|",
            `| TCP throughput, Gbit/s | ${cells(ov)} | ${cells(ul)} | ${(ov.median / ul.median).toFixed(2)} |`,
            `| round trip (ping avg), ms | ${cells(ovRtt, 3)} | ${cells(ulRtt, 3)} | ${(ovRtt.median / ulRtt.median).toFixed(2)} |`,
            `| TCP retransmits per run | ${cells(summarize(d.overlay.map((x) => x.retransmits)), 0)} | ${cells(summarize(d.underlay.map((x) => x.retransmits)), 0)} | |`,
            "",
            `Throughput ratio of each run (overlay / underlay measured back to back): ${formatSummary(summarize(d.overlay.map((x, i) => x.gbps / d.underlay[i].gbps)))} (median (min-max)).`,
            "",
            `MTU: c1's eth0 (the overlay) has MTU ${d.mtu.mtu}, the hosts' underlay interface ${d.mtu.underlayMtu} (VXLAN adds 50 bytes).`,
            `\`ping -M do -s ${d.mtu.fits.payload}\` (a ${d.mtu.fits.payload + 28}-byte packet, do-not-fragment) c1 -> c2: exit ${d.mtu.fits.code}, ` +
                `${d.mtu.fits.code === 0 ? "passes" : "FAILS"} (\`${d.mtu.fits.line}\`); ` +
                `\`ping -M do -s ${d.mtu.tooBig.payload}\`: exit ${d.mtu.tooBig.code}, ${d.mtu.tooBig.code !== 0 ? "fails" : "PASSES (wrong)"} (\`${d.mtu.tooBig.line}\`).`,
            "",
            `Load average before / after the data-plane runs: ${d.loadavg.before} / ${d.loadavg.after}.`,
            "",
        );
    }
    if (r.change !== undefined) {
        lines.push(...changeSection(r.change, h));
    }
    lines.push(...FINDINGS);
    return lines.join("\n");
}

/** What bounds the convergence figures, under section 2's table. */
const CONVERGE_FLOORS = [
    "The floors. saturation9: on a machine of n cores a run of C CPU-seconds cannot take less than C / n seconds, so",
    "wall / (C / n) = 1 is the floor for the 9-host `up` (every core busy from spawn to exit) and what it measures above 1 is",
    "time the cores sat idle while the run waited (consul's election, one engine's start after another, polls). cpu/host has",
    "no floor but 0: it is what each host's engine start, container and share of the check cost, and it is cut by making",
    "dockerd's start cheaper (below). parallel/serial: in cluster-store mode the engines start one after another by design",
    "(lib/engine/gossip.ts: libnetwork joins its serf gossip once, so engines starting together can leave one alone for",
    "good), and the chain KV store -> engines -> containers -> check is on the critical path of both modes; the parallel",
    "apply gains only the images, the network and the containers, so <= 0.5 is out of reach in this mode. That is decided",
    "and stays.",
    "",
];

const ADDED_TEXT = `${ADDED.host} and ${ADDED.container} on it`;

/** Section 4: the day-2 `up`s of bench/change.ts. */
export function changeSection(c: ChangeResult, h: Headline): string[] {
    const runs = c.runs;
    const row = (label: string, xs: { wall: number; cpu?: number }[]) => {
        const cpu = summarize(xs.flatMap((x) => (x.cpu !== undefined ? [x.cpu] : [])));
        return `| ${label} | ${cells(summarize(xs.map((x) => x.wall)))} | ${cpu.n > 0 ? cpu.median.toFixed(2) : "n/a"} |`;
    };
    const med = (xs: number[]) => summarize(xs).median.toFixed(2);
    const b = (f: (x: ChangeResult["runs"][number]["addhost"]["breakdown"]) => number) => med(runs.map((x) => f(x.addhost.breakdown)));
    // Each step's median over the runs, in the order of the first run.
    const perStep = new Map<string, number[]>();
    for (const x of runs) {
        for (const s of x.addhost.breakdown.perStep) {
            const key = `${s.op} ${s.name} (${s.type})`;
            perStep.set(key, [...(perStep.get(key) ?? []), s.seconds]);
        }
    }
    const phaseNames = ["kv", "engines", "network", "containers", "check"];
    const steps = runs[0]?.addhost.steps ?? [];
    const sameSteps = runs.every((x) => x.addhost.steps.join("\n") === steps.join("\n"));
    return [
        "## 4. Change: `up` again on a running stack (day 2)",
        "",
        `bench/change.ts, on its own stack (${CHANGE_STACK.stack}, bridge ${CHANGE_STACK.bridge}, underlay ${CHANGE_STACK.underlay}), each run: \`lab up\` of the dev`,
        "stack's shape (consul machine, swarm-manager, swarm-node1, swarm-node2, net1, c1 on swarm-node2, c2 on swarm-node1)",
        "from nothing; `lab up` of the same file again, the **no-op** (the lab previews against its recorded state, as",
        "`pulumi up` does first, finds 0 changes and performs nothing); `lab up` of the variant with swarm-node3 and c3 on it,",
        "the **add** (previewed, then the steps applied by lab/executor.ts), after which `lab preview` of the variant must",
        "show 0 changes; `lab down`; `lab up` of the variant from nothing, the **full** up of the 4 hosts; `lab down`.",
        "Every time is a `lab up` process from spawn to exit (what a user waits for: ts-node's start-up, the program, on a",
        "running stack the preview too); CPU-seconds of it and everything it started (engines, consul), from a cgroup.",
        "noop is the no-op's median; addhost/full the add's median over the full up's.",
        "",
        "| run | s median | min | max | CPU s (median) |",
        "|---|---|---|---|---|",
        row(
            "no-op `up` of the running 3-host stack",
            runs.map((x) => x.noop),
        ),
        row(
            `add ${ADDED_TEXT} to the running 3-host stack`,
            runs.map((x) => x.addhost),
        ),
        row(
            "full `up` of the 4-host stack from nothing",
            runs.map((x) => x.full),
        ),
        row(
            "(for comparison) `up` of the 3-host stack from nothing",
            runs.map((x) => x.base),
        ),
        "",
        `noop = ${h.noop?.toFixed(2) ?? "n/a"} s (${runs[0]?.noop.unchanged ?? "n/a"} resources unchanged); addhost/full = ${h.addhostFull?.toFixed(2) ?? "n/a"} ` +
            `(goal <= ${GOALS.addhostFull}), in CPU-seconds ${h.addhostFullCpu?.toFixed(2) ?? "n/a"}.`,
        "",
        `The no-op, split (medians): the preview (the lab's run of the program against its state) ${med(runs.map((x) => x.noop.preview))} s, ` +
            `the rest (node, loading the lab and its cached JavaScript) ${med(runs.map((x) => x.noop.wall - x.noop.preview))} s.`,
        "",
        `The add, split (medians): start-up and preview (as the no-op) ${b((x) => x.startupAndPreview)} s; the apply's run of the program up to`,
        `the first changed resource ${b((x) => x.program)} s; the changed resources ${b((x) => x.steps)} s; after the last one to exit ${b((x) => x.afterSteps)} s (the old`,
        "resources replacements left, deleted; the state). Each created or replaced resource (median s):",
        "",
        "| step | s median | min | max |",
        "|---|---|---|---|",
        ...[...perStep].map(([k, v]) => `| ${k} | ${cells(summarize(v))} |`),
        "",
        `Steps of the add${sameSteps ? " (the same in every run)" : " (the first run's; they differed between runs)"}: ${steps.join("; ")}.`,
        "",
        `The full up's phases (medians, s): ${phaseNames
            .map((p) => `${p} ${summarize(runs.flatMap((x) => (x.full.phases[p] !== undefined ? [x.full.phases[p]] : []))).median.toFixed(2)}`)
            .join(
                ", ",
            )}; program start-up ${summarize(runs.map((x) => x.full.startup)).median.toFixed(2)} s, apply ${summarize(runs.map((x) => x.full.apply)).median.toFixed(2)} s.`,
        "",
        c.failures.length === 0
            ? "Every run succeeded at the first attempt."
            : `${c.failures.length} attempt(s) failed and were torn down and tried again (not counted above): ` +
              c.failures.map((f) => `run ${f.run} attempt ${f.attempt}: ${f.error}`).join("; ") +
              ".",
        "",
    ];
}

/**
 * What profiling and tracing found while the goals were worked on, and what was
 * changed in the program and the lab because of it: prose, kept as Markdown in
 * bench/findings.md and copied into RESULTS.md as it is.
 */
export const FINDINGS_FILE = path.join(__dirname, "findings.md");
const FINDINGS: readonly string[] = fs.readFileSync(FINDINGS_FILE, "utf8").replace(/\n$/, "").split("\n");
