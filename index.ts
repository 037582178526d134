/**
 * docker-overlay: multi-host Docker overlay networking as a Pulumi program.
 * This file only reads the stack's config, validates it, builds the cluster
 * and exports what it made. Everything else lives in components/ and lib/.
 */
import * as pulumi from "@pulumi/pulumi";
import { OverlayCluster } from "./components/cluster";
import { machineDriver } from "./components/machines";
import { rawFromPulumiConfig } from "./lib/config/load";
import { PROJECT } from "./lib/config/types";
import { normalizeConfig } from "./lib/config/validate";

const cfg = new pulumi.Config(PROJECT);
// Throws one ConfigError listing every problem, before any resource is registered.
// Every key of the stack is passed so a misspelt one (docker-overlay:host) is reported, not ignored.
const raw = rawFromPulumiConfig((key) => cfg.getObject(key), Object.keys(pulumi.runtime.allConfig()));
const config = normalizeConfig(raw, pulumi.getStack());

const cluster = new OverlayCluster("cluster", {
    config,
    driver: machineDriver(config.driver.kind, { sshPrivateKey: cfg.getSecret("sshPrivateKey") }),
});

export const kv = cluster.kv.url.apply((url) => ({ backend: config.kvStore.backend, url }));
export const hosts = cluster.hostSummaries;
export const networks = config.networks.map((n) => ({ name: n.name, subnet: n.subnet, gateway: n.gateway }));
export const placements = cluster.plan.placements;
export const containers = cluster.containerSummaries;
export const connectivity = cluster.connectivity.apply((result) => result ?? null);
export const registeredEngines = cluster.record ? cluster.record.registeredEngines : null;
