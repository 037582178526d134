/**
 * `docker:index/container:Container` on the engine of its provider: create
 * (the request from lab/resources/containerRequest.ts, then connect, upload,
 * start, and wait for running or healthy as the provider does), the state the
 * provider reports, and delete.
 */
import { ContainerInspect, EngineClient } from "../clients/docker";
import { CONTAINER_TYPE, ContainerInputs, containerPlan } from "./containerRequest";
import { objectTarget, onEngine } from "./dockerInputs";
import { DiffTable, sameValue, tableDiff } from "./diff";
import { ResourceHandler } from "./handler";

export * from "./containerRequest";
export type { ContainerInspect } from "../clients/docker";

/**
 * What a Container input change is to the docker provider (docs/provider-rules.md:250-268,
 * kreuzwerker resource_docker_container.go): everything the program sets is ForceNew
 * except `restart` and `mustRun` (updated by ContainerUpdate / a start, :230-234, :122-126)
 * and the state-only `wait`, `waitTimeout`, `removeVolumes`, `start`, `rm`,
 * `destroyGraceSeconds`, `init` (not ForceNew, not handled by Update: an update that only records
 * them). `healthcheck` replaces (kreuzwerker v4.6.0, what @pulumi/docker 5.2.0 bridges,
 * docs/provider-rules.md:267). Always delete-before-replace (docs/provider-rules.md:270,
 * pulumi-docker provider/resources.go:112-114).
 */
export const CONTAINER_DIFF: DiffTable = {
    inputs: {
        restart: "update",
        mustRun: "update",
        wait: "update",
        waitTimeout: "update",
        removeVolumes: "update",
        start: "update",
        rm: "update",
        destroyGraceSeconds: "update",
        // Optional+Computed, not ForceNew, and not among the attributes Update applies
        // (kreuzwerker v4.5.0 resource_docker_container.go:1126-1131, ..._funcs.go:1015-1025):
        // recorded only; Read sets it from HostConfig.Init (..._funcs.go:860-868).
        init: "update",
        // Listed for the table's reader; `otherwise` says the same.
        name: "replace",
        image: "replace",
        hostname: "replace",
        command: "replace",
        envs: "replace",
        networksAdvanced: "replace",
        labels: "replace",
        privileged: "replace",
        ports: "replace",
        uploads: "replace",
        healthcheck: "replace",
        networkMode: "replace",
    },
    otherwise: "replace",
    // Optional+Computed (resource_docker_container.go:148-168, :590-595, :833-838).
    computed: ["hostname", "command", "envs", "labels", "networkMode", "healthcheck", "init"],
    deleteBeforeReplace: () => true,
};

export const container: ResourceHandler = {
    diff: (req) => {
        const d = tableDiff(CONTAINER_DIFF)(req.olds, req.news);
        // Read records a stopped container as must_run = false (kreuzwerker v4.5.0
        // resource_docker_container_funcs.go:813-824), and the provider diffs that state against the
        // program's true: an update, which starts it (:997-1013).
        if (req.oldOutputs?.["mustRun"] === false && req.news["mustRun"] !== false && !d.updates.includes("mustRun") && !d.replaces.includes("mustRun")) {
            return { ...d, updates: [...d.updates, "mustRun"].sort() };
        }
        return d;
    },
    types: [CONTAINER_TYPE],
    async create(ctx, r) {
        const inputs = r.inputs as ContainerInputs;
        const plan = containerPlan(r.urn, inputs);
        const engine = ctx.engineFor(r);
        const what = `${r.type} ${r.urn}`;
        let id: string;
        try {
            id = await engine.createContainer(plan.create);
        } catch (err) {
            throw new Error(`${what}: creating container "${plan.create.name}" on ${engine.host} failed: ${(err as Error).message.trim()}`);
        }
        ctx.noteId(r.urn, id);
        for (const c of plan.connect) {
            try {
                await engine.connectNetwork(c.network, id, c.endpoint);
            } catch (err) {
                throw new Error(`${what}: connecting to network "${c.network}" failed: ${(err as Error).message.trim()}`);
            }
        }
        if (plan.uploads.length > 0) {
            if (engine.uploadFiles === undefined) {
                throw new Error(`${what}: the engine client cannot upload files`);
            }
            try {
                await engine.uploadFiles(id, plan.uploads);
            } catch (err) {
                throw new Error(`${what}: uploading ${plan.uploads.map((u) => u.path).join(", ")} failed: ${(err as Error).message.trim()}`);
            }
        }
        if (plan.start) {
            try {
                await engine.startContainer(id);
            } catch (err) {
                throw new Error(`${what}: starting container "${plan.create.name}" on ${engine.host} failed: ${(err as Error).message.trim()}`);
            }
        }
        // Create ends with Read, once, without waiting for the running state (kreuzwerker v4.5.0
        // resource_docker_container_funcs.go:673, :750-830): a container that already stopped is created,
        // recorded with must_run = false (containerState), and the next `up` starts it.
        let info = await engine.inspectContainer(id);
        if (plan.waitHealthy !== undefined) {
            info = await waitHealthy(engine, id, what, plan.waitHealthy.timeoutSeconds);
        }
        if (info === undefined) {
            throw new Error(`${what}: container ${id} vanished after create`);
        }
        return { id, state: containerState(inputs, info) };
    },
    /**
     * The provider's Update (kreuzwerker v4.5.0 internal/provider/resource_docker_container_funcs.go:991-1040):
     * must_run false -> true starts the container (:997-1013; Read had recorded a stopped container so), then
     * Read records it again (stopped again: must_run false again). State-only inputs (wait, waitTimeout,
     * removeVolumes, ...) are only recorded. `restart` would be a ContainerUpdate; the program never changes
     * it, and the lab refuses rather than pretend.
     */
    async update(ctx, old, r) {
        if (!sameValue(old.inputs["restart"], r.inputs["restart"])) {
            throw new Error(`${r.type} ${r.urn}: the lab does not perform a container update of "restart"`);
        }
        const inputs = r.inputs as ContainerInputs;
        if (old.outputs?.["mustRun"] === false && inputs.mustRun !== false && inputs.start !== false && old.id !== undefined) {
            const engine = ctx.engineFor(r);
            const what = `${r.type} ${r.urn}`;
            try {
                await engine.startContainer(old.id);
            } catch (err) {
                throw new Error(`${what}: Unable to start container: ${(err as Error).message.trim()}`);
            }
            const info = await engine.inspectContainer(old.id);
            if (info === undefined) {
                throw new Error(`${what}: container ${old.id} vanished after its start`);
            }
            return { id: old.id, state: containerState(inputs, info) };
        }
        return { id: old.id, state: { ...(old.outputs ?? {}), ...r.inputs } };
    },
    async delete(ctx, r) {
        const target = objectTarget(r, (r.inputs as ContainerInputs).name);
        if (target === undefined) {
            return "absent";
        }
        const removeVolumes = (r.inputs as ContainerInputs).removeVolumes ?? true;
        return onEngine(ctx, r, (e) => e.removeContainer(target, removeVolumes));
    },
};

