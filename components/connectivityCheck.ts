import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { CheckContainer } from "../lib/check/pairs";
import { CHECK_SCRIPT_INTERPRETER, CheckResult, parseCheckResult, renderCheckScript } from "../lib/render/check";
import { PlacedContainer } from "./placedContainer";
import { DockerHost } from "./dockerHost";

export interface ConnectivityCheckArgs {
    containers: { placed: PlacedContainer; host: DockerHost; networks: string[] }[];
    /** Swarm mode: the managers, asked before the pairs whether the swarm keeps its quorum. */
    managers?: DockerHost[];
}

/**
 * After every container is up, pings every pair that shares a network by IP
 * and by name (and checks that pairs sharing none stay apart). Fails the
 * deployment when the overlay does not carry traffic; exports the matrix.
 * The pairs (lib/check/pairs.ts) are walked by the script when it runs; the
 * program only hands it the containers, so its size grows with them, not
 * with their square. In swarm mode it first asks the managers, and fails at
 * once, naming them, when fewer than a majority answer (lib/render/check.ts).
 */
export class ConnectivityCheck extends pulumi.ComponentResource {
    /** The containers checked, with their networks. */
    public readonly containers: CheckContainer[];
    /** Ordered pairs the check tests: every container against every other. */
    public readonly pairCount: number;
    public readonly result: pulumi.Output<CheckResult | undefined>;

    constructor(name: string, args: ConnectivityCheckArgs, opts?: pulumi.ComponentResourceOptions) {
        super("docker-overlay:check:ConnectivityCheck", name, {}, opts);
        this.containers = args.containers.map((c) => ({ name: c.placed.containerName, networks: c.networks }));
        this.pairCount = this.containers.length * (this.containers.length - 1);
        // One output per host, not per container: a host carries many containers (3,000 containers
        // on 300 hosts made 3,000 applies, each a chain of the SDK's promises).
        const hosts = [...new Set(args.containers.map((c) => c.host))];
        const targets = pulumi.all(hosts.map((h) => h.dockerHost)).apply((dockerHosts) => {
            const dockerHostOf = new Map(hosts.map((h, i) => [h, dockerHosts[i]]));
            return Object.fromEntries(args.containers.map((c) => [c.placed.containerName, { dockerHost: dockerHostOf.get(c.host)! }] as const));
        });
        const managers = pulumi.all((args.managers ?? []).map((m) => m.dockerHost.apply((dockerHost) => ({ name: m.hostName, dockerHost }))));
        // Every host of a stack is reached the same way (one driver, one client certificate); a swarm
        // without containers is reached through its managers.
        const first = args.containers[0]?.host ?? args.managers?.[0];
        const ping = new command.local.Command(
            `${name}-ping`,
            {
                create: pulumi.all([targets, managers]).apply(([t, m]) => renderCheckScript(this.containers, t, { cli: first?.cli ?? "docker" }, m)),
                interpreter: [...CHECK_SCRIPT_INTERPRETER],
                // The client's TLS material (tcp:// hosts), never in the script's text.
                ...(first !== undefined && Object.keys(first.scriptEnv).length > 0 ? { environment: first.scriptEnv } : {}),
                // Re-run whenever any container is replaced.
                triggers: args.containers.map((c) => c.placed.container.id),
            },
            { parent: this, dependsOn: args.containers.map((c) => c.placed.container) },
        );
        this.result = ping.stdout.apply((stdout) => parseCheckResult(stdout));
        this.registerOutputs({ pairs: this.pairCount, result: this.result });
    }
}
