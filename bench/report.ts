/**
 * bench/RESULTS.md and the final `bench:` line, from the measurements.
 */
import * as fs from "fs";
import * as os from "os";
import { ConvergeResult, ConvergeRun } from "./converge";
import { DataplaneResult } from "./dataplane";
import { PlanSize } from "./plan";
import { growthExponent, summarize, Summary } from "./stats";

export interface BenchResults {
    startedAt: Date;
    seconds: number;
    runs: number;
    plan?: PlanSize[];
    converge?: ConvergeResult;
    dataplane?: DataplaneResult;
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
    rss?: number;
    parallelSerial?: number;
    hosts9hosts3?: number;
    overlayUnderlay?: number;
}

const median = (xs: number[]) => summarize(xs).median;
const applyOf = (runs: ConvergeRun[], mode: ConvergeRun["mode"]) => runs.filter((r) => r.mode === mode).map((r) => r.apply);

export function headline(r: BenchResults): Headline {
    const big = r.plan?.find((s) => s.hosts === 300 && s.containersPerHost === 10);
    const h: Headline = {};
    if (big !== undefined) {
        h.plan300x10 = median(big.runs.map((x) => x.wall));
        h.rss = median(big.runs.map((x) => x.maxRssMB));
    }
    if (r.converge !== undefined) {
        h.parallelSerial = median(applyOf(r.converge.runs, "parallel3")) / median(applyOf(r.converge.runs, "serial3"));
        h.hosts9hosts3 = median(applyOf(r.converge.runs, "parallel9")) / median(applyOf(r.converge.runs, "parallel3"));
    }
    if (r.dataplane !== undefined) {
        h.overlayUnderlay = median(r.dataplane.overlay.map((x) => x.gbps)) / median(r.dataplane.underlay.map((x) => x.gbps));
    }
    return h;
}

export function headlineLine(h: Headline): string {
    const f = (v: number | undefined, digits: number) => (v === undefined ? "n/a" : v.toFixed(digits));
    return (
        `bench: plan300x10=${f(h.plan300x10, 2)} rss=${f(h.rss, 0)} parallel/serial=${f(h.parallelSerial, 2)} ` +
        `hosts9/hosts3=${f(h.hosts9hosts3, 2)} overlay/underlay=${f(h.overlayUnderlay, 2)}`
    );
}

// ------------------------------------------------------------ markdown

