/**
 * `command:local:Command` as the command provider runs it: `create` at
 * create, `update` (else `create`) at an update, `delete` at delete (with the create step's output), each through
 * the resource's `interpreter` (the provider's default is `/bin/sh -c`, so the
 * lab uses that too: a bash-only script fails here as it would under
 * `pulumi up`), with `environment` merged over the process's own
 * (lab/clients/script.ts).
 */
import { scriptFailure, trimOutput } from "../clients/script";
import { DiffTable, never, tableDiff } from "./diff";
import { ResourceRecord } from "../state";
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

/**
 * What an update runs (pulumi/pulumi-command 010bd8e0, provider/pkg/provider/local/commandController.go:67-90;
 * the same in remote/commandController.go:63-84): `update` when given, else `create`, else
 * nothing; the state keeps the old `stdout`/`stderr` until the script replaces them, and
 * the script gets them as PULUMI_COMMAND_STDOUT / PULUMI_COMMAND_STDERR when non-empty
 * (local/commandOutputs.go:88-95, remote/commandOutputs.go:51-60).
 */
export function updateScript(inputs: { create?: string; update?: string }): string | undefined {
    const script = inputs.update ?? inputs.create;
    return script === undefined || script === "" ? undefined : script;
}

/** The previous run's output as the command provider hands it to the next script: only non-empty values. */
export function previousOutputEnv(outputs: Record<string, unknown> | undefined): Record<string, string> {
    const env: Record<string, string> = {};
    for (const [name, key] of [
        ["PULUMI_COMMAND_STDOUT", "stdout"],
        ["PULUMI_COMMAND_STDERR", "stderr"],
    ] as const) {
        const v = outputs?.[key];
        if (typeof v === "string" && v !== "") {
            env[name] = v;
        }
    }
    return env;
}

/** The old stdout/stderr an update starts from (commandController.go:74: BaseOutputs of the old state). */
export function previousOutputs(outputs: Record<string, unknown> | undefined): Record<string, unknown> {
    return Object.fromEntries(["stdout", "stderr"].filter((k) => outputs?.[k] !== undefined).map((k) => [k, outputs![k]]));
}

/** Runs one of the command's scripts as pulumi-command does; its stdout and stderr, or the failure. */
async function runOrFail(
    ctx: Parameters<ResourceHandler["create"]>[0],
    r: ResourceRecord,
    what: "create" | "update",
    script: string,
    environment: Record<string, string> | undefined,
): Promise<{ stdout: string; stderr: string }> {
    const inputs = r.inputs as CommandInputs;
    const result = await ctx.deps.runScript({ script, interpreter: inputs.interpreter, environment, dir: inputs.dir, stdin: inputs.stdin });
    if (result.code !== 0) {
        throw new Error(scriptFailure(`${r.type} ${r.urn}: ${what}`, result));
    }
    return { stdout: trimOutput(result.stdout), stderr: trimOutput(result.stderr) };
}

function assertKnownCommandInputs(r: ResourceRecord): void {
    const unknown = Object.keys(r.inputs).filter((k) => r.inputs[k] !== undefined && !KNOWN_COMMAND_INPUTS.includes(k));
    if (unknown.length > 0) {
        throw new Error(`${r.type} ${r.urn}: the lab applier does not support input(s) ${unknown.map((k) => `"${k}"`).join(", ")}`);
    }
}

export const localCommand: ResourceHandler = {
    diff: (req) => tableDiff(COMMAND_DIFF)(req.olds, req.news),
    types: [COMMAND_TYPE],
    async update(ctx, old, r) {
        assertKnownCommandInputs(r);
        const inputs = r.inputs as CommandInputs;
        const state: Record<string, unknown> = { ...r.inputs, ...previousOutputs(old.outputs) };
        const script = updateScript(inputs);
        if (script !== undefined) {
            Object.assign(state, await runOrFail(ctx, r, "update", script, { ...(inputs.environment ?? {}), ...previousOutputEnv(old.outputs) }));
        }
        return { id: old.id, state };
    },
    async create(ctx, r) {
        assertKnownCommandInputs(r);
        const inputs = r.inputs as CommandInputs;
        const state: Record<string, unknown> = { ...r.inputs };
        if (inputs.create !== undefined && inputs.create !== "") {
            Object.assign(state, await runOrFail(ctx, r, "create", inputs.create, inputs.environment));
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