/**
 * `wait`: polls the container until its health check reports `healthy`, as the
 * provider does after create. Fails at once when the container has no health
 * check (the provider errors too) or stops running, and after `timeoutSeconds`
 * with the health check's last output. Returns the last inspect.
 */
export async function waitHealthy(
    engine: Pick<EngineClient, "inspectContainer" | "host">,
    id: string,
    what: string,
    timeoutSeconds: number,
    clock: { now(): Date; sleep(ms: number): Promise<void> } = { now: () => new Date(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)) },
): Promise<ContainerInspect> {
    const deadline = clock.now().getTime() + timeoutSeconds * 1000;
    for (;;) {
        const info = await engine.inspectContainer(id);
        if (info === undefined) {
            throw new Error(`${what}: container ${id} vanished while waiting for it to become healthy`);
        }
        const health = info.State?.Health;
        if (health === undefined || health === null) {
            throw new Error(`${what}: wait is set, but the container has no health check (neither its healthcheck input nor its image defines one)`);
        }
        if (health.Status === "healthy") {
            return info;
        }
        const last = (health.Log ?? []).slice(-1)[0];
        const detail = last !== undefined ? ` (last check exit ${last.ExitCode}: ${(last.Output ?? "").trim().slice(0, 400)})` : "";
        if (info.State?.Running !== true) {
            throw new Error(
                `${what}: container stopped (status ${info.State?.Status ?? "unknown"}, exit ${String(info.State?.ExitCode)}) before becoming healthy${detail}`,
            );
        }
        if (clock.now().getTime() >= deadline) {
            throw new Error(`${what}: not healthy after waitTimeout ${timeoutSeconds}s (health ${health.Status})${detail}`);
        }
        await clock.sleep(500);
    }
}

export interface NetworkData {
    networkName: string;
    ipAddress: string;
    ipPrefixLength: number;
    gateway: string;
    macAddress: string;
    globalIpv6Address: string;
    ipv6Gateway: string;
}

/** `networkDatas` as the provider reports them: one entry per attached network, in the order the inputs list them. */
export function networkDatas(inputs: ContainerInputs, c: ContainerInspect): NetworkData[] {
    const networks = c.NetworkSettings?.Networks ?? {};
    const order = (inputs.networksAdvanced ?? []).map((a) => a.name);
    const names = Object.keys(networks).sort((a, b) => rank(order, a) - rank(order, b) || (a < b ? -1 : a > b ? 1 : 0));
    return names.map((name) => {
        const n = networks[name];
        return {
            networkName: name,
            ipAddress: n.IPAddress ?? "",
            ipPrefixLength: n.IPPrefixLen ?? 0,
            gateway: n.Gateway ?? "",
            macAddress: n.MacAddress ?? "",
            globalIpv6Address: n.GlobalIPv6Address ?? "",
            ipv6Gateway: n.IPv6Gateway ?? "",
        };
    });
}

function rank(order: string[], name: string): number {
    const i = order.indexOf(name);
    return i < 0 ? order.length : i;
}

export function containerState(inputs: ContainerInputs, c: ContainerInspect): Record<string, unknown> {
    return {
        ...inputs,
        name: c.Name.replace(/^\//, ""),
        hostname: c.Config?.Hostname ?? inputs.hostname,
        networkDatas: networkDatas(inputs, c),
        ...(c.State?.ExitCode !== undefined && c.State.Running === false ? { exitCode: c.State.ExitCode } : {}),
        // Stopped while the program asks it to run: recorded as must_run = false (kreuzwerker v4.5.0
        // resource_docker_container_funcs.go:813-824), so the next diff is an update that starts it.
        ...(c.State?.Running === false && inputs.mustRun !== false ? { mustRun: false } : {}),
    };
}
