/**
 * dind driver, pure part: every machine is a privileged `docker:20.10.x-dind`
 * container on one user-defined bridge network (the fabric) of the local
 * Docker; the KV machine is a plain container on the same network. This file
 * decides addresses, ports, flags and container arguments; components/machines/dind.ts
 * only turns them into docker resources.
 *
 * The KV server recipe (image, command, health check) it runs lives in
 * lib/kv/server.ts, shared with the docker-machine driver; re-exported here
 * for existing importers.
 */
import { ClusterConfig, DindDriverConfig, HostConfig } from "../config/types";
import { AddressPlan } from "../net/allocate";
import { machineAddresses, requireKvStore } from "../plan/cluster";
import { dockerdTlsFlags, TlsFiles, tlsFiles } from "../tls/engine";
import * as path from "path";
import { advertiseAddress, daemonJsonKeys, EngineOptions, labelList } from "../render/engine";
import { kvAdvertiseUrl, kvServerSpec } from "../kv/server";
import { DRIVER_MTU_OPTION, overlayMtu } from "../plan/mtu";
import { assign, bashPreamble, gossipListeningFunction, labelsListedFunction, scriptFragment, waitUntilFunction } from "../render/script";
import { renderDockerCliPrelude } from "../render/dockerCli";

/** Where the engines' API ports are published on the machine running the local Docker. */
export const PUBLISH_IP = "127.0.0.1";

// ---------------------------------------------------------------- addresses and endpoints

/**
 * Fabric addresses: the plan's (lib/plan/cluster.ts machineAddresses), which the
 * program hands to the driver; the driver falls back to this when called directly.
 */
export function dindAddressPlan(config: ClusterConfig): AddressPlan {
    dindConfigOf(config); // refuses another driver's config; for dind the plan is never undefined
    return machineAddresses(config) as AddressPlan;
}

/**
 * Host port each engine's API is published on: `engine.apiPort + index` in host
 * order (2376, 2377, ...), bound to 127.0.0.1. Why publish rather than dial the
 * container's fabric IP: a bridge network's addresses are routable only from the
 * Linux machine running that Docker; with Docker Desktop (the laptop path) the
 * bridge lives in a VM and only published ports reach the host. Why 127.0.0.1:
 * the API has no TLS yet (see dindTls) and must not be reachable from the LAN.
 */
export function dindEnginePort(config: ClusterConfig, host: HostConfig): number {
    const index = config.hosts.findIndex((h) => h.name === host.name);
    if (index < 0) {
        throw new Error(`dind driver: host "${host.name}" is not in docker-overlay:hosts`);
    }
    return config.engine.apiPort + index;
}

/** The docker provider endpoint of one engine, as seen from the machine running Pulumi. */
export function dindDockerHost(config: ClusterConfig, host: HostConfig): string {
    const d = dindConfigOf(config);
    if (!isLocalDockerEndpoint(d.localDockerHost)) {
        throw new Error(
            `dind driver: driver.localDockerHost "${d.localDockerHost}" is not on this machine; the engines' ports are published on ${PUBLISH_IP} of the Docker host and would be unreachable from here`,
        );
    }
    return `tcp://${PUBLISH_IP}:${dindEnginePort(config, host)}`;
}

/** unix and npipe sockets, and tcp on a loopback address, are this machine's Docker. */
export function isLocalDockerEndpoint(endpoint: string): boolean {
    if (/^(unix|npipe):\/\//.test(endpoint)) {
        return true;
    }
    const m = /^tcp:\/\/(\[[^\]]+\]|[^:/]+)(:\d+)?\/?$/.exec(endpoint);
    return m !== null && ["127.0.0.1", "localhost", "[::1]"].includes(m[1]);
}

/** MTU for overlay networks created inside dind engines: the fabric's minus VXLAN's overhead. */
export function dindOverlayMtu(driver: DindDriverConfig): number {
    return overlayMtu(driver.mtu, false);
}

