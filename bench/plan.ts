/**
 * Program scale: `plan` of generated topologies (bench/topology.ts) with H
 * hosts and C containers per host, each run in a fresh process
 * (bench/planChild.ts) so the wall time includes start-up and the peak RSS is
 * that run's alone.
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { PlanChildReport } from "./planChild";
import { scaleStack, writeStack } from "./topology";

export const REPO = path.resolve(__dirname, "..");

export interface PlanRun extends PlanChildReport {
    /** Seconds from spawning the process to its exit. */
    wall: number;
}

export interface PlanSize {
    hosts: number;
    containersPerHost: number;
    stackFile: string;
    runs: PlanRun[];
}

/** Runs one plan in a fresh `node -r ts-node/register/transpile-only` process (what `npm run plan` runs). */
export function planOnce(stackFile: string, outFile: string, timeoutMs = 180_000): Promise<PlanRun> {
    return new Promise((resolve, reject) => {
        const started = process.hrtime.bigint();
        const child = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", path.join(REPO, "bench", "planChild.ts"), stackFile, outFile], {
            cwd: REPO,
            stdio: ["ignore", "pipe", "pipe"],
        });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
        child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
        const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
        child.on("error", reject);
        child.on("close", (code, signal) => {
            clearTimeout(timer);
            const wall = Number(process.hrtime.bigint() - started) / 1e9;
            if (code !== 0) {
                reject(new Error(`plan of ${stackFile} failed (${signal ?? `exit ${code}`}):\n${stderr.trim().split("\n").slice(-15).join("\n")}`));
                return;
            }
            try {
                resolve({ ...(JSON.parse(stdout.trim().split("\n").pop() ?? "") as PlanChildReport), wall });
            } catch (err) {
                reject(new Error(`plan of ${stackFile}: unreadable report ${JSON.stringify(stdout)}: ${(err as Error).message}`));
            }
        });
    });
}

export async function benchPlan(opts: {
    workDir: string;
    sizes: number[];
    containersPerHost: number;
    runs: number;
    log: (line: string) => void;
}): Promise<PlanSize[]> {
    const results: PlanSize[] = [];
    for (const hosts of opts.sizes) {
        const stackFile = writeStack(path.join(opts.workDir, "plan"), scaleStack({ hosts, containersPerHost: opts.containersPerHost }));
        results.push({ hosts, containersPerHost: opts.containersPerHost, stackFile, runs: [] });
    }
    // Sizes interleaved run by run, so a burst of load on the machine does not hit one size only.
    for (let run = 0; run < opts.runs; run++) {
        for (const size of results) {
            const out = path.join(opts.workDir, "plan", `plan-${size.hosts}x${size.containersPerHost}.json`);
            const r = await planOnce(size.stackFile, out);
            size.runs.push(r);
            opts.log(
                `plan ${size.hosts}x${size.containersPerHost} run ${run + 1}: ${r.wall.toFixed(2)} s wall ` +
                    `(start-up ${r.startup.toFixed(2)}, plan ${r.plan.toFixed(2)}, render ${r.render.toFixed(2)}), ` +
                    `${r.resources} resources, peak RSS ${r.maxRssMB.toFixed(0)} MB`,
            );
            fs.rmSync(out, { force: true });
        }
    }
    return results;
}
