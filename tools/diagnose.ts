/**
 * `npm run diagnose -- <stack-file> [--json] [--deployed <outputs.json>]`: the underlay and overlays of a
 * running ssh or docker-machine stack, for real clusters (lab/remoteDiagnose.ts says what it
 * probes and compares; `npm run lab -- diagnose` covers the lab's netns
 * and dind stacks), from this machine: over ssh with the key
 * DOCKER_OVERLAY_SSH_PRIVATE_KEY_FILE names, or through `docker-machine ssh`. Prints each failure as one line
 * (`swarm-node1 -> swarm-node2 udp/4789: no answer`, `overlay net1:
 * swarm-node1 does not see c2`) and exits 1 on any; `--json` prints `{ stack,
 * hosts: [{ host, probes, ok, failures, error? }], overlays: [{ network, seen:
 * { host: [...] } }], gossip: [{ host, members?, last?, joinFailed? }] (cluster-store
 * mode), failures, warnings }` (warnings: engine threads stranded in a deleted
 * network namespace, lib/engine/strandedThreads.ts; a host whose engine log
 * cannot be read). `--deployed`: the stack's outputs (`pulumi stack output --json`), whose
 * `placements` say where its containers run; without it, where a new stack would put them.
 */
import { parseArgs } from "util";
import { loadStackFile } from "../lib/config/load";
import { normalizeConfig } from "../lib/config/validate";
import { spawnSync } from "child_process";
import { dockerMachineAccess, RemoteAccess, remoteDiagnose, renderRemoteDiagnoseText, sshAccess } from "../lab/remoteDiagnose";
import { deployedPlacements } from "../runner/plan";
import { SECRET_FILE_VARIABLES, secretsFromEnvironment } from "../lab/secrets";

async function main(): Promise<number> {
    const { values, positionals } = parseArgs({
        args: process.argv.slice(2),
        options: { json: { type: "boolean" }, deployed: { type: "string" } },
        allowPositionals: true,
    });
    if (positionals.length !== 1) {
        process.stderr.write("usage: npm run diagnose -- <stack-file.yaml> [--json] [--deployed <outputs.json>]\n");
        return 2;
    }
    const { stack, raw } = loadStackFile(positionals[0]);
    const config = normalizeConfig(raw, stack);
    let access: RemoteAccess;
    if (config.driver.kind === "ssh") {
        const key = secretsFromEnvironment().sshPrivateKey;
        if (key === undefined) {
            process.stderr.write(`diagnose: set ${SECRET_FILE_VARIABLES.sshPrivateKey} to the private key the stack's sshPrivateKey holds\n`);
            return 2;
        }
        access = sshAccess(config, key.trim());
    } else if (config.driver.kind === "docker-machine") {
        // Without an ssh client docker-machine uses its own, whose pty mangles the output read back (lab/remoteDiagnose.ts).
        for (const bin of ["docker-machine", "ssh"]) {
            if (spawnSync("sh", ["-c", `command -v ${bin}`]).status !== 0) {
                process.stderr.write(`diagnose: ${bin} is not on PATH; a docker-machine stack is read through docker-machine ssh with OpenSSH's ssh client\n`);
                return 2;
            }
        }
        access = dockerMachineAccess(config);
    } else {
        process.stderr.write(
            `diagnose: ${positionals[0]} uses the ${config.driver.kind} driver; npm run diagnose probes ssh and docker-machine stacks (netns, dind: npm run lab -- diagnose)\n`,
        );
        return 2;
    }
    // Where the stack runs its containers (`pulumi stack output --json`): after changes they may
    // not be where a new stack would put them (lib/plan/previous.ts).
    let deployed: Record<string, string> | undefined;
    try {
        deployed = values.deployed !== undefined ? deployedPlacements(values.deployed) : undefined;
    } catch (err) {
        process.stderr.write(`diagnose: ${(err as Error).message}\n`);
        return 2;
    }
    const r = await remoteDiagnose(config, access, deployed);
    process.stdout.write(
        values.json === true
            ? `${JSON.stringify({ stack: r.stack, hosts: r.hosts, overlays: r.overlays, gossip: r.gossip, failures: r.failures, warnings: r.warnings })}\n`
            : renderRemoteDiagnoseText(r),
    );
    return r.failures.length === 0 ? 0 : 1;
}

if (require.main === module) {
    main().then(
        (code) => (process.exitCode = code),
        (err: unknown) => {
            process.stderr.write(
                `${err instanceof Error && err.name === "ConfigError" ? err.message : err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
            );
            process.exitCode = 1;
        },
    );
}
