/**
 * `npm run plan -- <stack-file> [--format json|text|mermaid]`
 * Runs the program under mocks (no Pulumi CLI, no credentials, no daemons)
 * and prints what it would create.
 */
import * as pulumi from "@pulumi/pulumi";
import { loadStackFile } from "../lib/config/load";
import { ConfigError } from "../lib/config/validate";
import { planDocument, PlanDocument, renderPlanJson, renderPlanMermaid, renderPlanText } from "../lib/render/plan";
import { runProgram } from "./harness";
import { parseArgs } from "util";

/** Invokes the program may make; in a preview their dependencies are unknown, so they are not called. */
const PREVIEW_INVOKES = new Set(["consul:index/getKeyPrefix:getKeyPrefix"]);

/** Mocks for a preview: each resource's outputs are its inputs, ids stay unknown, unexpected invokes throw. */
export const previewMocks: pulumi.runtime.Mocks = {
    newResource: (args) => ({ id: undefined, state: args.inputs }),
    call: (args) => {
        if (PREVIEW_INVOKES.has(args.token)) {
            return {};
        }
        throw new Error(`plan: unexpected invoke ${args.token}`);
    },
};

export async function planStack(stackFile: string): Promise<PlanDocument> {
    const { stack, raw } = loadStackFile(stackFile);
    const run = await runProgram({ stack, raw, mocks: previewMocks, preview: true, secrets: { sshPrivateKey: "plan-placeholder" } });
    return planDocument(run.registrations, (run.outputs["placements"] ?? {}) as Record<string, string>);
}

async function main(): Promise<number> {
    const { values, positionals } = parseArgs({
        args: process.argv.slice(2),
        options: { format: { type: "string", default: "json" } },
        allowPositionals: true,
    });
    const format = values.format ?? "json";
    if (positionals.length !== 1 || !["json", "text", "mermaid"].includes(format)) {
        process.stderr.write("usage: npm run plan -- <stack-file.yaml> [--format json|text|mermaid]\n");
        return 2;
    }
    const doc = await planStack(positionals[0]);
    const render = format === "text" ? renderPlanText : format === "mermaid" ? renderPlanMermaid : renderPlanJson;
    process.stdout.write(render(doc));
    return 0;
}

if (require.main === module) {
    // exitCode, not exit(): a piped stdout must drain before the process ends.
    main().then(
        (code) => (process.exitCode = code),
        (err: unknown) => {
            process.stderr.write(`${err instanceof ConfigError ? err.message : err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
            process.exitCode = 1;
        },
    );
}
