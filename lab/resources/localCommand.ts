/**
 * `command:local:Command` as the command provider runs it: `create` at
 * create, `delete` at delete (with the create step's output), each through
 * the resource's `interpreter` (the provider's default is `/bin/sh -c`, so the
 * lab uses that too: a bash-only script fails here as it would under
 * `pulumi up`), with `environment` merged over the process's own
 * (lab/clients/script.ts).
 */
import { scriptFailure, trimOutput } from "../clients/script";
import { DiffTable, never, tableDiff } from "./diff";
import { ResourceHandler } from "./handler";

export const COMMAND_TYPE = "command:local:Command";

export interface CommandInputs {
    create?: string;
    delete?: string;
    update?: string;
    environment?: Record<string, string>;
    interpreter?: string[];
    dir?: string;
    stdin?: string;
    triggers?: unknown[];
}

export const KNOWN_COMMAND_INPUTS: readonly string[] = ["create", "delete", "update", "environment", "interpreter", "dir", "stdin", "triggers"];

/**
 * What a Command input change is to the command provider (docs/provider-rules.md:290-305):
 * every input is an update, which re-runs `update`, else `create`
 * (pulumi-go-provider infer/resource.go:1132-1152; pulumi-command
 * local/commandController.go:67-90), also `triggers`: the provider compares top-level
 * names only; what replaces on `triggers` is the `replaceOnChanges: ["triggers[*]"]` the
 * SDK adds to every Command (docs/provider-rules.md:294; @pulumi/command
 * local/command.js:155-156), which the runner records with the options and the step
 * generator applies. Never delete-before-replace from the provider (infer/resource.go:1247-1252).
 * Shared by command:remote:Command (same framework, same table).
 */
export const COMMAND_DIFF: DiffTable = {
    inputs: {},
    otherwise: "update",
    deleteBeforeReplace: never,
};

export const localCommand: ResourceHandler = {
    diff: (req) => tableDiff(COMMAND_DIFF)(req.olds, req.news),
    types: [COMMAND_TYPE],
    async create(ctx, r) {
        const inputs = r.inputs as CommandInputs;
        const unknown = Object.keys(r.inputs).filter((k) => r.inputs[k] !== undefined && !KNOWN_COMMAND_INPUTS.includes(k));
        if (unknown.length > 0) {
            throw new Error(`${r.type} ${r.urn}: the lab applier does not support input(s) ${unknown.map((k) => `"${k}"`).join(", ")}`);
        }
        const state: Record<string, unknown> = { ...r.inputs };
        if (inputs.create !== undefined && inputs.create !== "") {
            const result = await ctx.deps.runScript({
                script: inputs.create,
                interpreter: inputs.interpreter,
                environment: inputs.environment,
                dir: inputs.dir,
                stdin: inputs.stdin,
            });
            if (result.code !== 0) {
                throw new Error(scriptFailure(`${r.type} ${r.urn}: create`, result));
            }
            state["stdout"] = trimOutput(result.stdout);
            state["stderr"] = trimOutput(result.stderr);
        }
        return { id: `${r.name}-${ctx.deps.newId().slice(0, 8)}`, state };
    },
    async delete(ctx, r) {
        const inputs = r.inputs as CommandInputs;
        if (inputs.delete === undefined || inputs.delete === "") {
            return "nothing";
        }
        const out = r.outputs ?? {};
        const result = await ctx.deps.runScript({
            script: inputs.delete,
            interpreter: inputs.interpreter,
            // The command provider hands delete the create step's output.
            environment: {
                ...(inputs.environment ?? {}),
                PULUMI_COMMAND_STDOUT: typeof out["stdout"] === "string" ? out["stdout"] : "",
                PULUMI_COMMAND_STDERR: typeof out["stderr"] === "string" ? out["stderr"] : "",
            },
            dir: inputs.dir,
        });
        if (result.code !== 0) {
            throw new Error(scriptFailure(`${r.type} ${r.urn}: delete`, result));
        }
        return "deleted";
    },
};
