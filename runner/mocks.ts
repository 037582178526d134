/**
 * The preview's mocks, on their own so that the benchmark's floor program
 * (bench/floorChild.ts) runs under exactly these without loading the plan's
 * config code. runner/plan.ts re-exports them.
 */
import * as pulumi from "@pulumi/pulumi";

/** Invokes the program may make; in a preview their dependencies are unknown, so they are not called. */
const PREVIEW_INVOKES = new Set(["consul:index/getKeyPrefix:getKeyPrefix"]);

/** Mocks for a preview: each resource's outputs are its inputs, ids stay unknown, unexpected invokes throw. */
export const previewMocks: pulumi.runtime.Mocks = {
    newResource: (args) => ({ id: undefined, state: args.inputs as Record<string, unknown> }),
    call: (args) => {
        if (PREVIEW_INVOKES.has(args.token)) {
            return {};
        }
        throw new Error(`plan: unexpected invoke ${args.token}`);
    },
};
