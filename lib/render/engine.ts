/**
 * Engine options, rendered once and shaped three ways: dockerd flags (netns,
 * dind), daemon.json (ssh) and `--engine-opt` values (docker-machine). One
 * place decides what the engines run with. In cluster-store mode that is the
 * KV store, how the engine advertises itself and the host's labels; in swarm
 * mode nothing (the swarm is formed through the engines' API, lib/swarm/scripts.ts,
 * and the host's labels are node labels there). TLS flags are added by each
 * driver (lib/tls/engine.ts), since where the certificate files live is the
 * driver's business.
 */
import { ClusterConfig, HostConfig } from "../config/types";

export interface EngineOptions {
    /** `cluster-store`: the KV store URL, e.g. `consul://10.199.0.2:8500`. cluster-store mode only. */
    clusterStore?: string;
    /** `cluster-advertise`: `<interface or ip>:<port>`, e.g. `eth1:2376`. cluster-store mode only. */
    clusterAdvertise?: string;
    /** `cluster-store-opts`, e.g. `{ "kv.path": "docker/nodes" }`. */
    clusterStoreOpts: Record<string, string>;
    /** Engine labels (`--label key=value`), matched by swarm-style constraints. */
    labels: Record<string, string>;
}

/**
 * The options one host's engine runs with. `clusterStore` is the KV store URL
 * (known only once the store exists) in cluster-store mode, undefined in swarm mode.
 */
export function engineOptions(config: ClusterConfig, host: HostConfig, clusterStore: string | undefined): EngineOptions {
    if (config.engine.mode === "swarm") {
        // Swarm mode: the labels are node labels, set through a manager and changed in
        // place (components/swarm.ts). As engine flags they would be part of the machine's
        // script, and a changed label would rebuild the machine (replaceOnChanges "*").
        return { clusterStoreOpts: {}, labels: {} };
    }
    if (clusterStore === undefined) {
        return { clusterStoreOpts: {}, labels: sortedRecord(host.labels) };
    }
    return {
        clusterStore,
        clusterAdvertise: `${config.engine.advertiseInterface}:${config.engine.apiPort}`,
        clusterStoreOpts: sortedRecord(config.engine.clusterStoreOpts),
        labels: sortedRecord(host.labels),
    };
}

/**
 * The daemon.json keys of the options: the cluster keys (cluster-store mode) and
 * the labels, each only when set. Shared by the ssh driver's file
 * (renderDaemonJson) and the netns engines' (lib/drivers/netns.ts).
 */
export function daemonJsonKeys(opts: EngineOptions): Record<string, unknown> {
    const doc: Record<string, unknown> = {};
    if (opts.clusterStore !== undefined) {
        doc["cluster-store"] = opts.clusterStore;
    }
    if (opts.clusterAdvertise !== undefined) {
        doc["cluster-advertise"] = opts.clusterAdvertise;
    }
    if (Object.keys(opts.clusterStoreOpts).length > 0) {
        doc["cluster-store-opts"] = opts.clusterStoreOpts;
    }
    const labels = labelList(opts.labels);
    if (labels.length > 0) {
        doc["labels"] = labels;
    }
    return doc;
}

/** Engine labels as dockerd lists them (`--label`, daemon.json, `docker info`): `key=value`. */
export function labelList(labels: Readonly<Record<string, string>>): string[] {
    return Object.entries(labels).map(([k, v]) => `${k}=${v}`);
}

/**
 * `/etc/docker/daemon.json` content. `extra` is merged in (e.g. `hosts`, TLS
 * settings) so a driver adds what it needs without re-deciding the cluster keys.
 */
export function renderDaemonJson(opts: EngineOptions, extra: Record<string, unknown> = {}): string {
    return JSON.stringify({ ...daemonJsonKeys(opts), ...extra }, null, 2) + "\n";
}

/**
 * The options with `cluster-advertise` at the machine's own address instead of
 * an interface name, for drivers that know the address (dind, netns). dockerd
 * resolves an interface name with the calling thread's network namespace, at
 * start and again on every reload (moby v20.10.5 `daemon/reload.go:175`,
 * `pkg/discovery/backends.go:54-62`): a thread left in a container's namespace
 * would find that container's eth1. An address needs no lookup. Swarm mode (no cluster store) is returned as it is.
 */
export function advertiseAddress(opts: EngineOptions, address: string, port: number): EngineOptions {
    return opts.clusterStore === undefined ? opts : { ...opts, clusterAdvertise: `${address}:${port}` };
}

/** `docker-machine create` flags: `--engine-opt` for cluster keys, `--engine-label` for labels. */
export function renderEngineOptFlags(opts: EngineOptions): string[] {
    return [
        ...(opts.clusterStore !== undefined ? [`--engine-opt=cluster-store=${opts.clusterStore}`] : []),
        ...(opts.clusterAdvertise !== undefined ? [`--engine-opt=cluster-advertise=${opts.clusterAdvertise}`] : []),
        ...Object.entries(opts.clusterStoreOpts).map(([k, v]) => `--engine-opt=cluster-store-opt=${k}=${v}`),
        ...labelList(opts.labels).map((l) => `--engine-label=${l}`),
    ];
}

function sortedRecord(r: Record<string, string>): Record<string, string> {
    return Object.fromEntries(Object.entries(r).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
