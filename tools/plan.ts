/**
 * `npm run plan -- <stack-file> [--format json|yaml|text|mermaid] [--deployed <file.json>]`
 * Runs the program under mocks (no Pulumi CLI, no credentials, no daemons)
 * and prints what it would create (runner/plan.ts). `--deployed`: what the stack
 * runs now, as JSON with a top-level `placements` (`pulumi stack output --json`, or
 * the JSON plan it was deployed from): its containers stay where they are while
 * they fit, as the program keeps them on `pulumi up` (lib/plan/previous.ts).
 */
import { PlanDocument, renderPlanJson, renderPlanMermaid, renderPlanText, renderPlanYaml } from "../lib/render/plan";
import { deployedPlacements, planStack } from "../runner/plan";
import { parseArgs } from "util";

const RENDERERS: Record<string, ((doc: PlanDocument) => string) | undefined> = {
    json: renderPlanJson,
    yaml: renderPlanYaml,
    text: renderPlanText,
    mermaid: renderPlanMermaid,
};

/** By name: the program's ConfigError comes from its own load of lib/ (runner/program.ts forgets its modules). */
function isConfigError(err: unknown): err is Error {
    return err instanceof Error && err.name === "ConfigError";
}

async function main(): Promise<number> {
    const { values, positionals } = parseArgs({
        args: process.argv.slice(2),
        options: { format: { type: "string", default: "json" }, deployed: { type: "string" } },
        allowPositionals: true,
    });
    const format = values.format ?? "json";
    const render = RENDERERS[format];
    if (positionals.length !== 1 || render === undefined) {
        process.stderr.write(`usage: npm run plan -- <stack-file.yaml> [--format ${Object.keys(RENDERERS).join("|")}] [--deployed <outputs-or-plan.json>]\n`);
        return 2;
    }
    let deployed: Record<string, string> | undefined;
    try {
        deployed = values.deployed !== undefined ? deployedPlacements(values.deployed) : undefined;
    } catch (err) {
        process.stderr.write(`plan: ${(err as Error).message}\n`);
        return 2;
    }
    const doc = await planStack(positionals[0], deployed);
    process.stdout.write(render(doc));
    return 0;
}

if (require.main === module) {
    // The program's ConfigError also reaches the Pulumi runtime, which reports it again as
    // unhandled rejections (the whole object, twice): it is printed once, below. Anything else
    // fails as Node would.
    process.on("unhandledRejection", (reason: unknown) => {
        if (!isConfigError(reason)) {
            throw reason;
        }
    });
    // exitCode, not exit(): a piped stdout must drain before the process ends.
    main().then(
        (code) => (process.exitCode = code),
        (err: unknown) => {
            process.stderr.write(`${isConfigError(err) ? err.message : err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
            process.exitCode = 1;
        },
    );
}
