import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { connectivityPairs, PairExpectation } from "../lib/check/pairs";
import { CHECK_SCRIPT_INTERPRETER, CheckResult, parseCheckResult, renderCheckScript } from "../lib/render/check";
import { PlacedContainer } from "./placedContainer";
import { DockerHost } from "./dockerHost";

export interface ConnectivityCheckArgs {
    containers: { placed: PlacedContainer; host: DockerHost; networks: string[] }[];
}

/**
 * After every container is up, pings every pair that shares a network by IP
 * and by name (and checks that pairs sharing none stay apart). Fails the
 * deployment when the overlay does not carry traffic; exports the matrix.
 */
export class ConnectivityCheck extends pulumi.ComponentResource {
    public readonly pairs: PairExpectation[];
    public readonly result: pulumi.Output<CheckResult | undefined>;

    constructor(name: string, args: ConnectivityCheckArgs, opts?: pulumi.ComponentResourceOptions) {
        super("docker-overlay:check:ConnectivityCheck", name, {}, opts);
        this.pairs = connectivityPairs(args.containers.map((c) => ({ name: c.placed.containerName, networks: c.networks })));
        const targets = pulumi
            .all(args.containers.map((c) => c.host.dockerHost.apply((dockerHost) => [c.placed.containerName, { dockerHost }] as const)))
            .apply((entries) => Object.fromEntries(entries));
        // Every host of a stack is reached the same way (one driver, one client certificate).
        const first = args.containers[0]?.host;
        const ping = new command.local.Command(
            `${name}-ping`,
            {
                create: targets.apply((t) => renderCheckScript(this.pairs, t, { cli: first?.cli ?? "docker" })),
                interpreter: [...CHECK_SCRIPT_INTERPRETER],
                // The client's TLS material (tcp:// hosts), never in the script's text.
                ...(first !== undefined && Object.keys(first.scriptEnv).length > 0 ? { environment: first.scriptEnv } : {}),
                // Re-run whenever any container is replaced.
                triggers: args.containers.map((c) => c.placed.container.id),
            },
            { parent: this, dependsOn: args.containers.map((c) => c.placed.container) },
        );
        this.result = ping.stdout.apply((stdout) => parseCheckResult(stdout));
        this.registerOutputs({ pairs: this.pairs, result: this.result });
    }
}
