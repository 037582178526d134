/**
 * The lab's commands as functions: `up`, `down`, `status` and `check` of a
 * stack file (Linux, root), what `npm run lab` (tools/lab.ts) runs and prints.
 * How a resource is performed: lab/applier.ts.
 *
 *   up      runs index.ts with the stack's config; every resource is performed
 *           for real as the program's dependencies allow, and recorded in
 *           /var/lib/docker-overlay/lab/<stack>.json as it goes. On a stack that is
 *           already up: the engine's steps against the recorded state (lab/executor.ts).
 *   status  hosts, KV store and containers (with live addresses).
 *   check   pings every pair of containers (lib/check/pairs.ts) and prints the matrix.
 *   preview the steps `up` would take against the recorded state, as the engine
 *           computes them (lab/preview.ts, lab/steps.ts); nothing is performed.
 *   down    deletes everything in reverse; without a complete state it asks the
 *           program what it would have created (collect mode) and deletes that.
 *
 * Secret config (the ssh driver's `sshPrivateKey`) comes from files named by
 * environment variables (lab/secrets.ts SECRET_FILE_VARIABLES); secret inputs are
 * sealed in the state file (lab/secrets.ts). ssh:// engines are reached with
 * the system ssh client, as the docker provider does (lab/clients/sshDial.ts).
 *
 * The functions below (labUp, labDown, labStatus, labCheck) are also what tests
 * call. Running the program several times in one process works: each run
 * calls setMocks afresh (new mock monitor, options reset), overwrites the
 * config and re-requires the program's modules (runner/program.ts); verified
 * in one process with collect -> up -> check -> down -> up -> down, and failed
 * up -> down -> up -> check -> down. Still, lab tests (tests/lab) should run
 * each command as a child process (`node -r runner/register.js tools/lab.ts
 * <cmd> <stack> --json`) and parse its JSON: a failed run leaves promises of
 * its resource graph pending for good and installs a process-wide handler for
 * the runtime's rejection echoes, and the Pulumi runtime's state is global, so
 * a mocha process that also runs mocked unit tests stays cleaner without them.
 */
import * as path from "path";
import { ApplierEvent, LabDeleter, LabRunError, ProgramResult, realDeps, runProgram } from "./applier";
import { skipsDelete } from "./executor";
import { CheckReport, dockerPinger, failedCheckHints, programSwarmVerdict, runCheck, SwarmVerdict } from "./check";
import { runScript } from "./clients/script";
import { assertStackFilePrerequisites, PrerequisiteProbes } from "./prerequisites";
import { EngineClient } from "./clients/docker";
import { isNoop, previewJson, PreviewResult, runPreview } from "./preview";
import { Changes, countChanges, pendingOperationsWarning, resumeBase, StepOp } from "./steps";
import { deletionOrder, LabState, mergeForDeletion, readState, removeState, ResourceRecord, statePath, writeState } from "./state";
import { endpointFor, refreshStatus, RefreshedStatus, statusFromExports } from "./status";
import { loadStackFile } from "../lib/config/load";
import { normalizeConfig } from "../lib/config/validate";
import { diagnose, DiagnoseReport, dindEngineLog, dindProbeRun, labTargets, netnsEngineLog, netnsStrandedThreads, runProbes } from "./diagnose";
import { secretsFromEnvironment } from "./secrets";
import { EngineCommandResult, startEngine, stopEngine } from "./engineProcess";
import { netnsDockerHost, netnsEngineRunPaths } from "../lib/drivers/netns";

export interface LabOptions {
    /** The program to apply (default: this repository's index.ts). */
    program?: string;
    /** Progress, one event per resource. */
    onEvent?: (e: ApplierEvent) => void;
    /** Progress of `down`. */
    onDelete?: (e: DeleteEvent) => void;
    /** Secret config for the program; default: read from the files `SECRET_FILE_VARIABLES` (lab/secrets.ts) name. */
    secrets?: Record<string, string>;
    /** How `up` looks at this machine for the stack's prerequisites (default: the real machine). */
    probes?: PrerequisiteProbes;
}

