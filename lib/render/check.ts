/**
 * The connectivity check as a bash script: for every pair from
 * `connectivityPairs`, ping from one container to the other with `docker exec`,
 * by IP and by name where they share a network, and expect silence where they
 * share none. Prints one JSON document on stdout and exits 1 if any pair fails,
 * so `pulumi up` fails when the overlay does not work.
 */
import { PairExpectation } from "../check/pairs";
import { shQuote } from "./shell";
import { DockerCliAccess, renderDockerCliPrelude } from "./dockerCli";

/** The script is bash (arrays of results, `pipefail`); the command provider's default is /bin/sh. */
export const CHECK_SCRIPT_INTERPRETER: readonly string[] = ["/bin/bash", "-c"];

export interface CheckTarget {
    /** Docker endpoint of the host the container runs on. */
    dockerHost: string;
}

export interface CheckResult {
    pairs: {
        from: string;
        to: string;
        expect: "reach" | "isolated";
        network: string;
        ip: string;
        byIp: boolean;
        byName: boolean;
        ok: boolean;
    }[];
    passed: number;
    failed: number;
}

/**
 * The check as a bash script. `access.cli` is the docker CLI it runs; for
 * `tcp://` hosts the client's TLS material comes in the environment
 * (lib/render/dockerCli.ts), never in the script's text.
 */
export function renderCheckScript(pairs: readonly PairExpectation[], targets: Record<string, CheckTarget>, access: DockerCliAccess = { cli: "docker" }): string {
    const lines = [
        "#!/usr/bin/env bash",
        "# Connectivity check rendered by docker-overlay (lib/render/check.ts).",
        "set -uo pipefail",
        ...renderDockerCliPrelude(access),
        "passed=0; failed=0; sep=''",
        "ip_of() { dk \"$1\" inspect -f \"{{with index .NetworkSettings.Networks \\\"$3\\\"}}{{.IPAddress}}{{end}}\" \"$2\" 2>/dev/null; }",
        "probe() { [ -n \"$3\" ] && dk \"$1\" exec \"$2\" ping -c 1 -W 2 \"$3\" >/dev/null 2>&1; }",
        // record <from> <to> <expect> <network> <ip> <byIp> <byName>
        "record() {",
        "  local ok=false",
        "  if [ \"$3\" = reach ]; then [ \"$6\" = true ] && [ \"$7\" = true ] && ok=true",
        "  else [ \"$6\" = false ] && [ \"$7\" = false ] && ok=true; fi",
        "  if [ $ok = true ]; then passed=$((passed+1)); else failed=$((failed+1)); fi",
        "  printf '%s{\"from\":\"%s\",\"to\":\"%s\",\"expect\":\"%s\",\"network\":\"%s\",\"ip\":\"%s\",\"byIp\":%s,\"byName\":%s,\"ok\":%s}' \"$sep\" \"$1\" \"$2\" \"$3\" \"$4\" \"$5\" \"$6\" \"$7\" $ok >>\"$out\"",
        "  sep=','",
        "  printf '%-12s -> %-12s %-9s %-10s %-15s ip:%-5s name:%-5s %s\\n' \"$1\" \"$2\" \"$3\" \"$4\" \"$5\" \"$6\" \"$7\" \"$([ $ok = true ] && echo ok || echo FAIL)\" >&2",
        "}",
        "out=$(mktemp); cleanup_paths+=(\"$out\")",
    ];
    for (const pair of pairs) {
        const from = targets[pair.from];
        const to = targets[pair.to];
        if (from === undefined || to === undefined) {
            throw new Error(`renderCheckScript: no docker host for pair ${pair.from} -> ${pair.to}`);
        }
        const networks = pair.expect === "reach" ? [pair.network] : pair.networks;
        for (const network of networks) {
            const f = shQuote(from.dockerHost);
            lines.push(
                `# ${pair.from} -> ${pair.to} on ${network}: must ${pair.expect === "reach" ? "reach" : "not reach"}`,
                `ip=$(ip_of ${shQuote(to.dockerHost)} ${shQuote(pair.to)} ${shQuote(network)})`,
                `by_ip=false; probe ${f} ${shQuote(pair.from)} "$ip" && by_ip=true`,
                `by_name=false; probe ${f} ${shQuote(pair.from)} ${shQuote(pair.to)} && by_name=true`,
                `record ${shQuote(pair.from)} ${shQuote(pair.to)} ${pair.expect} ${shQuote(network)} "$ip" $by_ip $by_name`,
            );
        }
    }
    lines.push(
        "printf '{\"pairs\":[%s],\"passed\":%d,\"failed\":%d}\\n' \"$(cat \"$out\")\" $passed $failed",
        "[ $failed -eq 0 ]",
        "",
    );
    return lines.join("\n");
}

/** Parses the script's stdout; undefined while it has not run (preview, plan). */
export function parseCheckResult(stdout: string | undefined): CheckResult | undefined {
    if (stdout === undefined || stdout.trim() === "") {
        return undefined;
    }
    return JSON.parse(stdout) as CheckResult;
}