/**
 * Driver options for every overlay network on dind engines, so the overlay's
 * MTU is dindOverlayMtu and its VXLAN packets fit the fabric. dockerd's `--mtu`
 * does not reach overlay networks: the overlay driver takes
 * `com.docker.network.driver.mtu` as the MTU of the network it tunnels over
 * and gives containers that minus VXLAN's 50 bytes (default 1500 -> 1450).
 * Measured in the lab (Docker 20.10.5 engines in dind containers on a 1450
 * fabric): without the option containers on the overlay got MTU 1450, and a
 * 1450-byte ping lost its first packet and went through only as IP fragments
 * (PMTU discovery); with the option set to 1400 containers got 1350.
 */
export function dindOverlayNetworkOptions(config: ClusterConfig): Record<string, string> {
    return { [DRIVER_MTU_OPTION]: String(dindConfigOf(config).mtu) };
}

// ---------------------------------------------------------------- TLS

/** Where a dind engine keeps its TLS files (put there by the container's `uploads`). */
export const DIND_TLS_DIR = "/docker-overlay/tls";

export interface DindTls {
    /** Environment of the engine container. */
    env: string[];
    /** dockerd flags for the TCP API: the listener, and with TLS `--tlsverify` and the files. */
    dockerdFlags: string[];
    /** The files the container must carry (`uploads`), when TLS is on. */
    files?: TlsFiles;
}

/**
 * TLS of the engines' TCP API (`engine.tls`, on by default for dind: its API
 * is TCP). `DOCKER_TLS_CERTDIR=""` stops the image from generating certificates
 * of its own: the program's CA signs each engine's certificate, uploaded into
 * the container, and `--tlsverify` makes dockerd answer only clients holding a
 * certificate from that CA. With TLS off (an explicit `engine.tls: false`) the
 * API is plain TCP, reachable only on 127.0.0.1 of the machine running Docker.
 */
export function dindTls(config: ClusterConfig): DindTls {
    const listen = `tcp://0.0.0.0:${config.engine.apiPort}`;
    if (!config.engine.tls) {
        return { env: ["DOCKER_TLS_CERTDIR="], dockerdFlags: [`--host=${listen}`] };
    }
    const files = tlsFiles(DIND_TLS_DIR);
    return { env: ["DOCKER_TLS_CERTDIR="], dockerdFlags: dockerdTlsFlags(files, listen), files };
}

// ---------------------------------------------------------------- containers

export interface DindHealthcheck {
    tests: string[];
    interval: string;
    timeout: string;
    retries: number;
    startPeriod: string;
}

export interface DindContainerSpec {
    /** Container name on the local Docker: `<fabric network>-<machine>`, so two fabrics never clash. */
    name: string;
    /** The machine's own name: cluster-store engines must each have a unique hostname. */
    hostname: string;
    privileged: boolean;
    /**
     * Docker's init (docker-init) as the container's PID 1, dockerd its child. `docker exec`
     * enters the namespaces of the container's PID 1 as `/proc/<pid>/ns/*` (runc
     * `libcontainer/configs/namespaces_linux.go`, `Namespace.GetPath`), and for a thread-group
     * leader that is its main thread's. A cluster-store dockerd keeps one thread per overlay
     * locked in that overlay's sandbox namespace for as long as the network has a container on
     * the machine (libnetwork 20.10 `drivers/overlay/ov_network.go:791-808`, `watchMiss`); when
     * that thread is dockerd's main one, every exec into a machine whose PID 1 is dockerd lands
     * in the overlay's namespace, where there is no eth0: the underlay probe and `lab diagnose`
     * then see nothing arrive at that machine and nothing leave it.
     */
    init: boolean;
    env: string[];
    /** The fabric network and the machine's fixed address on it. */
    network: { name: string; ipv4Address: string };
    ports: { internal: number; external: number; ip: string; protocol: string }[];
    restart: string;
    healthcheck: DindHealthcheck;
    /** Container creation waits until the health check passes, so the provider finds a live engine. */
    wait: boolean;
    waitTimeout: number;
}

/**
 * The engine machine's container, everything but the command. No volumes and
 * no bind mounts: the image declares /var/lib/docker an anonymous volume, so
 * each container gets its own data root, and each dockerd generates its own
 * identity (key.json) on first start. Sharing either would make two engines one
 * to the KV store. Restart `unless-stopped`: after a reboot the machines come
 * back at the same addresses, as Pulumi's state says they are.
 */
