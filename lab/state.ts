/**
 * The lab's record of what it performed: one JSON file per stack, written as
 * each resource begins and ends, so an `up` that crashed half-way can still
 * be torn down by `down`. It plays the part of Pulumi's state file for the lab.
 */
import * as fs from "fs";
import * as path from "path";
import type { RegistrationOptions } from "../runner/program";
import { isSealed, loadSecretsKey, openKeys, sealKeys, secretBox } from "./secrets";

/** Where state files live; `DOCKER_OVERLAY_LAB_STATE_DIR` overrides it (tests). */
export function stateDir(): string {
    return process.env["DOCKER_OVERLAY_LAB_STATE_DIR"] ?? "/var/lib/docker-overlay/lab";
}

export function statePath(stack: string): string {
    return path.join(stateDir(), `${stack}.json`);
}

export type RecordStatus = "creating" | "created" | "failed";

/** One resource the lab performed (or began to perform). */
export interface ResourceRecord {
    urn: string;
    type: string;
    name: string;
    /** Parent URN, "" for the stack itself. */
    parent: string;
    custom: boolean;
    /** URN of the provider resource the resource was created through, "" when none. */
    provider: string;
    /** URNs the resource depends on (explicit and through inputs), as the engine would see them. */
    dependsOn: string[];
    /**
     * Top-level input -> URNs its value came from (runner/program.ts). Absent in
     * state files written before it was recorded: such a record has no property
     * dependencies a delete-before-replace could follow.
     */
    propertyDependencies?: Record<string, string[]>;
    /** The resource options the step generator reads (lab/steps.ts); absent in older state files. */
    options?: RegistrationOptions;
    /** Inputs exactly as the program declared them (resolved). */
    inputs: Record<string, unknown>;
    /** Top-level inputs (and outputs of the same name) that are secrets: sealed in the file (lab/secrets.ts). */
    secrets?: string[];
    status: RecordStatus;
    id?: string;
    outputs?: Record<string, unknown>;
    error?: string;
    /**
     * Set when the create failed before anything ran on its target (an ssh
     * dial refused: unreachable, authentication, host key mismatch): a delete
     * has nothing to undo there, and is not attempted.
     */
    nothingPerformed?: true;
    /**
     * A create-before-delete replacement created its successor: this is the old
     * resource, still there, deleted at the end of the run (the engine's
     * `Delete` flag, pulumi/pulumi v3.248.0 pkg/resource/deploy/step.go:438-443).
     */
    pendingDelete?: true;
    /**
     * A delete-before-replace replacement already deleted it; its successor is
     * not created yet (the engine's `PendingReplacement`, step.go:735-752): the
     * next run re-creates it without deleting anything.
     */
    pendingReplacement?: true;
    /** ISO timestamps. */
    startedAt: string;
    endedAt?: string;
}

export type RunStatus = "running" | "succeeded" | "failed";

export interface LabState {
    version: 1;
    stack: string;
    /** Absolute path of the stack file the state was made from. */
    stackFile: string;
    /** Absolute path of the program that was applied. */
    program: string;
    status: RunStatus;
    startedAt: string;
    endedAt?: string;
    error?: string;
    /** Resources in the order the lab began them. */
    resources: ResourceRecord[];
    /** The stack's outputs (index.ts's exports) once `up` finished. */
    exports?: Record<string, unknown>;
}

export function readState(file: string): LabState | undefined {
    let text: string;
    try {
        text = fs.readFileSync(file, "utf8");
    } catch (err) {
        if ((err as NodeJS.ErrnoException).code === "ENOENT") {
            return undefined;
        }
        throw err;
    }
    const state = JSON.parse(text) as LabState;
    if (state.version !== 1 || !Array.isArray(state.resources)) {
        throw new Error(`${file}: not a docker-overlay lab state file (version ${String(state.version)})`);
    }
    return openSecrets(state, path.dirname(file));
}

/** Secret inputs and outputs sealed under the key beside the state files; the state is returned as is when it has none. */
function sealSecrets(state: LabState, dir: string): LabState {
    if (!state.resources.some((r) => (r.secrets ?? []).length > 0)) {
        return state;
    }
    const box = secretBox(loadSecretsKey(dir, true) as Buffer);
    return {
        ...state,
        resources: state.resources.map((r) =>
            (r.secrets ?? []).length === 0
                ? r
                : { ...r, inputs: sealKeys(r.inputs, r.secrets!, box), ...(r.outputs !== undefined ? { outputs: sealKeys(r.outputs, r.secrets!, box) } : {}) },
        ),
    };
}

function openSecrets(state: LabState, dir: string): LabState {
    const sealed = (v: Record<string, unknown> | undefined) => v !== undefined && Object.values(v).some(isSealed);
    if (!state.resources.some((r) => sealed(r.inputs) || sealed(r.outputs))) {
        return state;
    }
    const key = loadSecretsKey(dir, false);
    if (key === undefined) {
        throw new Error(`the lab state in ${dir} holds secrets, but their key ${path.join(dir, ".secrets.key")} is gone`);
    }
    const box = secretBox(key);
    return {
        ...state,
        resources: state.resources.map((r) => ({
            ...r,
            inputs: openKeys(r.inputs, box),
            ...(r.outputs !== undefined ? { outputs: openKeys(r.outputs, box) } : {}),
        })),
    };
}

/** Writes the whole document atomically (temp file + rename), so a crash never leaves half a file. */
export function writeState(file: string, state: LabState): void {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(sealSecrets(state, path.dirname(file)), null, 2) + "\n");
    fs.renameSync(tmp, file);
}

export function removeState(file: string): void {
    fs.rmSync(file, { force: true });
}

