/**
 * One floor measurement (bench/floor.ts), run in a fresh process by
 * bench/plan.ts exactly as a plan is (bench/planChild.ts):
 * `node -r runner/register.js bench/floorChild.ts <shape.json> <stack>`
 * registers the shape's resources, flat, with the Pulumi SDK under the
 * preview's mocks, and prints the same one-line JSON report as a plan.
 *
 * What the floor shares with a plan, so the ratio is the project's alone: the
 * process (node, runner/register.js), the SDK and provider packages, the mocks, the
 * stack-trace limit the runner sets while a program runs (runner/program.ts,
 * STACK_FRAMES_WHILE_RUNNING), and registering a batch at a time with a yield
 * to the event loop in between (as the program builds its containers), so the
 * floor is the SDK at its best, not a naive program. What it leaves out is
 * everything the project does: config loading and validation, placement,
 * rendering, the check script, outputs read and applies, components as
 * parents, providers and dependencies, the runner's registration hook and
 * module reloading, and the plan document.
 */
import * as fs from "fs";
import * as pulumi from "@pulumi/pulumi";
import { PROJECT } from "../lib/config/types";
import { previewMocks } from "../runner/mocks";
import { STACK_FRAMES_WHILE_RUNNING } from "../runner/program";
import { classPath, FloorResource } from "./floor";
import { cpuSeconds, PlanChildReport, runChild } from "./planChild";

/** Resources registered between two yields to the event loop. */
export const FLOOR_BATCH = Number(process.env["FLOOR_BATCH"] ?? 10);

type Ctor = new (name: string, args: Record<string, unknown>) => pulumi.Resource;

/** The provider package's class for a custom type (bench/floor.ts, classPath). */
export async function classOf(type: string): Promise<Ctor> {
    const { pkg, path } = classPath(type);
    let v: unknown = await import(pkg);
    for (const p of path) {
        v = v !== null && typeof v === "object" ? (v as Record<string, unknown>)[p] : undefined;
    }
    if (typeof v !== "function") {
        throw new Error(`floor: no class for ${type} in ${pkg}`);
    }
    return v as Ctor;
}

async function main(): Promise<void> {
    const [shapeFile, stack] = process.argv.slice(2);
    if (shapeFile === undefined || stack === undefined) {
        throw new Error("usage: floorChild.ts <shape.json> <stack>");
    }
    const startup = process.uptime();
    const t0 = process.hrtime.bigint();
    const shape = JSON.parse(fs.readFileSync(shapeFile, "utf8")) as FloorResource[];
    Error.stackTraceLimit = STACK_FRAMES_WHILE_RUNNING;
    await pulumi.runtime.setMocks(previewMocks, PROJECT, stack, true);
    const classes = new Map<string, Ctor>();
    for (const type of new Set(shape.filter((r) => r.custom).map((r) => r.type))) {
        classes.set(type, await classOf(type));
    }
    await pulumi.runtime.runInPulumiStack(async () => {
        for (let i = 0; i < shape.length; i++) {
            if (i > 0 && i % FLOOR_BATCH === 0) {
                await new Promise((resolve) => setImmediate(resolve));
            }
            const r = shape[i];
            if (r.custom) {
                new (classes.get(r.type)!)(r.name, r.inputs);
            } else {
                new pulumi.ComponentResource(r.type, r.name, r.inputs);
            }
        }
        return {};
    });
    // Not in the SDK's typings (internal), as in runner/program.ts.
    const settings = (await import("@pulumi/pulumi/runtime/settings")) as unknown as { waitForRPCs(): Promise<void> };
    await settings.waitForRPCs();
    const t1 = process.hrtime.bigint();
    const report: PlanChildReport = {
        startup,
        plan: Number(t1 - t0) / 1e9,
        render: 0,
        resources: shape.length + 1,
        maxRssMB: process.resourceUsage().maxRSS / 1024,
        cpu: cpuSeconds(),
    };
    process.stdout.write(JSON.stringify(report) + "\n");
}

if (require.main === module) {
    runChild(main);
}
