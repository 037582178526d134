/** The `docker-overlay:kvStore` section: the store the engines (cluster-store mode) and the cluster record use. */
import { DEFAULTS } from "../defaults";
import { keysOf, KV_STORE_FIELDS } from "../fields";
import { EngineMode, KV_DEFAULT_PORT, KV_SCHEME, KV_TLS_OPTS, KvBackend } from "../types";
import { Checker } from "./checker";
import { DriverFacts } from "./facts";
import { hostnameProblem, hostOrIPv4Problem } from "./names";
import { recordPrefixProblem } from "../../kv/recordPrefix";

export function checkKvStore(c: Checker, value: unknown, driver: DriverFacts, hostNames: readonly string[], mode: EngineMode | undefined): void {
    const ssh = driver.kind === "ssh";
    if (value === undefined) {
        // Swarm mode keeps its state in the managers' raft store: no KV store unless configured.
        if (ssh && mode === "cluster-store") {
            c.add(
                "kvStore.address",
                "is required with driver.kind ssh: the ssh driver creates no machines, so point it at an existing store, e.g. consul://192.0.2.10:8500",
            );
        }
        return;
    }
    const kv = c.object("kvStore", value, keysOf(KV_STORE_FIELDS));
    if (kv === undefined) {
        return;
    }
    const backend = kv["backend"] === undefined ? DEFAULTS.kvBackend : c.oneOf("kvStore.backend", kv["backend"], KV_STORE_FIELDS.backend.enum);
    if (backend === "zookeeper" && (driver.kind === "netns" || driver.kind === "dind") && mode === "cluster-store") {
        // Measured in the lab: engines register in zookeeper and networks propagate, but
        // the first container joining an overlay panics dockerd (libnetwork's zookeeper
        // store lists the endpoint-count key by its bare child name since 2019, in every
        // 20.10). These drivers run 20.10 engines (netns: Debian's 20.10.5; dind: 20.10.24).
        c.add(
            "kvStore.backend",
            `zookeeper crashes the Docker 20.10 engines the ${driver.kind} driver runs as soon as a container joins an overlay ` +
                `(a libnetwork bug in its zookeeper store); use consul or etcd, or engines <= 19.03 through the ssh or docker-machine driver`,
        );
    }

    if (kv["machine"] !== undefined && kv["address"] !== undefined) {
        c.add("kvStore", "sets both machine and address; keep machine for a store the driver creates, or address for an existing one");
    }
    if (kv["machine"] !== undefined) {
        const machine = c.string("kvStore.machine", kv["machine"], "a machine name");
        if (machine !== undefined) {
            const problem = hostnameProblem(machine);
            if (problem !== undefined) {
                c.add("kvStore.machine", problem);
            } else if (hostNames.includes(machine)) {
                c.add(
                    "kvStore.machine",
                    `${JSON.stringify(machine)} is also the name of an engine host; the KV store needs a machine of its own, so give it another name (e.g. kvstore)`,
                );
            }
        }
        if (ssh) {
            c.add(
                "kvStore.machine",
                "the ssh driver creates no machines; remove machine and set kvStore.address to an existing store, e.g. consul://192.0.2.10:8500",
            );
        }
    } else if (kv["address"] === undefined) {
        if (ssh) {
            c.add(
                "kvStore.address",
                "is required with driver.kind ssh: the ssh driver creates no machines, so point it at an existing store, e.g. consul://192.0.2.10:8500",
            );
        } else if (hostNames.includes(DEFAULTS.kvMachine)) {
            c.add("kvStore.machine", `defaults to "${DEFAULTS.kvMachine}", which is also the name of an engine host; set kvStore.machine to another name`);
        }
    }

    let addressPort: number | undefined;
    if (kv["address"] !== undefined) {
        const address = c.string("kvStore.address", kv["address"], "a URL");
        if (address !== undefined) {
            addressPort = checkKvAddress(c, address, backend);
        }
    }
    if (kv["port"] !== undefined) {
        const port = c.port("kvStore.port", kv["port"]);
        if (port !== undefined && addressPort !== undefined && port !== addressPort) {
            c.add("kvStore.port", `${port} conflicts with the port in kvStore.address (${addressPort}); remove port, the address already says it`);
        }
    }
    if (kv["tls"] !== undefined && c.boolean("kvStore.tls", kv["tls"]) === true) {
        if (kv["address"] !== undefined) {
            c.add(
                "kvStore.tls",
                `makes certificates for a store the program runs; for an existing TLS store, put its files on the hosts and name them in engine.clusterStoreOpts (${Object.values(KV_TLS_OPTS).join(", ")}), or remove tls`,
            );
        } else if (driver.kind !== undefined && driver.kind !== "netns") {
            c.add(
                "kvStore.tls",
                `is supported for a store the netns driver runs; the ${driver.kind} driver cannot give its KV machine certificates yet, so remove tls`,
            );
        }
        if (backend === "zookeeper") {
            c.add("kvStore.tls", "is supported for consul and etcd; libkv's zookeeper client has no TLS, so remove tls or use another backend");
        }
    }
    if (kv["recordPrefix"] !== undefined) {
        const prefix = c.string("kvStore.recordPrefix", kv["recordPrefix"], "a consul key prefix");
        if (prefix !== undefined && (prefix === "" || prefix.startsWith("/") || prefix.endsWith("/") || /\s/.test(prefix))) {
            c.add(
                "kvStore.recordPrefix",
                `${JSON.stringify(prefix)} must be a consul key path without leading or trailing / or whitespace, e.g. docker-overlay/dev`,
            );
        } else if (prefix !== undefined) {
            // Keys the provider would own but others write (lib/kv/recordPrefix.ts).
            const unsafe = recordPrefixProblem(prefix);
            if (unsafe !== undefined) {
                c.add("kvStore.recordPrefix", unsafe);
            }
        }
        if (backend !== undefined && backend !== "consul") {
            c.add("kvStore.recordPrefix", `is only used with the consul backend (the cluster is recorded in consul); remove it for ${backend}`);
        }
    }
}

