/**
 * How the program's bash scripts (swarm init/join/labels, the connectivity
 * check) talk to an engine: the docker CLI with `-H <dockerHost>`, plus the
 * client's TLS material for `tcp://` endpoints.
 *
 * The material never appears in a script's text (the command provider prints
 * a failed command's text): it arrives in the environment, and the prelude
 * writes it to a private temporary directory that is removed when the script
 * exits. docker-machine's engines come with a certificate directory instead.
 * The shell: lib/render/sh/docker-cli.sh (its variable names are CLIENT_TLS_ENV's).
 */
import * as path from "path";
import { scriptFragment } from "./script";
import { shQuote } from "./shell";

/** Environment variables carrying the program's client TLS material (PEM) into a script. */
export const CLIENT_TLS_ENV = {
    ca: "DOCKER_OVERLAY_CLIENT_CA",
    cert: "DOCKER_OVERLAY_CLIENT_CERT",
    key: "DOCKER_OVERLAY_CLIENT_KEY",
    /** A directory with ca.pem, cert.pem and key.pem (docker-machine's), instead of the three above. */
    dir: "DOCKER_OVERLAY_CLIENT_CERT_DIR",
} as const;

/** How scripts reach engines: the CLI binary, and whether TLS client material comes with them. */
export interface DockerCliAccess {
    /** The docker CLI to run, e.g. `docker` or `/opt/docker-overlay/engine/bin/docker`. */
    cli: string;
}

/**
 * Bash lines defining `dk HOST ARGS...` (the docker CLI against one engine,
 * with `--tlsverify` and the client material for `tcp://` hosts when the
 * environment carries it) and `cleanup_paths`, removed on exit. Expects bash
 * with `set -u`; defines the EXIT trap (scripts add paths, not traps).
 */
export function renderDockerCliPrelude(access: DockerCliAccess): string[] {
    return [`DOCKER_CLI=${shQuote(access.cli)}`, scriptFragment(path.join(__dirname, "sh"), "docker-cli.sh")];
}