/**
 * The state of one run, kept in memory and flushed to `file` (when given)
 * after every change.
 *
 * On a stack that is already up, the run starts from the recorded resources
 * (`base`), as the engine's snapshot manager does (pulumi/pulumi v3.248.0
 * pkg/backend/snapshot.go:660-708): the state is the resources this run
 * produced, in the order their steps began, followed by the base resources no
 * step has retired yet. Something new depends only on what this run already
 * registered, and a base resource only on what began before it, so the list
 * stays in dependency order (what `deletionOrder` relies on) after every step,
 * also when a run fails part-way.
 */
export class StateRecorder {
    readonly state: LabState;
    /** What this run produced (created, updated, same), in the order the steps began. */
    private readonly news: ResourceRecord[] = [];
    /** The recorded resources the run started from; retired ones are dropped. */
    private base: ResourceRecord[];

    constructor(
        private readonly file: string | undefined,
        init: { stack: string; stackFile: string; program: string; base?: readonly ResourceRecord[]; exports?: Record<string, unknown> },
        private readonly now: () => Date = () => new Date(),
    ) {
        this.base = [...(init.base ?? [])];
        this.state = {
            version: 1,
            stack: init.stack,
            stackFile: init.stackFile,
            program: init.program,
            status: "running",
            startedAt: this.now().toISOString(),
            resources: [],
            // The last update's outputs stay until this run's replace them, so a failed update keeps
            // them: the engine's same step for the stack resource retains its old outputs
            // (pulumi/pulumi v3.248.0 pkg/resource/deploy/step.go:154-156) until the SDK registers
            // new ones, which it does only once every export resolved.
            ...(init.exports !== undefined ? { exports: init.exports } : {}),
        };
        this.flush();
    }

    begin(r: Omit<ResourceRecord, "status" | "startedAt">): ResourceRecord {
        if (this.find(r.urn) !== undefined) {
            throw new Error(`lab: resource ${r.urn} registered twice`);
        }
        const record: ResourceRecord = { ...r, status: "creating", startedAt: this.now().toISOString() };
        this.news.push(record);
        this.flush();
        return record;
    }

    /**
     * A same or a successful update: `record` (status created) takes the place of
     * the base resource `old` (snapshot.go:358-380, :456-470: markDone(old), markNew(new)).
     */
    supersede(old: ResourceRecord, record: ResourceRecord): void {
        if (this.find(record.urn) !== undefined) {
            throw new Error(`lab: resource ${record.urn} registered twice`);
        }
        this.base = this.base.filter((r) => r !== old);
        this.news.push(record);
        this.flush();
    }

    /** Marks a base resource (pendingDelete, pendingReplacement). */
    mark(old: ResourceRecord, flag: "pendingDelete" | "pendingReplacement"): void {
        old[flag] = true;
        this.flush();
    }

    /** Retires a base resource: deleted, or replaced by a successor already recorded. */
    drop(old: ResourceRecord): void {
        this.base = this.base.filter((r) => r !== old);
        this.flush();
    }

    /** The id of an object that exists before the resource is complete (so `down` can find it). */
    noteId(urn: string, id: string): void {
        this.mustFind(urn).id = id;
        this.flush();
    }

    complete(urn: string, id: string | undefined, outputs: Record<string, unknown>): ResourceRecord {
        const record = this.mustFind(urn);
        record.status = "created";
        record.id = id;
        record.outputs = outputs;
        record.endedAt = this.now().toISOString();
        this.flush();
        return record;
    }

    fail(urn: string, error: string, nothingPerformed = false): ResourceRecord {
        const record = this.mustFind(urn);
        record.status = "failed";
        record.error = error;
        if (nothingPerformed) {
            record.nothingPerformed = true;
        }
        record.endedAt = this.now().toISOString();
        this.flush();
        return record;
    }

    finish(status: Exclude<RunStatus, "running">, details: { exports?: Record<string, unknown>; error?: string }): void {
        this.state.status = status;
        this.state.endedAt = this.now().toISOString();
        if (details.exports !== undefined) {
            this.state.exports = details.exports;
        }
        if (details.error !== undefined) {
            this.state.error = details.error;
        }
        this.flush();
    }

    /** This run's record of a URN (not a base resource's). */
    find(urn: string): ResourceRecord | undefined {
        return this.news.find((r) => r.urn === urn);
    }

    private mustFind(urn: string): ResourceRecord {
        const record = this.find(urn);
        if (record === undefined) {
            throw new Error(`lab: no record of ${urn}`);
        }
        return record;
    }

    private flush(): void {
        this.state.resources = [...this.news, ...this.base];
        if (this.file !== undefined) {
            writeState(this.file, this.state);
        }
    }
}

/**
 * The order to delete in: reverse of the order resources began. A resource
 * begins only after everything it depends on has finished, so every
 * dependent comes before its dependencies. Records that were still being
 * created or failed are included (a half-made resource may exist).
 * Components and providers stay in the list; deleting them does nothing.
 */
export function deletionOrder(records: readonly ResourceRecord[]): ResourceRecord[] {
    // Records are appended as resources begin, so the array is the begin order.
    return [...records].reverse();
}

/**
 * Merges what the state file recorded with what the program would create
 * (collect mode): the deletion list is the program's full registration order
 * reversed, using the recorded ids and outputs where the state has them,
 * preceded by recorded resources the program no longer registers.
 */
export function mergeForDeletion(recorded: readonly ResourceRecord[], collected: readonly ResourceRecord[]): ResourceRecord[] {
    const byUrn = new Map(recorded.map((r) => [r.urn, r]));
    const collectedUrns = new Set(collected.map((r) => r.urn));
    const stale = deletionOrder(recorded.filter((r) => !collectedUrns.has(r.urn)));
    const planned = [...collected].reverse().map((c) => byUrn.get(c.urn) ?? c);
    return [...stale, ...planned];
}