/**
 * The engine machine's health test: its engine answers. A cluster-store engine starts without its
 * store (its config command joins it, renderDindEngineConfigScript), so it has no gossip to wait for.
 */
export const DIND_ENGINE_HEALTH_TEST: readonly string[] = ["CMD", "docker", "version", "--format", "{{.Server.Version}}"];

/** The name of a host's machine container on the local Docker. */
export function dindMachineContainerName(config: ClusterConfig, host: string): string {
    return `${dindConfigOf(config).network}-${host}`;
}

export function dindEngineContainer(config: ClusterConfig, host: HostConfig, address: string): DindContainerSpec {
    const d = dindConfigOf(config);
    return {
        name: dindMachineContainerName(config, host.name),
        hostname: host.name,
        privileged: true,
        init: true,
        env: [...dindTls(config).env],
        network: { name: d.network, ipv4Address: address },
        ports: [{ internal: config.engine.apiPort, external: dindEnginePort(config, host), ip: PUBLISH_IP, protocol: "tcp" }],
        restart: "unless-stopped",
        healthcheck: {
            tests: [...DIND_ENGINE_HEALTH_TEST],
            interval: "2s",
            timeout: "5s",
            retries: 60,
            startPeriod: "5s",
        },
        wait: true,
        waitTimeout: 180,
    };
}

/**
 * The engine machine's command: `dockerd` first, so the image's entrypoint runs
 * it through its `dind` helper without adding its own `--host` defaults. The
 * API listens on the unix socket and on `engine.apiPort` (TLS with client
 * certificates by default, see dindTls). `--mtu` (the fabric's minus VXLAN's
 * overhead) sets the MTU of the engine's bridge networks only; overlays get
 * theirs from dindOverlayNetworkOptions. The cluster keys and the labels are not
 * flags: the config command writes them into the engine's daemon.json
 * (dindEngineConfigJson), which a reload reads.
 */
export function dindEngineCommand(config: ClusterConfig): string[] {
    const d = dindConfigOf(config);
    return ["dockerd", "--host=unix:///var/run/docker.sock", ...dindTls(config).dockerdFlags, `--mtu=${dindOverlayMtu(d)}`];
}

/** dockerd's default configuration file (the docker:dind image passes no --config-file). */
export const DIND_DAEMON_JSON = "/etc/docker/daemon.json";

/**
 * A cluster-store engine's cluster keys as its daemon.json has them (undefined in swarm mode):
 * `cluster-advertise` at the machine's fabric address (the fabric is the container's only
 * network, whatever the stack says for VMs). The container starts without them; its config
 * command writes them (dindEngineConfigJson). The container carries them in a label
 * (DIND_CLUSTER_KEYS_LABEL), so other keys are a new container (a running engine takes a
 * global store once: libnetwork 20.10 `controller.go:463-478`) and the policy pack sees that
 * its engine joins a cluster store.
 */
export function dindClusterKeys(config: ClusterConfig, address: string, engine: EngineOptions): Record<string, unknown> | undefined {
    if (engine.clusterStore === undefined) {
        return undefined;
    }
    return daemonJsonKeys({ ...advertiseAddress(engine, address, config.engine.apiPort), labels: {} });
}

/** The engine container's label holding its cluster keys (dindClusterKeys) as JSON. */
export const DIND_CLUSTER_KEYS_LABEL = "docker-overlay.cluster-store";

/**
 * The daemon.json a cluster-store engine runs with once its config command ran: the cluster
 * keys and the labels (a list even when empty: a reload keeps labels the file does not set,
 * moby v20.10.5 `daemon/reload.go:230`). In the file, not as flags: dockerd refuses a key set
 * both ways, and a reload reads only the file.
 */
export function dindEngineConfigJson(config: ClusterConfig, address: string, engine: EngineOptions): string {
    const keys = dindClusterKeys(config, address, engine);
    if (keys === undefined) {
        throw new Error("dind driver: an engine without a cluster store has no config command: its labels are swarm node labels");
    }
    return JSON.stringify({ ...keys, labels: labelList(engine.labels) });
}

