/**
 * `command:remote:Command` as the command provider runs it (read in
 * pulumi/pulumi-command's provider/pkg/provider/remote/commandOutputs.go and
 * the older remotecommand.go): `create` over one ssh connection per run
 * (lab/clients/ssh.ts), stdout and stderr reported without their final
 * newline. Delete runs `delete` the same way, with the create step's output
 * in PULUMI_COMMAND_STDOUT / PULUMI_COMMAND_STDERR when non-empty.
 */
import { parseHostKey } from "../../lib/ssh/hostKey";
import { RemoteConnectionInputs, RemoteDialError, RemoteResult } from "../clients/ssh";
import { scriptFailure, trimOutput } from "../clients/script";
import { tableDiff } from "./diff";
import { NothingPerformedError, ResourceHandler } from "./handler";
import { COMMAND_DIFF, previousOutputEnv, previousOutputs, updateScript } from "./localCommand";

export type { RemoteConnectionInputs } from "../clients/ssh";

export const REMOTE_COMMAND_TYPE = "command:remote:Command";

export interface RemoteCommandInputs {
    connection?: RemoteConnectionInputs;
    create?: string;
    delete?: string;
    update?: string;
    environment?: Record<string, string>;
    stdin?: string;
    triggers?: unknown[];
}

/** The inputs @pulumi/command's remote.Command sends; anything else is refused. */
export const KNOWN_REMOTE_COMMAND_INPUTS: readonly string[] = ["connection", "create", "delete", "update", "environment", "stdin", "triggers"];
export const KNOWN_CONNECTION_INPUTS: readonly string[] = ["host", "port", "user", "privateKey", "password", "hostKey", "dialErrorLimit", "perDialTimeout"];

/** Checks a remote Command's inputs; returns what is wrong, one line each (empty when fine). */
export function remoteCommandProblems(inputs: Record<string, unknown>): string[] {
    const problems: string[] = [];
    const unknown = Object.keys(inputs).filter((k) => inputs[k] !== undefined && !KNOWN_REMOTE_COMMAND_INPUTS.includes(k));
    if (unknown.length > 0) {
        problems.push(`the lab applier does not support input(s) ${unknown.map((k) => `"${k}"`).join(", ")}`);
    }
    const c = inputs["connection"];
    if (c === undefined || c === null || typeof c !== "object" || Array.isArray(c)) {
        problems.push(`input "connection" is not set`);
        return problems;
    }
    const conn = c as Record<string, unknown>;
    const unknownConn = Object.keys(conn).filter((k) => conn[k] !== undefined && !KNOWN_CONNECTION_INPUTS.includes(k));
    if (unknownConn.length > 0) {
        problems.push(`the lab applier does not support connection field(s) ${unknownConn.map((k) => `"${k}"`).join(", ")}`);
    }
    if (typeof conn["host"] !== "string" || conn["host"] === "") {
        problems.push(`connection.host is not set`);
    }
    if (conn["privateKey"] === undefined && conn["password"] === undefined) {
        problems.push(`connection has neither privateKey nor password`);
    }
    if (conn["hostKey"] !== undefined) {
        const key = typeof conn["hostKey"] === "string" ? parseHostKey(conn["hostKey"]) : "is not a string";
        if (typeof key === "string") {
            problems.push(`connection.hostKey ${key}`);
        }
    }
    return problems;
}

export const remoteCommand: ResourceHandler = {
    // docs/provider-rules.md:290-305: the same table as command:local:Command (lab/resources/localCommand.ts).
    diff: (req) => tableDiff(COMMAND_DIFF)(req.olds, req.news),
    types: [REMOTE_COMMAND_TYPE],
    /** Runs a remote Command's `create` over ssh, as the command provider does (lab/clients/ssh.ts). */
    async create(ctx, r) {
        const problems = remoteCommandProblems(r.inputs);
        if (problems.length > 0) {
            throw new Error(`${r.type} ${r.urn}: ${problems.join("; ")}`);
        }
        const inputs = r.inputs as RemoteCommandInputs;
        const state: Record<string, unknown> = { ...r.inputs };
        if (inputs.create !== undefined && inputs.create !== "") {
            let result: RemoteResult;
            try {
                result = await ctx.deps.runRemote({
                    connection: inputs.connection!,
                    command: inputs.create,
                    environment: inputs.environment,
                    stdin: inputs.stdin,
                });
            } catch (err) {
                const message = `${r.type} ${r.urn}: create: ${(err as Error).message}`;
                throw err instanceof RemoteDialError ? new NothingPerformedError(message) : new Error(message);
            }
            if (result.code !== 0) {
                throw new Error(scriptFailure(`${r.type} ${r.urn}: create on ${inputs.connection!.host}`, result));
            }
            state["stdout"] = trimOutput(result.stdout);
            state["stderr"] = trimOutput(result.stderr);
        }
        return { id: `${r.name}-${ctx.deps.newId().slice(0, 8)}`, state };
    },
    /** An update runs `update`, else `create`, over ssh (lab/resources/localCommand.ts's updateScript). */
    async update(ctx, old, r) {
        const problems = remoteCommandProblems(r.inputs);
        if (problems.length > 0) {
            throw new Error(`${r.type} ${r.urn}: ${problems.join("; ")}`);
        }
        const inputs = r.inputs as RemoteCommandInputs;
        const state: Record<string, unknown> = { ...r.inputs, ...previousOutputs(old.outputs) };
        const script = updateScript(inputs);
        if (script !== undefined) {
            let result: RemoteResult;
            try {
                result = await ctx.deps.runRemote({
                    connection: inputs.connection!,
                    command: script,
                    environment: { ...(inputs.environment ?? {}), ...previousOutputEnv(old.outputs) },
                    stdin: inputs.stdin,
                });
            } catch (err) {
                throw new Error(`${r.type} ${r.urn}: update: ${(err as Error).message}`);
            }
            if (result.code !== 0) {
                throw new Error(scriptFailure(`${r.type} ${r.urn}: update on ${inputs.connection!.host}`, result));
            }
            state["stdout"] = trimOutput(result.stdout);
            state["stderr"] = trimOutput(result.stderr);
        }
        return { id: old.id, state };
    },
    /**
     * Runs a remote Command's `delete` over ssh. A machine that does not answer fails the
     * delete, as the provider's does: Delete runs the script (PC `remote/commandController.go:86-92`),
     * whose dial error is returned as is (`remote/commandOutputs.go:30-34`).
     */
    async delete(ctx, r) {
        const inputs = r.inputs as RemoteCommandInputs;
        if (inputs.delete === undefined || inputs.delete === "") {
            return "nothing";
        }
        const problems = remoteCommandProblems(r.inputs);
        if (problems.length > 0) {
            throw new Error(`${r.type} ${r.urn}: ${problems.join("; ")}`);
        }
        // The provider sends the create step's output along, when there was any.
        const environment: Record<string, string> = { ...(inputs.environment ?? {}), ...previousOutputEnv(r.outputs) };
        let result: RemoteResult;
        try {
            result = await ctx.deps.runRemote({ connection: inputs.connection!, command: inputs.delete, environment, stdin: inputs.stdin });
        } catch (err) {
            throw new Error(`${r.type} ${r.urn}: delete: ${(err as Error).message}`);
        }
        if (result.code !== 0) {
            throw new Error(scriptFailure(`${r.type} ${r.urn}: delete on ${inputs.connection!.host}`, result));
        }
        return "deleted";
    },
};