// --------------------------------------------------------------------- up

export interface UpResult {
    ok: boolean;
    stack: string;
    stateFile: string;
    seconds: number;
    resources: { urn: string; type: string; name: string; status: string; seconds?: number; error?: string }[];
    exports?: Record<string, unknown>;
    error?: string;
    /** Set when the stack was already up and its preview had no changes: nothing was performed. */
    noop?: true;
    /** The counts of the steps taken (or, for a no-op, previewed), for an `up` of a stack that was already up. */
    changes?: Changes;
    /** The steps taken, for an `up` of a stack that was already up (lab/executor.ts). */
    steps?: { op: StepOp; urn: string; type: string; name: string }[];
    /** What the engine would warn about (creates an earlier run left pending: lab/steps.ts `pendingOperationsWarning`). */
    warnings?: string[];
}

function summarize(r: ProgramResult, ok: boolean, applied: boolean): UpResult {
    return {
        ...(applied ? previewJson({ steps: r.steps, changes: countChanges(r.steps) }) : {}),
        ok,
        stack: r.stack,
        stateFile: r.stateFile ?? statePath(r.stack),
        seconds: r.seconds,
        resources: r.records
            .filter((x) => x.custom)
            .map((x) => ({
                urn: x.urn,
                type: x.type,
                name: x.name,
                status: x.status,
                ...(x.endedAt !== undefined ? { seconds: (Date.parse(x.endedAt) - Date.parse(x.startedAt)) / 1000 } : {}),
                ...(x.error !== undefined ? { error: x.error } : {}),
            })),
        ...(r.exports !== undefined ? { exports: r.exports } : {}),
        ...(r.error !== undefined ? { error: r.error.message } : {}),
    };
}

/**
 * Applies the stack. On a stack that is already up: previews it, as `pulumi up` does
 * first; with no changes it succeeds as a no-op (0 steps, the state untouched, unless the
 * engine would still record new dependencies: PreviewResult.stale), else it
 * applies the steps (lab/executor.ts) from the recorded state. Creates an earlier run
 * did not finish are not in that state, as in the engine's (lab/steps.ts `resumeBase`):
 * interrupted ones are warned about, failed ones are simply created anew; docker objects
 * left with initialization errors are updated, as the engine does (lab/steps.ts
 * hasInitErrors): with no changed input that touches nothing.
 */
export async function labUp(stackFile: string, opts: LabOptions = {}): Promise<UpResult> {
    const { stack } = loadStackFile(stackFile);
    const file = statePath(stack);
    const existing = readState(file);
    // A state with nothing but components (an `up` the program itself refused, e.g. a config
    // error) holds nothing to take down: it must not block the corrected `up`.
    if (existing !== undefined && existing.resources.some((r) => r.custom)) {
        const resumed = resumeBase(existing.resources);
        const warnings = resumed.pending.length > 0 ? [pendingOperationsWarning(resumed.pending)] : [];
        const preview = await labPreview(stackFile, opts);
        // No changes, but edges the engine would still record (PreviewResult.stale): the steps are
        // all `same`, and performing them writes the state as `pulumi up` does.
        if (!isNoop(preview.changes) || preview.stale.length > 0 || existing.status !== "succeeded") {
            assertStackFilePrerequisites(stackFile, opts.probes);
            return { ...(await apply(stackFile, opts, resumed.base, existing.exports)), ...(warnings.length > 0 ? { warnings } : {}) };
        }
        return {
            ok: true,
            stack,
            stateFile: file,
            seconds: preview.seconds,
            resources: [],
            ...(existing.exports !== undefined ? { exports: existing.exports } : {}),
            noop: true,
            changes: preview.changes,
        };
    }
    // Everything the stack needs on this machine, checked before the first resource is created.
    assertStackFilePrerequisites(stackFile, opts.probes);
    return apply(stackFile, opts, []);
}

