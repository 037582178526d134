/**
 * ssh driver, pure part: the scripts `command.remote.Command` runs on an
 * existing machine to give its engine the cluster-store options, and to undo
 * that on destroy. No pulumi imports; components/machines/ssh.ts wires them.
 *
 * How the program reaches an ssh machine's engine: the docker provider talks to
 * `ssh://user@address:port` (it runs `docker system dial-stdio` over ssh), so
 * the engine needs no TCP listener and daemon.json carries no `hosts` key. The
 * ssh user must be allowed to use the engine (root, or in the `docker` group),
 * and the machine running Pulumi must be able to ssh there non-interactively
 * (key in ssh-agent or ~/.ssh/config, host key in known_hosts): the provider
 * uses the system ssh client, not the key the remote commands use.
 */
import { ClusterConfig, HostConfig, SshDriverConfig } from "../config/types";
import { SshEndpoint } from "../probe/ssh";
import { EngineOptions, renderDaemonJson } from "../render/engine";
import * as path from "path";
import { assign, gossipListeningFunction, labelsListedFunction, scriptFragment, waitUntilFunction } from "../render/script";
import { daemonJsonTls, TlsFiles, tlsFiles } from "../tls/engine";
import { UnderlayMtuRequirement } from "../plan/mtu";
import { renderUnderlayMtuScript } from "./underlayMtu";
import { renderEngineVersionGuard } from "../engine/versionGuard";

export const DAEMON_JSON = "/etc/docker/daemon.json";
/** The user's own daemon.json, saved once before the first change and put back on destroy. */
export const DAEMON_JSON_BACKUP = "/etc/docker/daemon.json.docker-overlay.bak";
/** Marks that there was no daemon.json before the program wrote one (so destroy removes it). */
export const DAEMON_JSON_NONE_MARKER = "/etc/docker/daemon.json.docker-overlay.none";
/** The machine's hostname before the program changed it, put back on destroy. */
export const HOSTNAME_BACKUP = "/etc/docker/hostname.docker-overlay.bak";
/**
 * What the program last wrote into daemon.json, labels left out: a later install whose file
 * differs from it only in `labels` reloads the engine instead of restarting it.
 */
export const DAEMON_JSON_BASE_MARKER = "/etc/docker/daemon.json.docker-overlay.base";
/** The system engine's default pidfile, where a reload finds dockerd (systemd's docker.service reloads with `kill -s HUP $MAINPID`). */
export const DOCKER_PIDFILE = "/var/run/docker.pid";
/** With `engine.tls`: the engine's CA, certificate and key (from the remote command's stdin). */
export const SSH_TLS_DIR = "/etc/docker/docker-overlay-tls";
/** With `engine.tls`: a systemd drop-in that lets dockerd take its listeners from daemon.json. */
export const SYSTEMD_DROP_IN = "/etc/systemd/system/docker.service.d/docker-overlay.conf";
/** The engine's own socket, kept when daemon.json lists the listeners. */
export const DOCKER_UNIX_SOCKET = "unix:///var/run/docker.sock";

/** Seconds to wait for the engine to answer after a restart. */
export const DEFAULT_ENGINE_WAIT_SECONDS = 60;

/** How an ssh machine's engine serves TLS (`engine.tls`): where its files go and the TCP listener. */
export interface SshTls {
    files: TlsFiles;
    /** `tcp://0.0.0.0:<apiPort>` */
    listen: string;
}

export function sshTls(apiPort: number): SshTls {
    return { files: tlsFiles(SSH_TLS_DIR), listen: `tcp://0.0.0.0:${apiPort}` };
}

/**
 * daemon.json for an ssh machine: exactly the cluster keys (cluster-store mode)
 * and labels. Without TLS, never `hosts`: distribution units start dockerd with
 * `-H fd://`, and dockerd refuses to start when a directive is given both as a
 * flag and in the file; the program reaches the engine over ssh:// instead.
 * With TLS, `hosts` lists the engine's own socket and the TLS listener, and the
 * install script adds a systemd drop-in that drops `-H fd://` from dockerd's
 * command line (Docker's documented way to configure listeners in daemon.json).
 */
export function renderSshDaemonJson(engine: EngineOptions, tls?: SshTls): string {
    if (tls === undefined) {
        return renderDaemonJson(engine);
    }
    return renderDaemonJson(engine, { ...daemonJsonTls(tls.files), hosts: [DOCKER_UNIX_SOCKET, tls.listen] });
}

/**
 * How the machine running the program logs in to an ssh host: `hosts[].ssh`, with the
 * driver's user and port as defaults; undefined for a host without `ssh`. The one
 * place for these defaults: the driver's remote commands and the probe's sessions.
 */
