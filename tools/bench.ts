/**
 * `npm run bench [-- --runs N] [--only plan,converge,dataplane,change] [--sizes 3,30,300] [--out FILE]`
 * (Linux, root; uses the lab: scripts/lab-deps.sh first).
 *
 * Measures in one run (code in bench/):
 *   1. program scale: `plan` of generated topologies, 3/30/300 hosts x 10 containers,
 *      each beside its floor (the same resources registered by the Pulumi SDK alone);
 *   2. convergence: the seed's cluster brought up by the lab's applier in parallel
 *      vs one resource at a time in script order, and 9 hosts: how close its wall time
 *      comes to its CPU-seconds per core (saturation9), the CPU-seconds each host adds;
 *   3. data plane: iperf3 and ping over the overlay vs the underlay, and the MTU proof;
 *   4. change (day 2): a no-op `up` of the dev stack's shape, and adding a host and a
 *      container to the running 3-host stack against the 4-host stack's up from nothing;
 * writes bench/RESULTS.md (a run of some parts or other sizes: a file in the temporary
 * directory, unless --out names one) and ends with one line:
 *   bench: plan300x10=<s> plan/floor=<ratio> rss=<MB> parallel/serial=<ratio> saturation9=<ratio> cpu/host=<CPU-s> overlay/underlay=<ratio> noop=<s> addhost/full=<ratio>
 * Everything the lab creates is brought down again, also on failure.
 * Not part of CI's test run: benchmarks are not tests.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseArgs } from "util";
import { benchChange } from "../bench/change";
import { benchConverge } from "../bench/converge";
import { benchDataplane } from "../bench/dataplane";
import { benchPlan } from "../bench/plan";
import { BenchResults, headline, headlineLine, machine, renderResults } from "../bench/report";

const PARTS = ["plan", "converge", "dataplane", "change"] as const;
type Part = (typeof PARTS)[number];

async function main(): Promise<number> {
    const { values } = parseArgs({
        args: process.argv.slice(2),
        options: {
            runs: { type: "string", default: "3" },
            only: { type: "string" },
            sizes: { type: "string", default: "3,30,300" },
            out: { type: "string" },
            "iperf-seconds": { type: "string", default: "5" },
        },
    });
    const runs = Number(values.runs);
    const sizes = (values.sizes ?? "").split(",").map(Number);
    const only = values.only === undefined ? [...PARTS] : values.only.split(",");
    if (!Number.isInteger(runs) || runs < 1 || sizes.some((s) => !Number.isInteger(s) || s < 1) || only.some((p) => !PARTS.includes(p as Part))) {
        process.stderr.write(`usage: npm run bench [-- --runs N] [--only ${PARTS.join(",")}] [--sizes 3,30,300] [--out FILE]\n`);
        return 2;
    }
    // bench/RESULTS.md is the full run's record: a run of some parts, or of other sizes,
    // writes beside the machine's temporary files unless --out says where.
    const full = PARTS.every((p) => only.includes(p)) && values.sizes === "3,30,300";
    const out =
        values.out ?? (full ? path.resolve(__dirname, "..", "bench", "RESULTS.md") : path.join(os.tmpdir(), `docker-overlay-bench-${only.join("-")}.md`));
    const needsLab = only.some((p) => p !== "plan");
    if (needsLab && process.getuid?.() !== 0) {
        process.stderr.write("bench: the convergence, data-plane and change parts use the lab and need root (or use --only plan)\n");
        return 2;
    }
    const workDir = fs.mkdtempSync(path.join(os.tmpdir(), "docker-overlay-bench-"));
    const log = (line: string) => process.stdout.write(`${line}\n`);
    const started = new Date();
    const results: BenchResults = { startedAt: started, seconds: 0, runs, load: {} };
    // The machine may be shared: what else was running shows in the load average.
    const load = (part: string) => {
        results.load[part] = fs.readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
    };
    try {
        if (only.includes("plan")) {
            load("plan");
            results.plan = await benchPlan({ workDir, sizes, containersPerHost: 10, runs, log });
        }
        if (only.includes("converge")) {
            load("convergence");
            results.converge = await benchConverge({ workDir, runs, log });
        }
        if (only.includes("dataplane")) {
            load("data plane");
            results.dataplane = await benchDataplane({ workDir, runs, seconds: Number(values["iperf-seconds"]), log });
        }
        if (only.includes("change")) {
            load("change");
            results.change = await benchChange({ workDir, runs, log });
        }
        load("end");
    } finally {
        fs.rmSync(workDir, { recursive: true, force: true });
    }
    results.seconds = (Date.now() - started.getTime()) / 1000;
    fs.writeFileSync(out, renderResults(results, machine()) + "\n");
    log(`results: ${path.relative(process.cwd(), out)} (${(results.seconds / 60).toFixed(1)} min)`);
    log(headlineLine(headline(results)));
    return 0;
}

main().then(
    (code) => (process.exitCode = code),
    (err: unknown) => {
        process.stderr.write(`bench: ${err instanceof Error ? err.message : String(err)}\n`);
        process.exitCode = 1;
    },
);
