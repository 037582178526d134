/**
 * One plan measurement, run in a fresh process by bench/plan.ts:
 * `node -r runner/register.js bench/planChild.ts <stack-file> <out.json>`
 * does what `npm run plan -- <stack-file>` does (runner/plan.ts: the program
 * under preview mocks, then the JSON document) and writes the document to
 * <out.json>. Prints one JSON line on stdout: when main started (process
 * start-up and module loading), how long planning and rendering took, the
 * number of resources and the process's peak RSS.
 */
import * as fs from "fs";
import { renderPlanJson } from "../lib/render/plan";
import { planStack } from "../runner/plan";

export interface PlanChildReport {
    /** Seconds from process start to main (node, the TypeScript loader runner/register.js, module loading). */
    startup: number;
    /** Seconds in planStack: the program under mocks and the plan document. */
    plan: number;
    /** Seconds rendering the JSON. */
    render: number;
    resources: number;
    /** Peak resident set size of the process, MB. */
    maxRssMB: number;
    /** CPU-seconds (user + system) the process used, start-up included: what the load of other work does not change. */
    cpu: number;
}

/** CPU-seconds (user + system) of this process so far. */
export function cpuSeconds(): number {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1e6;
}

/** Runs a benchmark child's main: exit code 0, or 1 with the error on stderr. */
export function runChild(main: () => Promise<void>): void {
    main().then(
        () => (process.exitCode = 0),
        (err: unknown) => {
            process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
            process.exitCode = 1;
        },
    );
}

async function main(): Promise<void> {
    const [stackFile, outFile] = process.argv.slice(2);
    if (stackFile === undefined || outFile === undefined) {
        throw new Error("usage: planChild.ts <stack-file> <out.json>");
    }
    const startup = process.uptime();
    const t0 = process.hrtime.bigint();
    const doc = await planStack(stackFile);
    const t1 = process.hrtime.bigint();
    const text = renderPlanJson(doc);
    const t2 = process.hrtime.bigint();
    fs.writeFileSync(outFile, text);
    const report: PlanChildReport = {
        startup,
        plan: Number(t1 - t0) / 1e9,
        render: Number(t2 - t1) / 1e9,
        resources: doc.resources.length,
        maxRssMB: process.resourceUsage().maxRSS / 1024,
        cpu: cpuSeconds(),
    };
    process.stdout.write(JSON.stringify(report) + "\n");
}

if (require.main === module) {
    runChild(main);
}
