/**
 * `npm run diagnose -- <stack-file> [--json]`: the underlay of a running ssh
 * stack, for real clusters (`npm run lab -- diagnose` covers the lab's netns
 * stacks). Every directed host pair of every rule the stack's mode needs
 * (lib/plan/probes.ts probePlan: all pairs, not the sample `up` takes beyond
 * 16 hosts) is probed by the same script as the program's probe before the
 * cluster forms (lib/probe/ssh.ts), from the machine this runs on, over ssh
 * with the key DOCKER_OVERLAY_SSH_PRIVATE_KEY_FILE names: each host sets its
 * own counting rules at its targets, sends, reads and removes them again.
 * Prints each failure as one line (`swarm-node1 -> swarm-node2 udp/4789: no
 * answer`) and exits 1 on any; `--json` prints `{ stack, hosts: [{ host, ok,
 * failures, error? }], failures }`.
 */
import { spawn } from "child_process";
import * as fs from "fs";
import { parseArgs } from "util";
import { loadStackFile } from "../lib/config/load";
import { normalizeConfig } from "../lib/config/validate";
import { sshEndpointOf } from "../lib/drivers/ssh";
import { probePlan } from "../lib/plan/probes";
import { renderSshProbeScript, SSH_KEY_ENV, sshProbeTargets } from "../lib/probe/ssh";

/** The environment variable naming the ssh private key file (as `npm run lab` reads it). */
export const KEY_FILE_ENV = "DOCKER_OVERLAY_SSH_PRIVATE_KEY_FILE";

interface HostResult {
    host: string;
    ok: boolean;
    failures: string[];
    /** Why the probe failed other than pairs that did not arrive (its last line). */
    error?: string;
}

function runScript(script: string, key: string): Promise<{ code: number | null; stderr: string }> {
    return new Promise((resolve, reject) => {
        const child = spawn("/bin/bash", ["-c", script], { env: { ...process.env, [SSH_KEY_ENV]: key }, stdio: ["ignore", "ignore", "pipe"] });
        let stderr = "";
        child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
        child.on("error", reject);
        child.on("close", (code) => resolve({ code, stderr }));
    });
}

async function main(): Promise<number> {
    const { values, positionals } = parseArgs({ args: process.argv.slice(2), options: { json: { type: "boolean" } }, allowPositionals: true });
    if (positionals.length !== 1) {
        process.stderr.write("usage: npm run diagnose -- <stack-file.yaml> [--json]\n");
        return 2;
    }
    const { stack, raw } = loadStackFile(positionals[0]);
    const config = normalizeConfig(raw, stack);
    if (config.driver.kind !== "ssh") {
        process.stderr.write(
            `diagnose: ${positionals[0]} uses the ${config.driver.kind} driver; npm run diagnose probes ssh stacks (netns: npm run lab -- diagnose)\n`,
        );
        return 2;
    }
    const keyFile = process.env[KEY_FILE_ENV];
    if (keyFile === undefined || keyFile === "") {
        process.stderr.write(`diagnose: set ${KEY_FILE_ENV} to the private key the stack's sshPrivateKey holds\n`);
        return 2;
    }
    const key = fs.readFileSync(keyFile, "utf8").trim();
    const endpoint = (h: string) => sshEndpointOf(config, h);
    const targets = sshProbeTargets(probePlan(config).probes, endpoint);
    const tag = `${stack}-diagnose-${process.pid}`;
    // In the stack's host order, each with what it must reach.
    const hosts = config.hosts.flatMap((h) => (targets.has(h.name) ? [[h.name, targets.get(h.name)!] as const] : []));
    const results: HostResult[] = await Promise.all(
        hosts.map(async ([host, ts]) => {
            const self = endpoint(host);
            if (self === undefined) {
                return { host, ok: false, failures: [], error: `no ssh endpoint for ${host}` };
            }
            const script = renderSshProbeScript({ tag, host, self, iface: config.engine.advertiseInterface, targets: ts });
            const r = await runScript(script, key);
            const lines = r.stderr.split("\n").filter((l) => l !== "");
            const failures = lines.filter((l) => l.endsWith(": no answer"));
            return {
                host,
                ok: r.code === 0,
                failures,
                ...(r.code !== 0 && failures.length === 0 ? { error: lines[lines.length - 1] ?? `exit ${String(r.code)}` } : {}),
            };
        }),
    );
    const failures = results.flatMap((r) => [...r.failures, ...(r.error !== undefined ? [`${r.host}: ${r.error}`] : [])]);
    if (values.json === true) {
        process.stdout.write(`${JSON.stringify({ stack, hosts: results, failures })}\n`);
    } else {
        for (const r of results) {
            process.stdout.write(r.ok ? `ok     ${r.host}: reaches every target\n` : "");
        }
        for (const f of failures) {
            process.stdout.write(`FAILED ${f}\n`);
        }
        process.stdout.write(`diagnose: ${failures.length} failure${failures.length === 1 ? "" : "s"}, ${results.length} host(s) probed\n`);
    }
    return failures.length === 0 ? 0 : 1;
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