/**
 * Runs the program as `up` from the recorded resources `base` (none for a stack that is not up)
 * and the stack's outputs its last update left (`exports`: what the program reads back).
 */
async function apply(stackFile: string, opts: LabOptions, base: ResourceRecord[], exports?: Record<string, unknown>): Promise<UpResult> {
    const applied = base.length > 0;
    try {
        const secrets = opts.secrets ?? secretsFromEnvironment();
        return summarize(await runProgram({ stackFile, mode: "up", program: opts.program, onEvent: opts.onEvent, secrets, base, exports }), true, applied);
    } catch (err) {
        if (err instanceof LabRunError) {
            if (!err.result.records.some((r) => r.custom)) {
                // Nothing was begun (the program failed before registering a resource): no state to keep.
                removeState(err.result.stateFile ?? statePath(err.result.stack));
            }
            return summarize(err.result, false, applied);
        }
        throw err;
    }
}

// ---------------------------------------------------------------- preview

/** The steps `up` would take against the recorded state (lab/preview.ts); performs nothing. */
export async function labPreview(stackFile: string, opts: LabOptions = {}): Promise<PreviewResult> {
    const secrets = opts.secrets ?? secretsFromEnvironment();
    return runPreview(stackFile, { program: opts.program, secrets, kv: (p) => realDeps.kv(p) });
}

// ------------------------------------------------------------------- down

export type DeleteEvent = { record: ResourceRecord; outcome: "deleted" | "absent" | "nothing" | "skipped" | "failed"; seconds: number; error?: string };

export interface DownResult {
    ok: boolean;
    stack: string;
    /** Where the deletion list came from. */
    source: "state" | "state+collect" | "collect";
    deleted: string[];
    absent: string[];
    /** Not deleted through their provider: retainOnDelete, or deletedWith another resource of this destroy. */
    skipped: string[];
    failed: { urn: string; error: string }[];
    notes: string[];
    seconds: number;
}