export function sshLoginOf(host: HostConfig, driver: SshDriverConfig): SshEndpoint | undefined {
    if (host.ssh === undefined) {
        return undefined;
    }
    return {
        user: host.ssh.user ?? driver.user,
        host: host.ssh.address,
        port: host.ssh.port ?? driver.port,
        ...(host.ssh.hostKey !== undefined ? { hostKey: host.ssh.hostKey } : {}),
    };
}

/** sshLoginOf by host name; undefined for a name that is no host of the stack, or a stack of another driver. */
export function sshEndpointOf(config: ClusterConfig, name: string): SshEndpoint | undefined {
    const host = config.hosts.find((h) => h.name === name);
    return config.driver.kind === "ssh" && host !== undefined ? sshLoginOf(host, config.driver) : undefined;
}

/** Docker endpoint of an ssh machine for the docker provider. IPv6 literals are bracketed. */
export function sshDockerHost(user: string, address: string, port: number): string {
    const host = address.includes(":") ? `[${address}]` : address;
    return `ssh://${user}@${host}:${port}`;
}

export interface SshInstallScriptArgs {
    /** The new /etc/docker/daemon.json (see renderSshDaemonJson). `hosts` only with `tls`. */
    daemonJson: string;
    /**
     * TLS on the engine's TCP API: the script reads the CA, the engine's
     * certificate and its key (three PEM blocks, in that order) from stdin into
     * `tls.files`, and installs the systemd drop-in. Needs systemd.
     */
    tls?: SshTls;
    /** The machine's hostname after install: the configured host name. */
    hostname: string;
    /** Seconds to wait for the engine after the restart. Default 60. */
    waitSeconds?: number;
    /** A directory standing in for `/` (tests run the script against a scratch tree). Default "". */
    root?: string;
}

/** The ssh scripts' shell, in lib/drivers/sh/ssh/*.sh (POSIX sh: the machine may have no bash). */
const SH = path.join(__dirname, "sh", "ssh");
const sh = (file: string): string => scriptFragment(SH, file);

/** Every absolute path the scripts touch, under `root`, as header assignments (`install`: also those only install uses). */
function pathVars(root = "", install = false): string[] {
    const installOnly = [
        assign("ETC_DOCKER", root + "/etc/docker"),
        assign("DROP_IN_DIR", root + SYSTEMD_DROP_IN.slice(0, SYSTEMD_DROP_IN.lastIndexOf("/"))),
        assign("SYS_CLASS_NET", root + "/sys/class/net"),
        assign("DOCKER_PIDFILE", root + DOCKER_PIDFILE),
    ];
    return [
        assign("DAEMON_JSON", root + DAEMON_JSON),
        assign("BACKUP", root + DAEMON_JSON_BACKUP),
        assign("NONE_MARKER", root + DAEMON_JSON_NONE_MARKER),
        assign("BASE_MARKER", root + DAEMON_JSON_BASE_MARKER),
        assign("HOSTNAME_BACKUP", root + HOSTNAME_BACKUP),
        assign("TLS_DIR", root + SSH_TLS_DIR),
        assign("DROP_IN", root + SYSTEMD_DROP_IN),
        assign("ETC_HOSTNAME", root + "/etc/hostname"),
        assign("SYSTEMD_RUN", root + "/run/systemd/system"),
        assign("DOCKER_LOG", root + "/var/log/docker.log"),
        ...(install ? installOnly : []),
    ];
}

/** The functions both scripts use: SUDO, the engine's version, logs, restart, wait, hostname. */
function engineFunctions(waitSeconds: number): string[] {
    return [assign("WAIT_SECONDS", waitSeconds), waitUntilFunction(), sh("functions.sh")];
}

const HEREDOC_END = "DOCKER_OVERLAY_DAEMON_JSON";

/**
 * Configure an existing machine's engine for cluster-store overlay networking.
 * Order: check everything that can fail without touching the machine (engine
 * version, advertise interface), then back up, rename, write, restart, verify.
 * Chatter goes to stderr; the script prints nothing on stdout.
 */
