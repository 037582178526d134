/**
 * A plan: the program run as a preview under mocks (no Pulumi CLI, no
 * credentials, no daemons), as `npm run plan` prints it (tools/plan.ts).
 */
import { loadStackFile } from "../lib/config/load";
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
