/**
 * A plan: the program run as a preview under mocks (no Pulumi CLI, no
 * credentials, no daemons), as `npm run plan` prints it (tools/plan.ts).
 */
import { loadStackFile } from "../lib/config/load";
import { PROJECT } from "../lib/config/types";
import { planDocument, PlanDocument } from "../lib/render/plan";
import { previewMocks } from "./mocks";
import { runProgram } from "./program";

/**
 * The program's own refusal of a bad stack config (lib/config/validate ConfigError's message). The
 * Pulumi runtime reports it again as unhandled rejections; those echoes are swallowed, so it is
 * reported once, as the run's error. (Validating here first, as this did before, ran validation
 * twice on every plan.)
 */
export const CONFIG_ERROR_ECHO = new RegExp(`^${PROJECT}: \\d+ problems? in the stack configuration:`);

/** The plan document of a stack file: every registration, and the placements the program chose. */
export async function planStack(stackFile: string): Promise<PlanDocument> {
    const { stack, raw } = loadStackFile(stackFile);
    const run = await runProgram({
        stack,
        raw,
        mocks: previewMocks,
        preview: true,
        secrets: { sshPrivateKey: "plan-placeholder" },
        echoes: CONFIG_ERROR_ECHO,
    });
    return planDocument(run.registrations, (run.outputs["placements"] ?? {}) as Record<string, string>);
}