/** Seconds the config command waits for the engine to report its store, then for its gossip and its labels. */
export const DIND_JOIN_TIMEOUT_SECONDS = 60;

/**
 * A cluster-store engine's configuration, given to the running engine: the script writes the
 * engine's daemon.json inside its container (`docker exec` through the local Docker) with the
 * cluster keys and the labels (dindEngineConfigJson), has dockerd reload it (SIGHUP to the pid
 * in /var/run/docker.pid; moby v20.10.5 `cmd/dockerd/daemon_unix.go:78-84`,
 * `daemon/reload.go:57`, `:228-232`), and waits until the engine reports the store, its gossip
 * listens (lib/engine/gossip.ts: the next engine joins after this one) and it lists the labels.
 * The first run joins the store (netns's renderNetnsEngineConfigScript says how dockerd 20.10
 * takes a store at a reload); a later one (a changed label) leaves discovery alone. Only POSIX
 * sh, cat, mv, mkdir and kill run inside the container: the docker:dind image is Alpine. No
 * delete: the file goes with the container.
 */
export function renderDindEngineConfigScript(config: ClusterConfig, host: HostConfig, address: string, engine: EngineOptions): string {
    const json = dindEngineConfigJson(config, address, engine);
    return [
        ...bashPreamble(`docker-overlay: cluster store and labels of engine ${host.name} (dind) of stack ${config.stack}`),
        assign("NAME", host.name),
        assign("CONTAINER", dindMachineContainerName(config, host.name)),
        assign("LOCAL_DOCKER", dindConfigOf(config).localDockerHost),
        assign("CONFIG", DIND_DAEMON_JSON),
        assign("CLUSTER_STORE", engine.clusterStore ?? ""),
        assign("DAEMON_JSON", json),
        assign("TIMEOUT", DIND_JOIN_TIMEOUT_SECONDS),
        ...renderDockerCliPrelude({ cli: "docker" }),
        waitUntilFunction(),
        gossipListeningFunction(),
        labelsListedFunction(labelList(engine.labels)),
        scriptFragment(path.join(__dirname, "sh", "dind"), "engine-config.sh"),
        "",
    ].join("\n");
}

export interface DindKvContainerSpec {
    name: string;
    image: string;
    hostname: string;
    command: string[];
    env: string[];
    network: { name: string; ipv4Address: string };
    restart: string;
    healthcheck: DindHealthcheck;
    wait: boolean;
    waitTimeout: number;
}

/**
 * The KV machine's container: the store listens on `kvStore.port` at its fabric
 * address, where the engines reach it. Nothing is published: the engines are
 * on the same network.
 */
export function dindKvContainer(config: ClusterConfig, machine: string, address: string): DindKvContainerSpec {
    const d = dindConfigOf(config);
    const store = requireKvStore(config, "dind driver");
    const port = store.port;
    const kv = kvServerSpec(store.backend, port, d.kvImage);
    return {
        name: `${d.network}-${machine}`,
        image: kv.image,
        hostname: machine,
        command: kv.command,
        env: [...kv.env, ...(kv.advertiseUrlEnv ? [`${kv.advertiseUrlEnv}=${kvAdvertiseUrl(address, port)}`] : [])],
        network: { name: d.network, ipv4Address: address },
        restart: "unless-stopped",
        healthcheck: { tests: kv.healthcheck, interval: "2s", timeout: "5s", retries: 30, startPeriod: "2s" },
        wait: true,
        waitTimeout: 120,
    };
}

/** The fabric network: a bridge with a fixed subnet and gateway, MTU as configured. */
export function dindFabricNetwork(config: ClusterConfig): {
    name: string;
    subnet: string;
    gateway: string;
    options: Record<string, string>;
} {
    const d = dindConfigOf(config);
    return {
        name: d.network,
        subnet: d.subnet,
        gateway: dindAddressPlan(config).gateway,
        options: { "com.docker.network.driver.mtu": String(d.mtu) },
    };
}

export function dindConfigOf(config: ClusterConfig): DindDriverConfig {
    if (config.driver.kind !== "dind") {
        throw new Error(`the dind driver got a config for driver "${config.driver.kind}"`);
    }
    return config.driver;
}