/** `<scheme>://<host>:<port>` with the backend's scheme; returns the port when the address is well-formed. */
function checkKvAddress(c: Checker, address: string, backend: KvBackend | undefined): number | undefined {
    const path = "kvStore.address";
    const example = backend === undefined ? "consul://192.0.2.10:8500" : `${KV_SCHEME[backend]}://192.0.2.10:${KV_DEFAULT_PORT[backend]}`;
    const m = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/(.*)$/.exec(address);
    if (m === null) {
        c.add(path, `${JSON.stringify(address)} is not a store URL: write <scheme>://<host>:<port>, e.g. ${example}`);
        return undefined;
    }
    const scheme = m[1];
    if (backend !== undefined && scheme !== KV_SCHEME[backend]) {
        c.add(path, `${JSON.stringify(address)} must start with ${KV_SCHEME[backend]}:// for the ${backend} backend, e.g. ${example}`);
        return undefined;
    }
    let url: URL;
    try {
        url = new URL(address);
    } catch {
        c.add(path, `${JSON.stringify(address)} is not a store URL: write <scheme>://<host>:<port>, e.g. ${example}`);
        return undefined;
    }
    if (
        url.username !== "" ||
        url.password !== "" ||
        url.search !== "" ||
        url.hash !== "" ||
        (url.pathname !== "" && url.pathname !== "/") ||
        address.endsWith("/")
    ) {
        c.add(
            path,
            `${JSON.stringify(address)} must be just <scheme>://<host>:<port>, with nothing after the port (a key prefix goes in engine.clusterStoreOpts as kv.path)`,
        );
        return undefined;
    }
    if (!/:\d+$/.test(m[2])) {
        c.add(path, `${JSON.stringify(address)} has no port; write ${scheme}://${url.hostname || "<host>"}:<port>, e.g. ${example}`);
        return undefined;
    }
    const hostProblem = url.hostname === "" ? "the host is missing" : hostOrIPv4Problem(url.hostname);
    if (hostProblem !== undefined) {
        c.add(path, `${JSON.stringify(address)} has an invalid host: ${hostProblem}`);
        return undefined;
    }
    // WHATWG URL drops a scheme's default port, but these schemes have none; an empty port here means 0 or out of range.
    const port = Number(m[2].slice(m[2].lastIndexOf(":") + 1));
    if (!(port >= 1 && port <= 65535)) {
        c.add(path, `${JSON.stringify(address)} has port ${port}; a port must be from 1 to 65535`);
        return undefined;
    }
    return port;
}
