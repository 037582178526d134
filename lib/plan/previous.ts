/**
 * What the running stack already has, as the program reads it back: the stack's own
 * outputs from its last update (`placements`, index.ts's export). A running stack keeps
 * its containers where they run (lib/placement/place.ts), so the program needs them.
 *
 * They come through the engine's built-in invoke `pulumi:pulumi:readStackOutputs`
 * (pulumi/pulumi v3.248.0 `pkg/resource/deploy/builtins.go:327-350`, answered by
 * `readStackReference`, :366-409: `{ name, outputs, secretOutputNames }`), the read a
 * StackReference makes, but with no `pulumi:pulumi:StackReference` resource in the state: a
 * StackReference's read step counts as a change whenever the outputs it read differ from
 * those it read last time (`pkg/engine/update.go:1247-1258`, `shouldRecordReadStep`), and a stack that
 * reads itself would so show a change on the `up` after every change. The engine routes the
 * `pulumi` package to its built-in provider (`pkg/resource/deploy/providers/registry.go:374`).
 * A stack that was never updated has no outputs: nothing is kept.
 */

/** The engine's built-in invoke that returns a stack's outputs. */
export const READ_STACK_OUTPUTS = "pulumi:pulumi:readStackOutputs";

/** The fully qualified name the invoke takes: `<organization>/<project>/<stack>`. */
export function ownStackName(organization: string, project: string, stack: string): string {
    return `${organization}/${project}/${stack}`;
}

/**
 * The placements the running stack has, from what the invoke returned (`{ outputs, ... }`):
 * placementsOf its outputs; no outputs (a stack never updated) keep nothing.
 */
export function previousPlacements(result: unknown): Record<string, string> {
    return placementsOf(isRecord(result) ? result["outputs"] : undefined);
}

/**
 * A stack's outputs' `placements`: each container name -> host name that is a string (anything
 * else, or no `placements`, is nothing to keep: placement then spreads afresh, as for a new
 * stack). Also what `pulumi stack output --json` prints, and a plan document (its top-level
 * `placements`).
 */
export function placementsOf(outputs: unknown): Record<string, string> {
    const placements = isRecord(outputs) ? outputs["placements"] : undefined;
    const kept: Record<string, string> = {};
    if (isRecord(placements)) {
        for (const [container, host] of Object.entries(placements)) {
            if (typeof host === "string") {
                kept[container] = host;
            }
        }
    }
    return kept;
}

/** Whether a stack's outputs (or a plan document) hold a `placements` object at all. */
export function hasPlacements(outputs: unknown): boolean {
    return isRecord(outputs) && isRecord(outputs["placements"]);
}

function isRecord(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}
