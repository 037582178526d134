/**
 * `npm run validate -- <stack-file>`: prints each problem on its own line and
 * exits 1, or prints each warning (`warning: ...`) and a one-line summary and exits 0.
 */
import { loadStackFile } from "../lib/config/load";
import { clusterWarnings, formatProblem, normalizeConfig, validateConfig, WARNING_PREFIX } from "../lib/config/validate";
import { swarmAddressPool } from "../lib/plan/cluster";

function main(argv: string[]): number {
    if (argv.length !== 1) {
        process.stderr.write("usage: npm run validate -- <stack-file.yaml>\n");
        return 2;
    }
    let loaded;
    try {
        loaded = loadStackFile(argv[0]);
    } catch (err) {
        process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
        return 1;
    }
    const problems = validateConfig(loaded.raw, loaded.stack);
    if (problems.length > 0) {
        for (const p of problems) {
            process.stdout.write(`${formatProblem(p)}\n`);
        }
        return 1;
    }
    const c = normalizeConfig(loaded.raw, loaded.stack);
    for (const w of clusterWarnings(c)) {
        process.stdout.write(`${WARNING_PREFIX}${formatProblem(w)}\n`);
    }
    const mode =
        c.engine.mode === "swarm"
            ? `swarm mode (address pool ${swarmAddressPool(c)?.pool})${c.kvStore !== undefined ? `, ${c.kvStore.backend} store` : ""}`
            : `${c.kvStore?.backend} store`;
    const storeTls = c.kvStore?.tls === true ? " over TLS" : "";
    process.stdout.write(
        `${argv[0]}: valid: stack ${c.stack}, driver ${c.driver.kind}, ${mode}${storeTls}, engine API TLS ${c.engine.tls ? "on" : "off"}, ` +
            `${c.hosts.length} hosts, ${c.networks.length} networks, ${c.containers.length} containers\n`,
    );
    return 0;
}

process.exit(main(process.argv.slice(2)));
