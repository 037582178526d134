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
import { EngineOptions, renderDaemonJson } from "../render/engine";
import { shQuote } from "../render/shell";
import { daemonJsonTls, TlsFiles, tlsFiles } from "../tls/engine";
import { CLUSTER_STORE_REMOVED, FIRST_ENGINE_WITHOUT_CLUSTER_STORE, LAST_CLUSTER_STORE_ENGINE } from "../engine/clusterStore";

/** The newest engine line with cluster-store, as messages name it (`20.10`). */
const LAST_CLUSTER_STORE = `${LAST_CLUSTER_STORE_ENGINE.major}.${LAST_CLUSTER_STORE_ENGINE.minor}`;

export const DAEMON_JSON = "/etc/docker/daemon.json";
/** The user's own daemon.json, saved once before the first change and put back on destroy. */
export const DAEMON_JSON_BACKUP = "/etc/docker/daemon.json.docker-overlay.bak";
/** Marks that there was no daemon.json before the program wrote one (so destroy removes it). */
export const DAEMON_JSON_NONE_MARKER = "/etc/docker/daemon.json.docker-overlay.none";
/** The machine's hostname before the program changed it, put back on destroy. */
export const HOSTNAME_BACKUP = "/etc/docker/hostname.docker-overlay.bak";
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

/** Docker endpoint of an ssh machine for the docker provider. IPv6 literals are bracketed. */
export function sshDockerHost(user: string, address: string, port: number): string {
    const host = address.includes(":") ? `[${address}]` : address;
    return `ssh://${user}@${host}:${port}`;
}

/**
 * Shell lines that fail unless the engine still has cluster-store (lib/engine/clusterStore.ts). `versionCommand`
 * prints the engine's version (e.g. `20.10.24`, `17.06.2-ce`); `machine` names the
 * machine in the message. Expects `set -eu` and defines `$engine_version`.
 */
