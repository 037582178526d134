/**
 * docker-overlay's CrossGuard policy pack:
 *   pulumi preview --policy-pack policy
 * The rules live in rules.ts as plain functions (tested by `npm run test:policy`).
 */
import { PolicyPack, ReportViolation, ResourceValidationArgs, StackValidationArgs } from "@pulumi/policy";
import { FIRST_ENGINE_WITHOUT_CLUSTER_STORE, LAST_CLUSTER_STORE_ENGINE } from "../lib/engine/clusterStore";
import {
    CheckedResource,
    clusterStoreEngineVersion,
    containerLimits,
    dockerApiTls,
    LimitsPolicyConfig,
    overlayMtuOption,
    overlaySubnetsDisjoint,
    SubnetPolicyConfig,
    swarmDataPath,
    Violation,
} from "./rules";

const asChecked = (args: { type: string; name: string; urn: string; props: Record<string, unknown> }): CheckedResource => ({
    type: args.type,
    name: args.name,
    urn: args.urn,
    props: args.props,
});

function report(violations: Violation[], reportViolation: ReportViolation): void {
    for (const v of violations) {
        reportViolation(v.message, v.urn);
    }
}

new PolicyPack("docker-overlay", {
    policies: [
        {
            name: "docker-api-tls",
            description: "No Docker API on TCP without TLS: providers carry client certificates, dockerd verifies clients.",
            enforcementLevel: "mandatory",
            validateResource: (args: ResourceValidationArgs, reportViolation: ReportViolation) => report(dockerApiTls(asChecked(args)), reportViolation),
        },
        {
            name: "cluster-store-engine-version",
            description: `cluster-store only with engines <= ${LAST_CLUSTER_STORE_ENGINE.major}.${LAST_CLUSTER_STORE_ENGINE.minor} (removed in Docker ${FIRST_ENGINE_WITHOUT_CLUSTER_STORE}).`,
            enforcementLevel: "mandatory",
            validateResource: (args: ResourceValidationArgs, reportViolation: ReportViolation) =>
                report(clusterStoreEngineVersion(asChecked(args)), reportViolation),
        },
        {
            name: "overlay-subnets-disjoint",
            description: "Overlay subnets overlap neither each other nor the hosts' networks.",
            enforcementLevel: "mandatory",
            configSchema: { properties: { underlays: { type: "array", items: { type: "string" } } } },
            validateStack: (args: StackValidationArgs, reportViolation: ReportViolation) =>
                report(overlaySubnetsDisjoint(args.resources.map(asChecked), args.getConfig<SubnetPolicyConfig>()), reportViolation),
        },
        {
            name: "swarm-data-path",
            description: "A swarm's --data-path-port is one swarm init accepts (1024-49151) and not serf's or the management port.",
            enforcementLevel: "mandatory",
            validateResource: (args: ResourceValidationArgs, reportViolation: ReportViolation) => report(swarmDataPath(asChecked(args)), reportViolation),
        },
        {
            name: "overlay-network-mtu",
            description: "Overlay networks' com.docker.network.driver.mtu (the underlay's MTU) is an integer from 1280 to 9000.",
            enforcementLevel: "mandatory",
            validateResource: (args: ResourceValidationArgs, reportViolation: ReportViolation) => report(overlayMtuOption(asChecked(args)), reportViolation),
        },
        {
            name: "container-resource-limits",
            description: "Containers set resource limits where the pack's config requires them.",
            enforcementLevel: "advisory",
            configSchema: { properties: { requireMemory: { type: "boolean" }, requireCpuShares: { type: "boolean" } } },
            validateResource: (args: ResourceValidationArgs, reportViolation: ReportViolation) =>
                report(containerLimits(asChecked(args), args.getConfig<LimitsPolicyConfig>()), reportViolation),
        },
    ],
});
