/**
 * `status`: what the last `up` built, from the stack outputs it saved,
 * refreshed from live inspects of the engines where they answer.
 */
import { DockerEndpoint, EngineClient, isEngineGone } from "./clients/docker";
import { DOCKER_PROVIDER_TYPE } from "./resources/dockerProvider";
import { LabState } from "./state";

export interface StatusHost {
    name: string;
    dockerHost: string;
    address: string;
}

export interface StatusContainer {
    name: string;
    host: string;
    /** Network name -> the container's IPv4 address on it. */
    networks: Record<string, string>;
}

/** The `status --json` document (docs/architecture.md, "npm run lab"). */
export interface LabStatus {
    hosts: StatusHost[];
    /** null in swarm mode without a configured store. */
    kv: { backend: string; url: string } | null;
    containers: StatusContainer[];
}

function isRecord(v: unknown): v is Record<string, unknown> {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}

function str(v: unknown, what: string): string {
    if (typeof v !== "string") {
        throw new Error(`saved outputs: ${what} is not a string (${JSON.stringify(v)})`);
    }
    return v;
}

/** The status document from the program's exports (`kv`, `hosts`, `containers`). */
export function statusFromExports(exports: Record<string, unknown> | undefined): LabStatus {
    if (exports === undefined) {
        throw new Error("no saved outputs: the last `up` did not finish (run `npm run lab -- up`)");
    }
    const kv = exports["kv"];
    const hosts = exports["hosts"];
    const containers = exports["containers"];
    if ((kv !== null && !isRecord(kv)) || !Array.isArray(hosts) || !Array.isArray(containers)) {
        throw new Error("saved outputs lack kv, hosts or containers: is the program exporting them?");
    }
    return {
        hosts: hosts.map((h: unknown, i) => {
            if (!isRecord(h)) {
                throw new Error(`saved outputs: hosts[${i}] is not an object`);
            }
            return {
                name: str(h["name"], `hosts[${i}].name`),
                dockerHost: str(h["dockerHost"], `hosts[${i}].dockerHost`),
                address: str(h["address"], `hosts[${i}].address`),
            };
        }),
        kv: kv === null ? null : { backend: str(kv["backend"], "kv.backend"), url: str(kv["url"], "kv.url") },
        containers: containers.map((c: unknown, i) => {
            if (!isRecord(c) || !isRecord(c["networks"])) {
                throw new Error(`saved outputs: containers[${i}] is not { name, host, networks }`);
            }
            return {
                name: str(c["name"], `containers[${i}].name`),
                host: str(c["host"], `containers[${i}].host`),
                networks: Object.fromEntries(Object.entries(c["networks"]).map(([n, ip]) => [n, str(ip, `containers[${i}].networks.${n}`)])),
            };
        }),
    };
}

/** The docker endpoint (with TLS material, if its provider had any) for a host's `dockerHost`. */
export function endpointFor(state: LabState | undefined, dockerHost: string): DockerEndpoint {
    const provider = state?.resources.find((r) => r.type === DOCKER_PROVIDER_TYPE && r.inputs["host"] === dockerHost);
    return provider !== undefined ? (provider.inputs as unknown as DockerEndpoint) : { host: dockerHost };
}

export interface RefreshedStatus {
    status: LabStatus;
    /** What could not be refreshed and why, one line each. */
    notes: string[];
}

/** Replaces each container's saved addresses with what its engine reports now. */
export async function refreshStatus(saved: LabStatus, engineFor: (dockerHost: string) => EngineClient): Promise<RefreshedStatus> {
    const notes: string[] = [];
    const hostByName = new Map(saved.hosts.map((h) => [h.name, h]));
    const containers = await Promise.all(
        saved.containers.map(async (c): Promise<StatusContainer> => {
            const host = hostByName.get(c.host);
            if (host === undefined) {
                notes.push(`${c.name}: host ${c.host} is not among the saved hosts; showing saved addresses`);
                return c;
            }
            try {
                const info = await engineFor(host.dockerHost).inspectContainer(c.name);
                if (info === undefined) {
                    notes.push(`${c.name}: no such container on ${c.host} (${host.dockerHost})`);
                    return { ...c, networks: {} };
                }
                if (info.State?.Running !== true) {
                    notes.push(`${c.name}: not running on ${c.host} (${info.State?.Status ?? "unknown"})`);
                }
                const live = info.NetworkSettings?.Networks ?? {};
                return {
                    ...c,
                    networks: Object.fromEntries(
                        Object.entries(live)
                            .filter(([, n]) => (n.IPAddress ?? "") !== "")
                            .map(([name, n]): [string, string] => [name, n.IPAddress as string])
                            .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
                    ),
                };
            } catch (err) {
                notes.push(`${c.name}: ${isEngineGone(err) ? `engine ${host.dockerHost} is not answering` : (err as Error).message}; showing saved addresses`);
                return c;
            }
        }),
    );
    return { status: { ...saved, containers }, notes };
}

export function renderStatusText(s: LabStatus, notes: readonly string[]): string {
    const lines = [s.kv === null ? "kv: none (swarm mode)" : `kv: ${s.kv.backend} ${s.kv.url}`, "hosts:"];
    for (const h of s.hosts) {
        lines.push(`  ${h.name.padEnd(16)} ${h.address.padEnd(15)} ${h.dockerHost}`);
    }
    lines.push("containers:");
    for (const c of s.containers) {
        const nets = Object.entries(c.networks)
            .map(([n, ip]) => `${n}=${ip}`)
            .join(" ");
        lines.push(`  ${c.name.padEnd(16)} on ${c.host.padEnd(16)} ${nets === "" ? "(no networks)" : nets}`);
    }
    for (const n of notes) {
        lines.push(`note: ${n}`);
    }
    return lines.join("\n") + "\n";
}
