/**
 * Program scale: `plan` of generated topologies (bench/topology.ts) with H
 * hosts and C containers per host, each run in a fresh process
 * (bench/planChild.ts) so the wall time includes start-up and the peak RSS is
 * that run's alone. Beside each plan run, the same size's floor
 * (bench/floor.ts, bench/floorChild.ts): the same resources registered with
 * the Pulumi SDK alone in the same kind of process, whose shape is taken from
 * the first plan run's document.
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { PROJECT } from "../lib/config/types";
import { PlanDocument } from "../lib/render/plan";
import { floorShape } from "./floor";
import { PlanChildReport } from "./planChild";
import { scaleStack, writeStack } from "./topology";
import { nodeTsArgv } from "../runner/tsNode";

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
    /** The floor's runs, one beside each plan run (bench/floorChild.ts). */
    floor: PlanRun[];
}

/** Runs one plan in a fresh `node -r runner/register.js` process (what `npm run plan` runs). */
export function planOnce(stackFile: string, outFile: string, timeoutMs = 180_000): Promise<PlanRun> {
    return childRun("planChild.ts", [stackFile, outFile], `plan of ${stackFile}`, timeoutMs);
}

/** Runs one floor (bench/floorChild.ts) of the shape in `shapeFile` in the same kind of process as planOnce. */
export function floorOnce(shapeFile: string, stack: string, timeoutMs = 180_000): Promise<PlanRun> {
    return childRun("floorChild.ts", [shapeFile, stack], `floor of ${shapeFile}`, timeoutMs);
}

/** Writes the floor's shape for a plan's document (the JSON `npm run plan` prints) and returns its path. */
export function writeFloorShape(planFile: string, shapeFile: string): string {
    const doc = JSON.parse(fs.readFileSync(planFile, "utf8")) as PlanDocument;
    fs.writeFileSync(shapeFile, JSON.stringify(floorShape(doc, PROJECT)));
    return shapeFile;
}

function childRun(script: string, args: string[], what: string, timeoutMs: number): Promise<PlanRun> {
    return new Promise((resolve, reject) => {
        const started = process.hrtime.bigint();
        const [node, ...argv] = nodeTsArgv(path.join(REPO, "bench", script), ...args);
        const child = spawn(node, argv, {
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
                reject(new Error(`${what} failed (${signal ?? `exit ${code}`}):\n${stderr.trim().split("\n").slice(-15).join("\n")}`));
                return;
            }
            try {
                resolve({ ...(JSON.parse(stdout.trim().split("\n").pop() ?? "") as PlanChildReport), wall });
            } catch (err) {
                reject(new Error(`${what}: unreadable report ${JSON.stringify(stdout)}: ${(err as Error).message}`));
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
        results.push({ hosts, containersPerHost: opts.containersPerHost, stackFile, runs: [], floor: [] });
    }
    // Sizes interleaved run by run, and each plan followed by its floor, so a burst of load on
    // the machine does not hit one size or one side only.
    for (let run = 0; run < opts.runs; run++) {
        for (const size of results) {
            const label = `${size.hosts}x${size.containersPerHost}`;
            const out = path.join(opts.workDir, "plan", `plan-${label}.json`);
            const shape = path.join(opts.workDir, "plan", `floor-${label}.json`);
            const r = await planOnce(size.stackFile, out);
            size.runs.push(r);
            opts.log(
                `plan ${label} run ${run + 1}: ${r.wall.toFixed(2)} s wall ` +
                    `(start-up ${r.startup.toFixed(2)}, plan ${r.plan.toFixed(2)}, render ${r.render.toFixed(2)}), ` +
                    `${r.cpu.toFixed(2)} CPU-s, ${r.resources} resources, peak RSS ${r.maxRssMB.toFixed(0)} MB`,
            );
            if (run === 0) {
                writeFloorShape(out, shape);
            }
            fs.rmSync(out, { force: true });
            const f = await floorOnce(shape, path.basename(size.stackFile).replace(/^Pulumi\.|\.yaml$/g, ""));
            if (f.resources !== r.resources) {
                throw new Error(`floor ${label}: ${f.resources} resources, the plan ${r.resources}`);
            }
            size.floor.push(f);
            opts.log(
                `floor ${label} run ${run + 1}: ${f.wall.toFixed(2)} s wall (start-up ${f.startup.toFixed(2)}, registering ${f.plan.toFixed(2)}), ` +
                    `${f.cpu.toFixed(2)} CPU-s, peak RSS ${f.maxRssMB.toFixed(0)} MB; plan/floor ${(r.wall / f.wall).toFixed(2)}`,
            );
        }
    }
    return results;
}
