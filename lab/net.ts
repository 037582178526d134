/**
 * The lab talks only to its own machines: addresses on a network attached
 * directly to this machine (the lab bridge, a local docker network) or on
 * loopback. Anything the kernel would send through a gateway is refused, so a
 * stale state (its bridge already gone) never sends a request off the machine.
 */
import { execFileSync } from "child_process";
import { isIP } from "net";

export class NotLabLocalError extends Error {
    constructor(
        readonly address: string,
        reason: string,
    ) {
        super(`${address} is not on a network attached to this machine (${reason}); the lab talks only to its own machines`);
        this.name = "NotLabLocalError";
    }
}

export interface Route {
    gateway?: string;
    dev?: string;
    type?: string;
    /** The device is the one the default route leaves by (the machine's own uplink, not a lab network). */
    uplink?: boolean;
}

/** The route the kernel would take to one address (`ip -j route get`). */
export type RouteLookup = (address: string) => Route;

function ipJson(args: string[]): Route[] {
    return JSON.parse(execFileSync("ip", ["-j", ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] })) as Route[];
}

export const kernelRoute: RouteLookup = (address) => {
    const route = ipJson(["route", "get", address])[0] ?? {};
    const uplinks = new Set([...ipJson(["-4", "route", "show", "default"]), ...ipJson(["-6", "route", "show", "default"])].map((r) => r.dev));
    return { ...route, uplink: route.dev !== undefined && uplinks.has(route.dev) };
};

/** Throws `NotLabLocalError` unless `host` (an IPv4/IPv6 literal) is on loopback or a directly attached network. */
export function assertLabLocal(host: string, lookup: RouteLookup = kernelRoute): void {
    const address = host.replace(/^\[|\]$/g, "");
    if (isIP(address) === 0) {
        throw new NotLabLocalError(host, "not an IP address; the lab does not resolve names");
    }
    let route: ReturnType<RouteLookup>;
    try {
        route = lookup(address);
    } catch (err) {
        throw new NotLabLocalError(host, `no route: ${(err as Error).message.trim().split("\n")[0]}`);
    }
    if (route.type === "local" || route.dev === "lo") {
        return;
    }
    if (route.gateway !== undefined) {
        throw new NotLabLocalError(host, `routed via ${route.gateway} on ${route.dev ?? "?"}`);
    }
    if (route.uplink === true) {
        throw new NotLabLocalError(host, `reached through ${route.dev ?? "?"}, the machine's uplink`);
    }
}
