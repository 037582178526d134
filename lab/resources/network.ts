/**
 * `docker:index/network:Network`: the network create request the docker
 * provider sends for a Network's inputs, the state it reports after create,
 * and the network's create and delete on the engine of its provider.
 */
import type Docker from "dockerode";
import { EngineClient, NetworkInspect } from "../clients/docker";
import { assertKnownInputs, Label, labelMap, objectTarget, onEngine, required } from "./dockerInputs";
import { classify, changedKeys, DiffTable } from "./diff";
import { ApplierDeps, DiffRequest, DiffResult, ResourceHandler } from "./handler";

export type { NetworkInspect } from "../clients/docker";

export const NETWORK_TYPE = "docker:index/network:Network";

export interface IpamConfigInput {
    subnet?: string;
    gateway?: string;
    ipRange?: string;
    auxAddress?: Record<string, string>;
}

export interface NetworkInputs {
    name?: string;
    driver?: string;
    ipamConfigs?: IpamConfigInput[];
    ipamDriver?: string;
    ipamOptions?: Record<string, string>;
    internal?: boolean;
    attachable?: boolean;
    ingress?: boolean;
    ipv6?: boolean;
    options?: Record<string, string>;
    labels?: Label[];
    checkDuplicate?: boolean;
}

/** The inputs the lab translates; anything else is refused. */
export const NETWORK_INPUTS: readonly string[] = [
    "name",
    "driver",
    "ipamConfigs",
    "ipamDriver",
    "ipamOptions",
    "internal",
    "attachable",
    "ingress",
    "ipv6",
    "options",
    "labels",
    "checkDuplicate",
];

/** The body of `POST /networks/create` the docker provider sends for these inputs. */
export function networkCreateRequest(urn: string, inputs: NetworkInputs): Docker.NetworkCreateOptions {
    assertKnownInputs(NETWORK_TYPE, urn, inputs as Record<string, unknown>, NETWORK_INPUTS);
    const req: Docker.NetworkCreateOptions = {
        Name: required(inputs.name, "name", NETWORK_TYPE, urn),
        CheckDuplicate: inputs.checkDuplicate ?? true,
    };
    if (inputs.driver !== undefined) {
        req.Driver = inputs.driver;
    }
    if (inputs.options !== undefined) {
        req.Options = { ...inputs.options };
    }
    if (inputs.internal !== undefined) {
        req.Internal = inputs.internal;
    }
    if (inputs.attachable !== undefined) {
        req.Attachable = inputs.attachable;
    }
    if (inputs.ingress !== undefined) {
        req.Ingress = inputs.ingress;
    }
    if (inputs.ipv6 !== undefined) {
        req.EnableIPv6 = inputs.ipv6;
    }
    const labels = labelMap(inputs.labels);
    if (labels !== undefined) {
        req.Labels = labels;
    }
    if (inputs.ipamConfigs !== undefined || inputs.ipamDriver !== undefined || inputs.ipamOptions !== undefined) {
        req.IPAM = {
            Driver: inputs.ipamDriver ?? "default",
            Config: (inputs.ipamConfigs ?? []).map((c) => ({
                ...(c.subnet !== undefined ? { Subnet: c.subnet } : {}),
                ...(c.ipRange !== undefined ? { IPRange: c.ipRange } : {}),
                ...(c.gateway !== undefined ? { Gateway: c.gateway } : {}),
                ...(c.auxAddress !== undefined ? { AuxiliaryAddresses: { ...c.auxAddress } } : {}),
            })),
            ...(inputs.ipamOptions !== undefined ? { Options: { ...inputs.ipamOptions } } : {}),
        };
    }
    return req;
}

/** Resource state as the docker provider reports it after create: the inputs, overlaid with what the engine says. */
export function networkState(inputs: NetworkInputs, net: NetworkInspect): Record<string, unknown> {
    return {
        ...inputs,
        name: net.Name,
        driver: net.Driver,
        scope: net.Scope,
        internal: net.Internal ?? false,
        attachable: net.Attachable ?? false,
        ingress: net.Ingress ?? false,
        ipv6: net.EnableIPv6 ?? false,
        ipamDriver: net.IPAM?.Driver ?? "default",
        ipamConfigs: (net.IPAM?.Config ?? []).map((c) => ({
            subnet: c.Subnet ?? "",
            gateway: c.Gateway ?? "",
            ipRange: c.IPRange ?? "",
            auxAddress: c.AuxiliaryAddresses ?? {},
        })),
        options: net.Options ?? {},
    };
}

/**
 * What a Network input change is to the docker provider (docs/provider-rules.md:151-166:
 * kreuzwerker resource_docker_network.go:17-19 has no Update, so every input is ForceNew,
 * :25-137). Delete-before-replace whenever the program gives `name`
 * (docs/provider-rules.md:168-180: pulumi-docker provider/resources.go:404 auto-names it,
 * and the bridge's schema.go:238-243 makes a given auto-nameable field DBR).
 */
export const NETWORK_DIFF: DiffTable = {
    inputs: {
        name: "replace",
        labels: "replace",
        driver: "replace",
        options: "replace",
        internal: "replace",
        attachable: "replace",
        ingress: "replace",
        ipv6: "replace",
        ipamConfigs: "replace",
        ipamDriver: "replace",
        ipamOptions: "replace",
        checkDuplicate: "replace",
    },
    otherwise: "replace",
    // Optional+Computed (resource_docker_network.go:40-62, :99-137): not given = no diff.
    computed: ["driver", "options", "internal", "ipamConfigs"],
    deleteBeforeReplace: (news) => news["name"] !== undefined && news["name"] !== "",
    normalize: (key, value) => (key === "ipamConfigs" && Array.isArray(value) ? normalizeIpamConfigs(value) : value),
};

