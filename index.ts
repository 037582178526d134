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
import { clusterWarnings, formatProblem, normalizeConfig } from "./lib/config/validate";
import { assertProviderEnvironment } from "./lib/env/providers";
import { requiredPorts } from "./lib/plan/ports";
import { planCluster } from "./lib/plan/cluster";
import { ownStackName, previousPlacements, READ_STACK_OUTPUTS } from "./lib/plan/previous";

/**
 * The program: an async function (the Node language host calls an exported function and takes
 * what it resolves to as the stack's outputs: pulumi/pulumi v3.248.0 `sdk/nodejs/cmd/run/run.ts:573-579`),
 * because where containers run is read back from the stack before anything is registered.
 */
export = async () => {
    const cfg = new pulumi.Config(PROJECT);
    // Throws one ConfigError listing every problem, before any resource is registered.
    // Every key of the stack is passed so a misspelt one (docker-overlay:host) is reported, not ignored.
    const raw = rawFromPulumiConfig((key) => cfg.getObject(key), Object.keys(pulumi.runtime.allConfig()));
    const config = normalizeConfig(raw, pulumi.getStack());
    // A variable such as DOCKER_CONTEXT or CONSUL_HTTP_TOKEN in the shell would redirect or break the
    // providers the program configures explicitly: refused here, before any resource is registered
    // (lib/env/providers.ts says which variables, why, and when the program's own input wins).
    assertProviderEnvironment(process.env, config);
    // What is valid but will probably fail at up (e.g. an image no netns engine has): said, not refused.
    for (const warning of clusterWarnings(config)) {
        void pulumi.log.warn(formatProblem(warning));
    }
    // Where the running stack has its containers: they stay there while they fit (lib/plan/previous.ts).
    const previous: unknown = await pulumi.runtime.invoke(READ_STACK_OUTPUTS, {
        name: ownStackName(pulumi.getOrganization(), pulumi.getProject(), pulumi.getStack()),
    });

    // Where each container lands, the machines' addresses, the network host: decided before anything is
    // registered, so a problem only the placements show (a new container only lost hosts fit) is a
    // ConfigError with nothing made.
    const plan = planCluster(config, previousPlacements(previous));

    const cluster = new OverlayCluster("cluster", {
        config,
        driver: machineDriver(config.driver.kind, { sshPrivateKey: cfg.getSecret("sshPrivateKey") }),
        plan,
    });
    // The cluster builds its hosts and containers in batches (components/cluster.ts): a failure
    // there is the program's own error, as it was when everything was built in the constructor,
    // not a failure to serialize the outputs.
    await cluster.parts;

    return {
        /** `{ backend, url }`, or null in swarm mode without a configured store. */
        kv: cluster.kvSummary,
        /** Swarm mode: `{ manager, managerAddress, ingressSubnet, addressPool, nodes }`; null in cluster-store mode. */
        swarm: cluster.swarmSummary,
        hosts: cluster.hostSummaries,
        networks: config.networks.map((n) => ({ name: n.name, subnet: n.subnet, gateway: n.gateway })),
        /** Container -> host; the next `up` reads it back and keeps each container there while it fits. */
        placements: cluster.plan.placements,
        containers: cluster.containerSummaries,
        connectivity: cluster.connectivity.apply((result) => result ?? null),
        registeredEngines: cluster.registeredEngines,
        /** What must be open between the hosts for this stack (mode, KV store, TLS). */
        ports: requiredPorts(config),
    };
};
