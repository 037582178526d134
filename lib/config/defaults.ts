/**
 * Every default `normalizeConfig` fills in, in one place, and the numeric
 * bounds validation enforces. The stack file's field table (fields.ts) and so
 * its JSON Schema take their defaults from here too.
 */
import { DEFAULT_POOL_MASK_LENGTH } from "../swarm/pool";
import { DriverKind, EngineMode, HostRole, KvBackend, PreloadImage } from "./types";

/** Every default `normalizeConfig` fills in, in one place. */
export const DEFAULTS = {
    driverKind: "netns" as DriverKind,
    netns: {
        underlay: "10.199.0.0/24",
        bridge: "dovl0",
        underlayMtu: 1500,
        engineBin: "/opt/docker-overlay/engine/bin",
        kvBin: "/opt/docker-overlay/kv/bin",
        /** `<stateDirBase>/<stack>` */
        stateDirBase: "/var/lib/docker-overlay",
        /** `<runDirBase>/<stack>` */
        runDirBase: "/run/docker-overlay",
        /**
         * `driver.images` when the key is absent: the image scripts/lab-deps.sh
         * prepares (its BUSYBOX_TAR, imported as busybox:latest). `images: []` means none.
         */
        images: [{ name: "busybox:latest", rootfs: "/var/lib/docker-overlay/images/busybox-rootfs.tar" }] as readonly PreloadImage[],
    },
    dind: {
        image: "docker:20.10.24-dind",
        network: "docker-overlay",
        subnet: "172.30.0.0/24",
        mtu: 1450,
        localDockerHost: "unix:///var/run/docker.sock",
    },
    ssh: { user: "root", port: 22 },
    dockerMachine: { machineDriver: "virtualbox", swarm: true, swarmImage: "swarm:1.2.9" },
    kvBackend: "consul" as KvBackend,
    /** The KV machine's name when neither `kvStore.machine` nor `kvStore.address` is given. */
    kvMachine: "kvstore",
    engine: { mode: "cluster-store" as EngineMode, advertiseInterface: "eth1", apiPort: 2376 },
    /**
     * `engine.tls` per driver: on where the engine API is TCP anyway (dind), off
     * where the program reaches engines over unix sockets (netns) or ssh:// (ssh).
     * docker-machine always secures its engines with certificates of its own.
     */
    tls: { netns: false, dind: true, ssh: false, "docker-machine": true } as Record<DriverKind, boolean>,
    swarm: { addressPoolMaskLength: DEFAULT_POOL_MASK_LENGTH, port: 2377, dataPathPort: 4789 },
    hostRole: "worker" as HostRole,
} as const;

/** Overlay subnet prefix lengths accepted (see the networks rules). */
export const MIN_NETWORK_PREFIX = 8;
export const MAX_NETWORK_PREFIX = 30;
/** Underlay MTU bounds (dind driver.mtu, netns driver.underlayMtu): IPv6's minimum link MTU up to jumbo frames. */
export const MIN_MTU = 1280;
export const MAX_MTU = 9000;
/** networks[].mtu bounds: IPv4's minimum datagram size every host must accept, up to a jumbo underlay's minus VXLAN's 50 bytes. */
export const MIN_OVERLAY_MTU = 576;
export const MAX_OVERLAY_MTU = MAX_MTU - 50;
/** engine.swarm.dataPathPort bounds, as swarm init checks them. */
export const MIN_DATA_PATH_PORT = 1024;
export const MAX_DATA_PATH_PORT = 49151;