export function renderSshInstallScript(args: SshInstallScriptArgs): string {
    const doc = parseDaemonJson(args.daemonJson);
    if ("hosts" in doc && args.tls === undefined) {
        throw new Error(
            "ssh driver: daemon.json must not set `hosts`: systemd starts dockerd with -H fd:// and dockerd refuses a directive given both as a flag and in daemon.json; the program reaches the engine over ssh:// instead",
        );
    }
    const clusterStore = doc["cluster-store"];
    const clusterAdvertise = doc["cluster-advertise"];
    if ((clusterStore === undefined) !== (clusterAdvertise === undefined)) {
        throw new Error("ssh driver: daemon.json must set both cluster-store and cluster-advertise (cluster-store mode), or neither (swarm mode)");
    }
    if (clusterStore !== undefined && (typeof clusterStore !== "string" || typeof clusterAdvertise !== "string")) {
        throw new Error("ssh driver: cluster-store and cluster-advertise must be strings");
    }
    if (args.daemonJson.split("\n").includes(HEREDOC_END)) {
        throw new Error(`ssh driver: daemon.json contains the line ${HEREDOC_END}, which ends the here-document`);
    }
    const name = args.hostname;
    const wait = args.waitSeconds ?? DEFAULT_ENGINE_WAIT_SECONDS;
    const advertiseInterface = typeof clusterAdvertise === "string" ? advertisedInterface(clusterAdvertise) : undefined;
    const body = args.daemonJson.endsWith("\n") ? args.daemonJson : `${args.daemonJson}\n`;
    const purpose = clusterStore !== undefined ? "cluster-store overlay networking" : "a swarm-mode cluster";
    // The file without its labels (install-finish.sh compares it with the last one's), and the
    // labels as `docker info` lists them; a label with a newline could not be compared by lines.
    const { labels, ...base } = doc;
    const labelLines = Array.isArray(labels) ? labels.map(String) : [];
    // With TLS too: the script reloads only when the material and drop-in are the ones it runs with.
    const reloadable = !labelLines.some((l) => l.includes("\n"));

    return [
        "#!/bin/sh",
        `# docker-overlay: configure the engine on ${name} for ${purpose}.`,
        "set -eu",
        assign("NAME", name),
        assign("CLUSTER_STORE", typeof clusterStore === "string" ? clusterStore : ""),
        assign("CLUSTER_ADVERTISE", typeof clusterAdvertise === "string" ? clusterAdvertise : ""),
        assign("ADVERTISE_INTERFACE", advertiseInterface ?? ""),
        assign("TLS_LISTEN", args.tls?.listen ?? ""),
        assign("DAEMON_JSON_BASE", JSON.stringify(base, null, 2)),
        assign("LABELS_RELOADABLE", reloadable ? "1" : ""),
        labelsListedFunction(labelLines),
        ...pathVars(args.root, true),
        ...engineFunctions(wait),
        ...(clusterStore !== undefined ? [assign("PROC_NET_TCP", (args.root ?? "") + "/proc/net/tcp"), gossipListeningFunction()] : []),
        "",
        "# 1. Refuse early, before anything on the machine changes.",
        clusterStore !== undefined ? renderEngineVersionGuard() : 'engine_version=$(engine_version_now) || engine_version=""',
        sh("install-check.sh"),
        sh("install-prepare.sh"),
        `$SUDO tee "$tmp" >/dev/null <<'${HEREDOC_END}'`,
        body + HEREDOC_END,
        sh("install-finish.sh"),
        "",
    ].join("\n");
}

/**
 * Undo the install: put back the user's daemon.json (or remove ours if there
 * was none) and hostname, restart, wait. Tolerant: with no backup recorded
 * (install never ran, or already restored) it changes nothing and succeeds.
 */
export function renderSshRestoreScript(args: { waitSeconds?: number; root?: string } = {}): string {
    const wait = args.waitSeconds ?? DEFAULT_ENGINE_WAIT_SECONDS;
    return [
        "#!/bin/sh",
        "# docker-overlay: restore this machine's engine configuration.",
        "set -eu",
        ...pathVars(args.root),
        assign("DAEMON_JSON_SHOWN", DAEMON_JSON),
        ...engineFunctions(wait),
        "",
        sh("restore.sh"),
        "",
    ].join("\n");
}

/**
 * Read the machine's underlay MTU: the MTU of `engine.advertiseInterface`,
 * the interface its engine advertises on in both modes (cluster-advertise,
 * swarm's --advertise-addr). Reading needs no privilege; `ip` as the ssh user.
 */
export function renderSshUnderlayMtuScript(args: { hostname: string; advertiseInterface: string; requirements: readonly UnderlayMtuRequirement[] }): string {
    return renderUnderlayMtuScript({ host: args.hostname, interface: args.advertiseInterface, runIp: 'ip "$@"', requirements: args.requirements });
}

function parseDaemonJson(text: string): Record<string, unknown> {
    let doc: unknown;
    try {
        doc = JSON.parse(text);
    } catch (e) {
        throw new Error(`ssh driver: daemon.json is not JSON: ${(e as Error).message}`);
    }
    if (doc === null || typeof doc !== "object" || Array.isArray(doc)) {
        throw new Error("ssh driver: daemon.json must be a JSON object");
    }
    return doc as Record<string, unknown>;
}

/** The interface part of `cluster-advertise` (`eth1:2376` -> `eth1`), or undefined when it is an IP address. */
function advertisedInterface(clusterAdvertise: string): string | undefined {
    const host = clusterAdvertise.replace(/:\d+$/, "");
    return /^[0-9.]+$/.test(host) || host.includes(":") ? undefined : host;
}
