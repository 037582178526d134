/**
 * The program's shell scripts live in real `.sh` files beside their renderers
 * (lib/drivers/sh, lib/swarm/sh, lib/render/sh), so shellcheck and editors see
 * them as shell. A renderer reads them here (once per process: cached) and puts
 * an assignment header of quoted values (`NAME='value'`, shQuote) in front: the
 * rendered text is self-contained (nothing of the repository is read when the
 * script runs) and deterministic (same inputs, same text).
 *
 * A fragment file may open with a `#!` line and `# shellcheck ...` directives
 * (for checking the file on its own); those opening lines are not rendered.
 */
import * as fs from "fs";
import * as path from "path";
import { shQuote } from "./shell";
import { GOSSIP_LISTEN_PATTERN } from "../engine/gossip";

const cache = new Map<string, string>();

/** The text of a script fragment, without its opening `#!` and `# shellcheck` lines and its final newline. */
export function scriptFragment(dir: string, file: string): string {
    const full = path.join(dir, file);
    let text = cache.get(full);
    if (text === undefined) {
        const lines = fs.readFileSync(full, "utf8").replace(/\n+$/, "").split("\n");
        let start = 0;
        while (start < lines.length && (lines[start].startsWith("#!") || lines[start].startsWith("# shellcheck "))) {
            start++;
        }
        text = lines.slice(start).join("\n");
        cache.set(full, text);
    }
    return text;
}

/** `NAME=value`, the value quoted for the shell. */
export function assign(name: string, value: string | number): string {
    return `${name}=${shQuote(String(value))}`;
}

/** `NAME=(v1 v2 ...)`, a bash array of quoted values. */
export function assignArray(name: string, values: readonly string[]): string {
    return `${name}=(${values.map(shQuote).join(" ")})`;
}

/** One bash array per column (`NAME=(...)`, in the order given) over the same rows: a table a script walks by index. */
export function assignColumns<T>(rows: readonly T[], columns: Record<string, (row: T) => string>): string[] {
    return Object.entries(columns).map(([name, cell]) => assignArray(name, rows.map(cell)));
}

const SH_DIR = path.join(__dirname, "sh");

/**
 * The shared poll: `wait_until SECONDS INTERVAL COMMAND [ARG...]` runs COMMAND
 * every INTERVAL seconds until it succeeds (0) or SECONDS have passed (1).
 * POSIX sh, so the ssh driver's sh scripts and the bash scripts share it.
 */
export function waitUntilFunction(): string {
    return scriptFragment(SH_DIR, "wait-until.sh");
}

/**
 * `gossip_listening [PREFIX...]`: true once something listens on TCP 7946 (serf,
 * the classic overlay's gossip) where `PREFIX cat /proc/net/tcp` runs. A
 * cluster-store engine counts as started only then: see lib/engine/gossip.ts.
 */
export function gossipListeningFunction(): string {
    return `${assign("GOSSIP_LISTEN_RE", GOSSIP_LISTEN_PATTERN)}\n${scriptFragment(SH_DIR, "gossip-listening.sh")}`;
}

/**
 * `labels_listed [PREFIX...]`: true when `PREFIX docker info` lists exactly the labels in
 * LABELS (assigned here: `key=value`, one a line), in any order. The one check, after a
 * reload, that an engine took its labels (the netns and dind labels commands, the ssh install).
 */
export function labelsListedFunction(labels: readonly string[]): string {
    return `${assign("LABELS", labels.join("\n"))}\n${scriptFragment(SH_DIR, "labels-listed.sh")}`;
}

/** The first lines of every bash script the program renders: refuse sh, strict mode. */
export function bashPreamble(title: string, renderedBy?: string): string[] {
    return [
        "#!/usr/bin/env bash",
        `# ${title}`,
        ...(renderedBy !== undefined ? [`# Rendered by docker-overlay (${renderedBy}).`] : []),
        `[ -n "\${BASH_VERSION:-}" ] || { echo 'docker-overlay: this script needs bash (interpreter: ["/bin/bash", "-c"])' >&2; exit 2; }`,
        "set -euo pipefail",
    ];
}
