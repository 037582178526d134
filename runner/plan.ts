/**
 * A plan: the program run as a preview under mocks (no Pulumi CLI, no
 * credentials, no daemons), as `npm run plan` prints it (tools/plan.ts).
 */
import * as fs from "fs";
import { loadStackFile } from "../lib/config/load";
import { hasPlacements, placementsOf } from "../lib/plan/previous";
import { RawConfig } from "../lib/config/types";
import { planDocument, PlanDocument } from "../lib/render/plan";
import { previewMocks } from "./mocks";
import { runProgram } from "./program";

/**
 * The plan document of a stack file: every registration, and the placements the program chose.
 * `placements`: where the deployed stack has its containers (its `placements` output, or the
 * plan it was deployed from), which the program reads back and keeps (lib/plan/previous.ts);
 * none plans a new stack.
 */
export async function planStack(stackFile: string, placements?: Record<string, string>): Promise<PlanDocument> {
    const { stack, raw } = loadStackFile(stackFile);
    return planConfig(stack, raw, placements);
}

/**
 * The plan document of a stack's configuration (as a stack file gives it). A bad config rejects
 * with the program's own ConfigError (validated once, by the program).
 */
export async function planConfig(stack: string, raw: RawConfig, placements?: Record<string, string>): Promise<PlanDocument> {
    const run = await runProgram({
        stack,
        raw,
        mocks: previewMocks,
        preview: true,
        secrets: { sshPrivateKey: "plan-placeholder" },
        ...(placements !== undefined ? { stackOutputs: { placements } } : {}),
    });
    return planDocument(run.registrations, (run.outputs["placements"] ?? {}) as Record<string, string>);
}

/**
 * The placements a `--deployed <file>` gives (`npm run plan`, `npm run diagnose`): the file holds
 * the stack's outputs (`pulumi stack output --json`) or the JSON plan it was deployed from,
 * either with a top-level `placements` object. A file that cannot be read, is not JSON or has
 * no `placements` throws, naming the flag, the file and what to pass.
 */
export function deployedPlacements(file: string): Record<string, string> {
    const what = `--deployed ${file}`;
    let text: string;
    try {
        text = fs.readFileSync(file, "utf8");
    } catch (err) {
        throw new Error(`${what}: cannot read it (${(err as Error).message})`);
    }
    let parsed: unknown;
    try {
        parsed = JSON.parse(text);
    } catch (err) {
        throw new Error(`${what}: not JSON (${(err as Error).message}); pass \`pulumi stack output --json\` or the JSON plan the stack was deployed from`);
    }
    if (!hasPlacements(parsed)) {
        throw new Error(`${what}: no top-level "placements" object; pass \`pulumi stack output --json\` or the JSON plan the stack was deployed from`);
    }
    return placementsOf(parsed);
}
