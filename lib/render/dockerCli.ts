/**
 * How the program's bash scripts (swarm init/join/labels, the connectivity
 * check) talk to an engine: the docker CLI with `-H <dockerHost>`, plus the
 * client's TLS material for `tcp://` endpoints.
 *
 * The material never appears in a script's text (the command provider prints
 * a failed command's text): it arrives in the environment, and the prelude
 * writes it to a private temporary directory that is removed when the script
 * exits. docker-machine's engines come with a certificate directory instead.
 */
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
    const e = CLIENT_TLS_ENV;
    return [
        `DOCKER_CLI=${shQuote(access.cli)}`,
        "cleanup_paths=()",
        `trap 'rm -rf "\${cleanup_paths[@]}"' EXIT`,
        "# TLS client material comes in the environment, never in this text; it is",
        "# written to a private directory only for the docker CLI to read.",
        "docker_tls=()",
        `if [ -n "\${${e.key}:-}" ]; then`,
        "    tls_dir=$(umask 077 && mktemp -d)",
        '    cleanup_paths+=("$tls_dir")',
        `    (umask 077 && printf '%s\\n' "$${e.ca}" >"$tls_dir/ca.pem" && printf '%s\\n' "$${e.cert}" >"$tls_dir/cert.pem" && printf '%s\\n' "$${e.key}" >"$tls_dir/key.pem")`,
        '    docker_tls=(--tlsverify "--tlscacert=$tls_dir/ca.pem" "--tlscert=$tls_dir/cert.pem" "--tlskey=$tls_dir/key.pem")',
        `elif [ -n "\${${e.dir}:-}" ]; then`,
        `    docker_tls=(--tlsverify "--tlscacert=$${e.dir}/ca.pem" "--tlscert=$${e.dir}/cert.pem" "--tlskey=$${e.dir}/key.pem")`,
        "fi",
        "# dk HOST ARGS...: the docker CLI against one engine (TLS for tcp:// hosts).",
        "dk() {",
        "    local host=$1; shift",
        '    case "$host" in',
        '        tcp://*) "$DOCKER_CLI" -H "$host" "${docker_tls[@]}" "$@" ;;',
        '        *) "$DOCKER_CLI" -H "$host" "$@" ;;',
        "    esac",
        "}",
    ];
}
