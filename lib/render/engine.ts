/**
 * Engine options for `cluster-store` mode, rendered once and shaped three ways:
 * dockerd flags (netns, dind), daemon.json (ssh) and `--engine-opt` values
 * (docker-machine). One place decides what the engines run with.
 */
import { ClusterConfig, HostConfig } from "../config/types";

export interface EngineOptions {
    /** `cluster-store`: the KV store URL, e.g. `consul://10.199.0.2:8500`. */
    clusterStore: string;
    /** `cluster-advertise`: `<interface or ip>:<port>`, e.g. `eth1:2376`. */
    clusterAdvertise: string;
    /** `cluster-store-opts`, e.g. `{ "kv.path": "docker/nodes" }`. */
    clusterStoreOpts: Record<string, string>;
    /** Engine labels (`--label key=value`), matched by swarm-style constraints. */
    labels: Record<string, string>;
}

/** The options one host's engine runs with, given the KV store URL (known only once the store exists). */
export function engineOptions(config: ClusterConfig, host: HostConfig, clusterStore: string): EngineOptions {
    return {
        clusterStore,
        clusterAdvertise: `${config.engine.advertiseInterface}:${config.engine.apiPort}`,
        clusterStoreOpts: sortedRecord(config.engine.clusterStoreOpts),
        labels: sortedRecord(host.labels),
    };
}

/** dockerd command-line flags, in a stable order. */
export function renderDaemonFlags(opts: EngineOptions): string[] {
    return [
        `--cluster-store=${opts.clusterStore}`,
        `--cluster-advertise=${opts.clusterAdvertise}`,
        ...Object.entries(opts.clusterStoreOpts).map(([k, v]) => `--cluster-store-opt=${k}=${v}`),
        ...Object.entries(opts.labels).map(([k, v]) => `--label=${k}=${v}`),
    ];
}

/**
 * `/etc/docker/daemon.json` content. `extra` is merged in (e.g. `hosts`, TLS
 * settings) so a driver adds what it needs without re-deciding the cluster keys.
 */
export function renderDaemonJson(opts: EngineOptions, extra: Record<string, unknown> = {}): string {
    const doc: Record<string, unknown> = {
        "cluster-store": opts.clusterStore,
        "cluster-advertise": opts.clusterAdvertise,
    };
    if (Object.keys(opts.clusterStoreOpts).length > 0) {
        doc["cluster-store-opts"] = opts.clusterStoreOpts;
    }
    const labels = Object.entries(opts.labels).map(([k, v]) => `${k}=${v}`);
    if (labels.length > 0) {
        doc["labels"] = labels;
    }
    return JSON.stringify({ ...doc, ...extra }, null, 2) + "\n";
}

/** `docker-machine create` flags: `--engine-opt` for cluster keys, `--engine-label` for labels. */
export function renderEngineOptFlags(opts: EngineOptions): string[] {
    return [
        `--engine-opt=cluster-store=${opts.clusterStore}`,
        `--engine-opt=cluster-advertise=${opts.clusterAdvertise}`,
        ...Object.entries(opts.clusterStoreOpts).map(([k, v]) => `--engine-opt=cluster-store-opt=${k}=${v}`),
        ...Object.entries(opts.labels).map(([k, v]) => `--engine-label=${k}=${v}`),
    ];
}

function sortedRecord(r: Record<string, string>): Record<string, string> {
    return Object.fromEntries(Object.entries(r).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