export async function labDown(stackFile: string, opts: LabOptions = {}): Promise<DownResult> {
    const started = Date.now();
    const { stack } = loadStackFile(stackFile);
    const file = statePath(stack);
    const state = readState(file);
    const notes: string[] = [];
    let collected: ResourceRecord[] = [];
    if (state === undefined || state.status !== "succeeded") {
        notes.push(
            state === undefined
                ? `no state file ${file}: deleting what the program would create`
                : `state is ${state.status}: adding what the program would create`,
        );
        try {
            const secrets = opts.secrets ?? secretsFromEnvironment();
            collected = (await runProgram({ stackFile, mode: "collect", program: opts.program ?? state?.program, secrets, exports: state?.exports })).records;
        } catch (err) {
            const partial = err instanceof LabRunError ? err.result.records : [];
            collected = partial;
            notes.push(`collect mode failed (${(err as Error).message.split("\n")[0]}); deleting ${partial.length} resources it registered before failing`);
        }
    }
    const recorded = state?.resources ?? [];
    const order = collected.length === 0 ? deletionOrder(recorded) : recorded.length === 0 ? [...collected].reverse() : mergeForDeletion(recorded, collected);
    const source: DownResult["source"] = state === undefined ? "collect" : collected.length > 0 ? "state+collect" : "state";
    // Providers from the state win over collected ones (they are what the resources were created through).
    const deleter = new LabDeleter([...collected, ...recorded]);
    const result: DownResult = { ok: true, stack, source, deleted: [], absent: [], skipped: [], failed: [], notes, seconds: 0 };
    const left: ResourceRecord[] = [];
    const recordedUrns = new Set(recorded.map((x) => x.urn));
    // `down` is the engine's destroy: every resource is planned for deletion before any delete runs.
    const deleting = new Set(order.map((x) => x.urn));
    for (const r of order) {
        const t0 = Date.now();
        // Only the program knows this resource: it never began (the state records each resource as it
        // begins, before anything is performed: lab/state.ts `begin`), so there is nothing to delete, as
        // the engine's destroy deletes only what its snapshot holds (E `step_generator.go:2239-2278`).
        // Asking anyway would go through a collected provider, whose TLS material is not the real one
        // (dind: "unable to verify the first certificate"), or log in to a host the failed `up` never
        // reached (ssh: a host key other than the pinned one, refused again).
        if (r.custom && recorded.length > 0 && !recordedUrns.has(r.urn)) {
            result.absent.push(r.urn);
            opts.onDelete?.({ record: r, outcome: "absent", seconds: 0 });
            continue;
        }
        // retainOnDelete, or deleted with another resource of this destroy: the provider is not asked.
        if (skipsDelete(r, deleting)) {
            if (r.custom) {
                result.skipped.push(r.urn);
                opts.onDelete?.({ record: r, outcome: "skipped", seconds: 0 });
            }
            continue;
        }
        try {
            const outcome = await deleter.delete(r);
            if (outcome === "deleted") {
                result.deleted.push(r.urn);
            } else if (outcome === "absent") {
                result.absent.push(r.urn);
            }
            if (r.custom && outcome !== "nothing") {
                opts.onDelete?.({ record: r, outcome, seconds: (Date.now() - t0) / 1000 });
            }
        } catch (err) {
            const message = (err as Error).message;
            result.failed.push({ urn: r.urn, error: message });
            left.push(r);
            opts.onDelete?.({ record: r, outcome: "failed", seconds: (Date.now() - t0) / 1000, error: message });
        }
    }
    if (result.failed.length === 0) {
        removeState(file);
    } else {
        // Keep what could not be deleted (and the providers it needs) for another `down`.
        const keep = new Set(left.map((r) => r.urn));
        const all = [...collected, ...recorded];
        const resources = [...new Map(all.filter((r) => keep.has(r.urn) || r.type.startsWith("pulumi:providers:")).map((r) => [r.urn, r])).values()];
        const base: LabState = state ?? {
            version: 1,
            stack,
            stackFile: path.resolve(stackFile),
            program: opts.program ?? "",
            status: "failed",
            startedAt: new Date().toISOString(),
            resources: [],
        };
        writeState(file, { ...base, status: "failed", error: "down left resources behind", resources });
        result.ok = false;
    }
    result.seconds = (Date.now() - started) / 1000;
    return result;
}

// ----------------------------------------------------------- status, check

function engineFactory(state: LabState | undefined): (dockerHost: string) => EngineClient {
    const cache = new Map<string, EngineClient>();
    return (dockerHost) => {
        let e = cache.get(dockerHost);
        if (e === undefined) {
            e = realDeps.engine(endpointFor(state, dockerHost));
            cache.set(dockerHost, e);
        }
        return e;
    };
}

function savedState(stackFile: string): LabState {
    const { stack } = loadStackFile(stackFile);
    const file = statePath(stack);
    const state = readState(file);
    if (state === undefined) {
        throw new Error(`no state file ${file}: run \`npm run lab -- up ${stackFile}\` first`);
    }
    return state;
}

export async function labStatus(stackFile: string): Promise<RefreshedStatus> {
    const state = savedState(stackFile);
    return refreshStatus(statusFromExports(state.exports), engineFactory(state));
}

export async function labCheck(stackFile: string): Promise<CheckReport & SwarmVerdict & { notes: string[] }> {
    const state = savedState(stackFile);
    const engines = engineFactory(state);
    const declared = statusFromExports(state.exports);
    const { status: live, notes } = await refreshStatus(declared, engines);
    // Pairs come from the networks the program attached; addresses from the engines now.
    const report = await runCheck(declared, live, dockerPinger(live, engines));
    // Swarm mode: the managers as the program's own check judges them.
    const verdict = await programSwarmVerdict(state, runScript);
    if (report.failed > 0 || verdict?.error !== undefined) {
        const { stack, raw } = loadStackFile(stackFile);
        const config = normalizeConfig(raw, stack);
        notes.push(
            ...failedCheckHints(config, stackFile, (host) =>
                config.driver.kind === "netns" ? netnsStrandedThreads({ stack, runDir: config.driver.runDir, name: host }) : undefined,
            ),
        );
    }
    return { ...report, ...(verdict ?? {}), notes };
}