/**
 * `ipam_config` as the provider flattens it: only the non-empty fields
 * (docs/provider-rules.md:192-196, resource_docker_network_structures.go:11-39), and a
 * set, so its order does not matter.
 */
function normalizeIpamConfigs(configs: unknown[]): unknown[] {
    return configs
        .map((c) =>
            c !== null && typeof c === "object"
                ? Object.fromEntries(
                      Object.entries(c as Record<string, unknown>).filter(
                          ([, v]) => v !== undefined && v !== "" && !(v !== null && typeof v === "object" && Object.keys(v).length === 0),
                      ),
                  )
                : c,
        )
        .map((c) => [JSON.stringify(c, Object.keys(c as object).sort()), c] as const)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([, c]) => c);
}

/**
 * The Network's diff. `options` is compared with the recorded state, not the recorded
 * inputs: Read copies the engine's options (also keys the engine adds, e.g. swarm's
 * `com.docker.network.driver.overlay.vxlanid_list`) into the state, and when the program
 * gives `options`, a recorded key it lacks is removed, a replacement
 * (docs/provider-rules.md:197-208; terraform-plugin-sdk schema.go:1150-1180).
 */
export function networkDiff(req: DiffRequest): DiffResult {
    const olds = { ...req.olds };
    const recorded = req.oldOutputs?.["options"];
    if (req.news["options"] !== undefined && recorded !== undefined && recorded !== null) {
        olds["options"] = recorded;
    }
    return classify(NETWORK_DIFF, changedKeys(NETWORK_DIFF, olds, req.news), req.news);
}

export const network: ResourceHandler = {
    diff: networkDiff,
    types: [NETWORK_TYPE],
    async create(ctx, r) {
        const inputs = r.inputs as NetworkInputs;
        const req = networkCreateRequest(r.urn, inputs);
        const engine = ctx.engineFor(r);
        let id: string;
        try {
            id = await engine.createNetwork(req);
        } catch (err) {
            throw new Error(`${r.type} ${r.urn}: creating network "${req.Name}" on ${engine.host} failed: ${(err as Error).message.trim()}`);
        }
        // Record the id at once: if inspecting fails, `down` still knows what to remove.
        ctx.noteId(r.urn, id);
        const net = await engine.inspectNetwork(id);
        return { id, state: networkState(inputs, net) };
    },
    async delete(ctx, r) {
        const target = objectTarget(r, (r.inputs as NetworkInputs).name);
        if (target === undefined) {
            return "absent";
        }
        return onEngine(ctx, r, (e) => removeNetworkAsProvider(e, target, ctx.deps));
    },
};

/**
 * The provider's network delete is a wait for the state `removed`
 * (kreuzwerker v4.5.0 internal/provider/resource_docker_network_funcs.go:110-135,
 * timings :21-23) in the SDK's StateChangeConf (helper/retry/state.go:88-200,
 * identical in hashicorp/terraform-plugin-sdk v2.40.1, which K's go.mod names,
 * and in the branch upstream-v2.38.1 of pulumi/terraform-plugin-sdk, the fork
 * pulumi-docker substitutes): it first waits `Delay` (2 s); each try
 * inspects the network (any error: already removed) and removes it (:205-224);
 * "has active endpoints" (case-insensitive, helpers.go:113) is pending and tried
 * again after 5 s, then every 10 s (the wait doubles from 100 ms, at least
 * MinTimeout, at most 10 s) until the 30 s Timeout (the TimeoutError of
 * helper/retry/error.go:64-90); any other error fails the delete at once.
 * The 2 s matter in swarm mode: a network removed the moment its last
 * container went is still "in use by task" (the container's attachment), which
 * fails a delete that does not wait, as the lab's did.
 */
export const NETWORK_REMOVE = { delayMs: 2000, minWaitMs: 5000, maxWaitMs: 10000, timeoutMs: 30000 };

export async function removeNetworkAsProvider(
    engine: Pick<EngineClient, "inspectNetwork" | "removeNetwork">,
    target: string,
    clock: Pick<ApplierDeps, "sleep" | "now">,
    timing = NETWORK_REMOVE,
): Promise<boolean> {
    const started = clock.now().getTime();
    const deadline = started + timing.timeoutMs;
    let at = started + timing.delayMs;
    let wait = 100;
    for (;;) {
        const pause = at - clock.now().getTime();
        if (at >= deadline) {
            throw new Error(`timeout while waiting for state to become 'removed' (last state: 'pending', timeout: ${timing.timeoutMs / 1000}s)`);
        }
        if (pause > 0) {
            await clock.sleep(pause);
        }
        try {
            await engine.inspectNetwork(target);
        } catch {
            return false;
        }
        try {
            return await engine.removeNetwork(target);
        } catch (err) {
            if (!/has active endpoints/i.test((err as Error).message)) {
                throw err;
            }
        }
        wait = Math.min(Math.max(wait * 2, timing.minWaitMs), timing.maxWaitMs);
        at = clock.now().getTime() + wait;
    }
}