export function renderEngineVersionGuard(versionCommand: string, machine: string): string {
    return [
        `engine_version=$(${versionCommand}) || engine_version=""`,
        `engine_major=\${engine_version%%.*}`,
        `case "$engine_major" in`,
        `    ''|*[!0-9]*)`,
        `        echo ${shQuote(`docker-overlay: cannot tell the Docker Engine version on ${machine} (got "`)}"$engine_version"'"); is the engine installed and running?' >&2`,
        `        exit 1 ;;`,
        `esac`,
        `if [ "$engine_major" -ge ${FIRST_ENGINE_WITHOUT_CLUSTER_STORE} ]; then`,
        `    echo ${shQuote(`docker-overlay: ${machine} runs Docker Engine `)}"$engine_version"${shQuote(
            `: ${CLUSTER_STORE_REMOVED}, so the legacy overlay (engine.mode: cluster-store) needs an engine <= ${LAST_CLUSTER_STORE}. Install ${LAST_CLUSTER_STORE}.x there, or use engine.mode: swarm.`,
        )} >&2`,
        `    exit 1`,
        `fi`,
    ].join("\n");
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

/** Every absolute path the scripts touch, under `root`. */
function pathsUnder(root = "") {
    const q = (p: string) => shQuote(root + p);
    return {
        daemonJson: q(DAEMON_JSON),
        backup: q(DAEMON_JSON_BACKUP),
        noneMarker: q(DAEMON_JSON_NONE_MARKER),
        hostnameBackup: q(HOSTNAME_BACKUP),
        etcDocker: q("/etc/docker"),
        tlsDir: q(SSH_TLS_DIR),
        dropIn: q(SYSTEMD_DROP_IN),
        dropInDir: q(SYSTEMD_DROP_IN.slice(0, SYSTEMD_DROP_IN.lastIndexOf("/"))),
        etcHostname: q("/etc/hostname"),
        sysClassNet: root + "/sys/class/net",
        systemdRun: q("/run/systemd/system"),
        dockerLog: q("/var/log/docker.log"),
    };
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
    const p = pathsUnder(args.root);
    const body = args.daemonJson.endsWith("\n") ? args.daemonJson : `${args.daemonJson}\n`;
    const purpose = clusterStore !== undefined ? "cluster-store overlay networking" : "a swarm-mode cluster";

    return [
        "#!/bin/sh",
        `# docker-overlay: configure the engine on ${name} for ${purpose}.`,
        "set -eu",
        sudoPrelude(),
        engineFunctions(wait, p),
        "",
        "# 1. Refuse early, before anything on the machine changes.",
        ...(clusterStore !== undefined
            ? [renderEngineVersionGuard("engine_version_now", name)]
            : ['engine_version=$(engine_version_now) || engine_version=""']),
        ...(advertiseInterface === undefined
            ? []
            : [
                  `if [ ! -e ${shQuote(`${p.sysClassNet}/${advertiseInterface}`)} ]; then`,
                  `    echo ${shQuote(
                      `docker-overlay: ${name} has no interface ${advertiseInterface} (engine.advertiseInterface, cluster-advertise=${clusterAdvertise}); it has: `,
                  )}"$(ls ${shQuote(p.sysClassNet)} | tr '\\n' ' ')" >&2`,
                  "    exit 1",
                  "fi",
              ]),
        ...(args.tls === undefined ? [] : tlsPreflight(name, p)),
        "",
        "# 2. Keep the user's daemon.json once, so destroy can put it back (or remove ours if there was none).",
        `$SUDO mkdir -p ${p.etcDocker}`,
        `if [ ! -e ${p.backup} ] && [ ! -e ${p.noneMarker} ]; then`,
        `    if [ -e ${p.daemonJson} ]; then`,
        `        $SUDO cp -p ${p.daemonJson} ${p.backup}`,
        "    else",
        `        $SUDO touch ${p.noneMarker}`,
        "    fi",
        "fi",
        "",
        "# 3. A unique hostname per engine: the KV store tells cluster-store engines apart",
        "#    by hostname (and swarm names its nodes after it), and machines cloned from",
        "#    one image often share it; two engines with one name overwrite each other's",
        "#    entry and overlay peers go missing.",
        `if [ "$(hostname)" != ${shQuote(name)} ]; then`,
        `    [ -e ${p.hostnameBackup} ] || hostname | $SUDO tee ${p.hostnameBackup} >/dev/null`,
        `    set_hostname ${shQuote(name)}`,
        "fi",
        ...(args.tls === undefined ? [] : tlsInstall(args.tls, p)),
        "",
        "# 4. Write the new daemon.json atomically: a rename in the same directory, never a half-written file.",
        `tmp=$($SUDO mktemp ${p.etcDocker}/.daemon.json.XXXXXX)`,
        `$SUDO tee "$tmp" >/dev/null <<'${HEREDOC_END}'`,
        body + HEREDOC_END,
        `$SUDO chmod 0644 "$tmp"`,
        `$SUDO mv -f "$tmp" ${p.daemonJson}`,
        "",
        "# 5. Restart the engine, wait for it, and check it took the configuration.",
        "restart_engine",
        "wait_engine",
        ...(clusterStore === undefined
            ? [`echo ${shQuote(`docker-overlay: ${name} runs Docker Engine `)}"$(engine_version_now)"${shQuote(" for swarm mode")} >&2`]
            : [
                  `expected_store=${shQuote(clusterStore as string)}`,
                  `actual_store=$($SUDO docker info --format '{{.ClusterStore}}' 2>/dev/null || true)`,
                  `if [ "$actual_store" != "$expected_store" ]; then`,
                  `    echo ${shQuote(`docker-overlay: the engine on ${name} restarted but reports cluster store "`)}"$actual_store"${shQuote(
                      `", not "${clusterStore}"`,
                  )} >&2`,
                  "    engine_logs",
                  "    exit 1",
                  "fi",
                  `echo ${shQuote(`docker-overlay: ${name} runs Docker Engine `)}"$engine_version"${shQuote(` with cluster-store=${clusterStore}`)} >&2`,
              ]),
        "",
    ].join("\n");
}

/** TLS needs systemd (for the drop-in) and the material on stdin: checked before anything changes. */
function tlsPreflight(name: string, p: ReturnType<typeof pathsUnder>): string[] {
    return [
        `if ! command -v systemctl >/dev/null 2>&1 || [ ! -d ${p.systemdRun} ]; then`,
        `    echo ${shQuote(
            `docker-overlay: ${name} does not run systemd; engine.tls on ssh hosts adds a systemd drop-in so dockerd takes its TLS listener from daemon.json. Set engine.tls: false (the program then reaches the engine over ssh://)`,
        )} >&2`,
        "    exit 1",
        "fi",
        "# The CA, the engine's certificate and its key arrive on stdin, never in this text.",
        "tls_input=$(cat)",
        `case "$(printf '%s\\n' "$tls_input" | grep -c -- '-----BEGIN ')" in`,
        "    3) ;;",
        `    *) echo ${shQuote(`docker-overlay: ${name}: expected the CA, certificate and key (three PEM blocks) on stdin`)} >&2; exit 1 ;;`,
        "esac",
    ];
}

/** Write the TLS files and the drop-in that removes `-H fd://` from dockerd's command line. */
function tlsInstall(tls: SshTls, p: ReturnType<typeof pathsUnder>): string[] {
    const dir = p.tlsDir;
    return [
        "",
        "# TLS: the engine's files (key readable by root only), then a systemd drop-in:",
        "# with `hosts` in daemon.json, dockerd must not also get -H from its unit.",
        `$SUDO mkdir -p ${dir}`,
        `$SUDO chmod 0700 ${dir}`,
        `printf '%s\\n' "$tls_input" | $SUDO sh -c 'umask 077; awk -v dir="$1" '"'"'/-----BEGIN /{ n++ } { f = n == 1 ? "ca.pem" : n == 2 ? "cert.pem" : "key.pem"; print > (dir "/" f) }'"'"'' write-tls ${dir}`,
        "unset tls_input",
        `exec_start=$($SUDO systemctl show -p ExecStart --value docker | sed -n 's/.*argv\\[\\]=\\([^;]*\\) ;.*/\\1/p' | head -n 1)`,
        `[ -n "$exec_start" ] || { echo 'docker-overlay: cannot read the docker unit'"'"'s ExecStart (systemctl show docker)' >&2; exit 1; }`,
        `exec_start=$(printf '%s\\n' "$exec_start" | sed -e 's#\\(^\\| \\)\\(-H\\|--host\\)[ =]fd://\\( \\|$\\)# #g' -e 's/  */ /g' -e 's/^ //' -e 's/ $//')`,
        `$SUDO mkdir -p ${p.dropInDir}`,
        `printf '# docker-overlay: dockerd takes its listeners (${tls.listen}) from daemon.json\\n[Service]\\nExecStart=\\nExecStart=%s\\n' "$exec_start" | $SUDO tee ${p.dropIn} >/dev/null`,
        "$SUDO systemctl daemon-reload",
    ];
}

/**
 * Undo the install: put back the user's daemon.json (or remove ours if there
 * was none) and hostname, restart, wait. Tolerant: with no backup recorded
 * (install never ran, or already restored) it changes nothing and succeeds.
 */
export function renderSshRestoreScript(args: { waitSeconds?: number; root?: string } = {}): string {
    const wait = args.waitSeconds ?? DEFAULT_ENGINE_WAIT_SECONDS;
    const p = pathsUnder(args.root);
    return [
        "#!/bin/sh",
        "# docker-overlay: restore this machine's engine configuration.",
        "set -eu",
        sudoPrelude(),
        engineFunctions(wait, p),
        "",
        "changed=no",
        `if [ -e ${p.backup} ]; then`,
        `    $SUDO mv -f ${p.backup} ${p.daemonJson}`,
        "    changed=yes",
        `elif [ -e ${p.noneMarker} ]; then`,
        `    $SUDO rm -f ${p.daemonJson} ${p.noneMarker}`,
        "    changed=yes",
        "else",
        `    echo 'docker-overlay: no saved daemon.json on this machine; leaving ${DAEMON_JSON} as it is' >&2`,
        "fi",
        `if [ -e ${p.dropIn} ] || [ -e ${p.tlsDir} ]; then`,
        `    $SUDO rm -rf ${p.dropIn} ${p.tlsDir}`,
        "    if command -v systemctl >/dev/null 2>&1; then $SUDO systemctl daemon-reload || true; fi",
        "    changed=yes",
        "fi",
        `if [ -e ${p.hostnameBackup} ]; then`,
        `    set_hostname "$($SUDO cat ${p.hostnameBackup})"`,
        `    $SUDO rm -f ${p.hostnameBackup}`,
        "    changed=yes",
        "fi",
        `if [ "$changed" = yes ]; then`,
        "    restart_engine",
        "    wait_engine",
        "fi",
        "",
    ].join("\n");
}

/** `SUDO` is empty for root, `sudo -n` otherwise (never prompts: a prompt would hang the command). */
function sudoPrelude(): string {
    return `if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo -n"; fi`;
}

function engineFunctions(waitSeconds: number, p: ReturnType<typeof pathsUnder>): string {
    return [
        "# The server's version when it answers, else the installed dockerd's (a stopped engine, e.g. after a bad config).",
        "engine_version_now() {",
        "    v=$($SUDO docker version --format '{{.Server.Version}}' 2>/dev/null) || v=\"\"",
        "    if [ -z \"$v\" ]; then",
        "        v=$($SUDO dockerd --version 2>/dev/null | sed -n 's/^Docker version \\([0-9][0-9.]*\\).*/\\1/p') || v=\"\"",
        "    fi",
        "    printf '%s' \"$v\" | tr -d '[:space:]'",
        "}",
        "engine_logs() {",
        "    if command -v journalctl >/dev/null 2>&1; then",
        "        $SUDO journalctl -u docker -n 50 --no-pager >&2 || true",
        `    elif [ -r ${p.dockerLog} ]; then`,
        `        $SUDO tail -n 50 ${p.dockerLog} >&2 || true`,
        "    fi",
        "}",
        "restart_engine() {",
        `    if command -v systemctl >/dev/null 2>&1 && [ -d ${p.systemdRun} ]; then`,
        "        # Clear a start-limit left by earlier restarts (install and restore back to back on a replace).",
        "        $SUDO systemctl reset-failed docker >/dev/null 2>&1 || true",
        "        $SUDO systemctl restart docker || { echo 'docker-overlay: systemctl restart docker failed' >&2; engine_logs; exit 1; }",
        "    else",
        "        $SUDO service docker restart || { echo 'docker-overlay: service docker restart failed' >&2; engine_logs; exit 1; }",
        "    fi",
        "}",
        "wait_engine() {",
        "    waited=0",
        "    until $SUDO docker info >/dev/null 2>&1; do",
        `        if [ "$waited" -ge ${waitSeconds} ]; then`,
        `            echo "docker-overlay: the Docker engine on $(hostname) did not answer within ${waitSeconds}s of its restart; its last log lines:" >&2`,
        "            engine_logs",
        "            exit 1",
        "        fi",
        "        sleep 1",
        "        waited=$((waited + 1))",
        "    done",
        "}",
        "set_hostname() {",
        `    if command -v hostnamectl >/dev/null 2>&1 && [ -d ${p.systemdRun} ]; then`,
        '        $SUDO hostnamectl set-hostname "$1"',
        "    else",
        '        $SUDO hostname "$1"',
        `        printf '%s\\n' "$1" | $SUDO tee ${p.etcHostname} >/dev/null`,
        "    fi",
        "}",
    ].join("\n");
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