const GOALS = {
    planSeconds: 10,
    planRssMB: 1024,
    parallelSerial: 0.6,
    hosts9hosts3: 1.5,
    overlayUnderlay: 0.7,
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
        "",
        "```",
        headlineLine(h),
        "```",
        "",
        "| goal | target | measured (median) | |",
        "|---|---|---|---|",
        `| plan of 300 hosts x 10 containers: wall time | < ${GOALS.planSeconds} s | ${h.plan300x10?.toFixed(2) ?? "n/a"} s | ${verdict(h.plan300x10 === undefined ? undefined : h.plan300x10 < GOALS.planSeconds)} |`,
        `| plan of 300 hosts x 10 containers: peak RSS | < 1 GB | ${h.rss?.toFixed(0) ?? "n/a"} MB | ${verdict(h.rss === undefined ? undefined : h.rss < GOALS.planRssMB)} |`,
        `| seed's cluster, parallel apply / serial apply | <= ${GOALS.parallelSerial} | ${h.parallelSerial?.toFixed(2) ?? "n/a"} | ${verdict(h.parallelSerial === undefined ? undefined : h.parallelSerial <= GOALS.parallelSerial)} |`,
        `| 9 hosts / 3 hosts, parallel apply | <= ${GOALS.hosts9hosts3} | ${h.hosts9hosts3?.toFixed(2) ?? "n/a"} | ${verdict(h.hosts9hosts3 === undefined ? undefined : h.hosts9hosts3 <= GOALS.hosts9hosts3)} |`,
        `| overlay / underlay TCP throughput | >= ${GOALS.overlayUnderlay} | ${h.overlayUnderlay?.toFixed(2) ?? "n/a"} | ${verdict(h.overlayUnderlay === undefined ? undefined : h.overlayUnderlay >= GOALS.overlayUnderlay)} |`,
        "",
    );

    if (r.plan !== undefined) {
        lines.push(
            "## 1. Program scale: `plan` of generated topologies",
            "",
            "Hosts x 10 containers each (bench/topology.ts: netns driver, consul machine, one overlay per 10 hosts, containers pinned",
            "with `node==` and `rack==` constraints). Each run is a fresh `node -r ts-node/register/transpile-only` process doing what",
            "`npm run plan` does (the program under preview mocks, then the JSON document); wall time from spawn to exit, peak RSS",
            "of that process. Growth: the exponent k in time ~ size^k between consecutive sizes (1 = linear).",
            "",
            "| topology | resources | wall s (median / min / max) | of which planning s (median) | peak RSS MB (median / min / max) | growth of wall, planning, RSS |",
            "|---|---|---|---|---|---|",
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
                const k = (f: (x: PlanSize["runs"][number]) => number) =>
                    growthExponent(a, median(prev!.runs.map(f)), b, median(s.runs.map(f))).toFixed(2);
                growth = `k = ${k((x) => x.wall)}, ${k((x) => x.plan)}, ${k((x) => x.maxRssMB)}`;
            }
            lines.push(
                `| ${s.hosts} x ${s.containersPerHost} | ${s.runs[0]?.resources ?? "n/a"} | ${cells(wall)} | ${plan.median.toFixed(2)} | ${cells(rss, 0)} | ${growth} |`,
            );
            prev = s;
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
            "scripts, every dockerd, containerd and consul it started) until it exited, from a cgroup. Each run starts from",
            "nothing and is torn down with `npm run lab -- down` before the next; modes interleaved. Phases: medians, from the",
            "first resource of the kind starting to the last ending.",
            "",
            `| run | apply s (median / min / max) | lab up s (median) | CPU s of lab up (median) | ${phaseNames.join(" s | ")} s |`,
            `|---|---|---|---|${phaseNames.map(() => "---").join("|")}|`,
        );
        for (const [mode, label] of modes) {
            const of = runs.filter((x) => x.mode === mode);
            if (of.length === 0) {
                continue;
            }
            const phases = phaseNames.map((p) => summarize(of.map((x) => x.phases[p] ?? NaN).filter((v) => !Number.isNaN(v))).median.toFixed(2));
            const cpu = summarize(of.flatMap((x) => (x.cpu !== undefined ? [x.cpu] : [])));
            lines.push(
                `| ${label} | ${cells(summarize(of.map((x) => x.apply)))} | ${summarize(of.map((x) => x.total)).median.toFixed(2)} | ${cpu.n > 0 ? cpu.median.toFixed(2) : "n/a"} | ${phases.join(" | ")} |`,
            );
        }
        const serial = runs.find((x) => x.mode === "serial3");
        lines.push(
            "",
            `parallel/serial = ${h.parallelSerial?.toFixed(2) ?? "n/a"} (goal <= ${GOALS.parallelSerial}); 9 hosts / 3 hosts = ${h.hosts9hosts3?.toFixed(2) ?? "n/a"} (goal <= ${GOALS.hosts9hosts3}).`,
            "",
            ...(serial !== undefined ? [`Serial order as performed: ${serial.order.join(" -> ")}.`, ""] : []),
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
            "| measure | overlay (median / min / max) | underlay (median / min / max) | overlay / underlay |",
            "|---|---|---|---|",
            `| TCP throughput, Gbit/s | ${cells(ov)} | ${cells(ul)} | ${(ov.median / ul.median).toFixed(2)} |`,
            `| round trip (ping avg), ms | ${cells(ovRtt, 3)} | ${cells(ulRtt, 3)} | ${(ovRtt.median / ulRtt.median).toFixed(2)} |`,
            `| TCP retransmits per run | ${cells(summarize(d.overlay.map((x) => x.retransmits)), 0)} | ${cells(summarize(d.underlay.map((x) => x.retransmits)), 0)} | |`,
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
    return lines.join("\n");
}