/**
 * `diagnose` (lab/diagnose.ts): the underlay probes between the machines, each overlay as every
 * engine sees it, each engine's gossip. netns stacks (probes between the machines' namespaces,
 * the engines' dockerd.log) and dind stacks (the program's probe commands through `docker exec`,
 * the engines' container logs).
 */
export async function labDiagnose(stackFile: string): Promise<DiagnoseReport> {
    const { stack, raw } = loadStackFile(stackFile);
    const config = normalizeConfig(raw, stack);
    const driver = config.driver;
    if (driver.kind !== "netns" && driver.kind !== "dind") {
        throw new Error(`diagnose runs on the lab's netns and dind machines; ${stackFile} uses the ${driver.kind} driver (ssh: npm run diagnose)`);
    }
    const state = savedState(stackFile);
    const engines = engineFactory(state);
    const status = statusFromExports(state.exports);
    const hostByAddress = new Map(status.hosts.map((h) => [h.address, h.name]));
    const inspectOverlay = async (host: string, network: string) => {
        const h = status.hosts.find((x) => x.name === host);
        if (h === undefined) {
            return undefined;
        }
        try {
            const n = await engines(h.dockerHost).inspectNetwork(network);
            return {
                scope: n.Scope,
                endpoints: Object.values(n.Containers ?? {}).map((c) => c.Name ?? "?"),
                peers: (n.Peers ?? []).map((p) => hostByAddress.get(p.IP ?? "") ?? p.Name ?? "?"),
            };
        } catch {
            return undefined;
        }
    };
    if (driver.kind === "dind") {
        // Stranded threads are the netns driver's (an engine inside a namespace that `ip netns` deleted);
        // a dind engine is its container's main process, in the container's own namespace.
        return diagnose(
            config,
            status,
            { inspectOverlay, engineLog: (host) => dindEngineLog(config, host), strandedThreads: () => [] },
            dindProbeRun(config, status),
        );
    }
    const { stateDir, runDir } = driver;
    return diagnose(
        config,
        status,
        {
            inspectOverlay,
            engineLog: (host) => netnsEngineLog(stateDir, host),
            strandedThreads: (host) => netnsStrandedThreads({ stack, runDir, name: host }) ?? [],
        },
        (probes) => runProbes(probes, labTargets(config, status)),
    );
}

/**
 * `engine stop|start <host>`: stops a netns engine, or starts it again as its machine's create
 * started it (lab/engineProcess.ts). For trying a cluster by hand: stop a manager, ask the
 * others with the docker CLI, start it again. netns only: a dind engine is a container
 * (`docker stop`/`start` it), and the program does not run the other drivers' engines here.
 */
export async function labEngine(stackFile: string, action: "stop" | "start", host: string): Promise<EngineCommandResult> {
    const { stack, raw } = loadStackFile(stackFile);
    const config = normalizeConfig(raw, stack);
    const d = config.driver;
    if (d.kind !== "netns") {
        throw new Error(
            `engine ${action} is for netns stacks, whose engines are processes on this machine; ${stack} uses the ${d.kind} driver${d.kind === "dind" ? ": docker stop or docker start the host's engine container" : ""}`,
        );
    }
    if (!config.hosts.some((h) => h.name === host)) {
        throw new Error(`${host} is no host of ${stack}; its hosts: ${config.hosts.map((h) => h.name).join(", ")}`);
    }
    const files = {
        host,
        pidFile: netnsEngineRunPaths({ runDir: d.runDir, name: host }).pidFile,
        log: path.join(d.stateDir, host, "dockerd.log"),
        saved: path.join(d.stateDir, host, "engine-stopped.json"),
        dockerHost: netnsDockerHost({ runDir: d.runDir, name: host }),
        docker: path.join(d.engineBin, "docker"),
    };
    return action === "stop" ? stopEngine(files) : startEngine(files);
}
