/** The `docker-overlay:driver` section: the kind, and each kind's own settings. */
import { CLUSTER_STORE_REMOVED, dockerImageEngineVersion, hasClusterStore, LAST_CLUSTER_STORE_ENGINE } from "../../engine/clusterStore";
import { Ipv4Network, parseCidr, toText } from "../../net/cidr";
import { DEFAULTS } from "../defaults";
import { DRIVER_FIELDS, DRIVER_KIND_FIELD, driverKeys, keysOf, PRELOAD_IMAGE_FIELDS } from "../fields";
import { EngineMode } from "../types";
import { Checker, got, indexPath, isRecord, plural } from "./checker";
import { DriverFacts, Fabric } from "./facts";
import { DOCKER_NAME, IFNAME_RULE, isIfname } from "./names";

export function checkDriver(c: Checker, value: unknown, hostCount: number, kvMachines: number, mode: EngineMode | undefined): DriverFacts {
    if (value === undefined) {
        value = {};
    }
    if (!isRecord(value)) {
        c.add("driver", `must be an object (key: value pairs), got ${got(value)}; e.g. { kind: netns }`);
        return {};
    }
    const kind = value["kind"] === undefined ? DEFAULTS.driverKind : c.oneOf("driver.kind", value["kind"], DRIVER_KIND_FIELD.enum);
    if (kind === undefined) {
        return {};
    }
    const d = c.object("driver", value, driverKeys(kind), (key) => {
        const owner = DRIVER_KIND_FIELD.enum.find((k) => k !== kind && driverKeys(k).includes(key));
        return owner === undefined ? undefined : `is a setting of the ${owner} driver, not of ${kind}; remove it or set driver.kind: ${owner}`;
    });
    if (d === undefined) {
        return { kind };
    }
    const machines = hostCount + (kind === "ssh" ? 0 : kvMachines);
    switch (kind) {
        case "netns": {
            if (d["bridge"] !== undefined) {
                const bridge = c.string("driver.bridge", d["bridge"], "a Linux interface name");
                if (bridge !== undefined && !isIfname(bridge)) {
                    c.add("driver.bridge", `${JSON.stringify(bridge)} is not a valid bridge name: ${IFNAME_RULE}`);
                }
            }
            for (const key of ["engineBin", "kvBin", "stateDir", "runDir"]) {
                if (d[key] !== undefined) {
                    c.absolutePath(`driver.${key}`, d[key]);
                }
            }
            if (d["images"] !== undefined) {
                checkPreloadImages(c, d["images"]);
            }
            const underlayMtu = checkUnderlayMtu(c, "driver.underlayMtu", d["underlayMtu"], DRIVER_FIELDS.netns.underlayMtu);
            const fabric = checkFabric(c, d["underlay"], {
                key: "driver.underlay",
                fallback: DEFAULTS.netns.underlay,
                noun: "the underlay",
                firstIs: "the bridge's address",
                machines,
                kvMachines,
            });
            return { kind, fabric, ...(underlayMtu !== undefined ? { underlayMtu } : {}) };
        }
        case "dind": {
            for (const key of ["image", "kvImage"]) {
                if (d[key] !== undefined) {
                    c.word(`driver.${key}`, d[key], "an image reference");
                }
            }
            if (typeof d["image"] === "string" && mode === "cluster-store") {
                const version = dockerImageEngineVersion(d["image"]);
                if (version !== undefined && !hasClusterStore(version)) {
                    const last = `${LAST_CLUSTER_STORE_ENGINE.major}.${LAST_CLUSTER_STORE_ENGINE.minor}`;
                    c.add(
                        "driver.image",
                        `${JSON.stringify(d["image"])} runs Docker ${version.major}.${version.minor}, but engine.mode cluster-store needs an engine <= ${last} ` +
                            `(${CLUSTER_STORE_REMOVED}); use ${DEFAULTS.dind.image}, or engine.mode: swarm for current engines`,
                    );
                }
            }
            if (d["network"] !== undefined) {
                const network = c.string("driver.network", d["network"]);
                if (network !== undefined && !DOCKER_NAME.test(network)) {
                    c.add(
                        "driver.network",
                        `${JSON.stringify(network)} is not a valid Docker network name: start with a letter or digit, then letters, digits, _, . or -`,
                    );
                }
            }
            const underlayMtu = checkUnderlayMtu(c, "driver.mtu", d["mtu"], DRIVER_FIELDS.dind.mtu);
            if (d["localDockerHost"] !== undefined) {
                const endpoint = c.string("driver.localDockerHost", d["localDockerHost"]);
                if (endpoint !== undefined && !isLocalDockerEndpoint(endpoint)) {
                    c.add(
                        "driver.localDockerHost",
                        `${JSON.stringify(endpoint)} is not this machine's Docker: use unix:///var/run/docker.sock, an npipe:// pipe, ` +
                            `or tcp://127.0.0.1:<port> (the engines' API ports are published on 127.0.0.1 of that Docker)`,
                    );
                }
            }
            const fabric = checkFabric(c, d["subnet"], {
                key: "driver.subnet",
                fallback: DEFAULTS.dind.subnet,
                noun: "the dind subnet",
                firstIs: "the dind network's gateway",
                machines,
                kvMachines,
            });
            return { kind, fabric, ...(underlayMtu !== undefined ? { underlayMtu } : {}) };
        }
        case "ssh":
            if (d["user"] !== undefined) {
                c.word("driver.user", d["user"], "an ssh user name");
            }
            if (d["port"] !== undefined) {
                c.port("driver.port", d["port"]);
            }
            return { kind };
        case "docker-machine":
            if (d["machineDriver"] !== undefined) {
                c.word("driver.machineDriver", d["machineDriver"], "a docker-machine driver name (virtualbox, generic, ...)");
            }
            if (d["createFlags"] !== undefined) {
                c.stringList("driver.createFlags", d["createFlags"], `["--virtualbox-memory=1024"]`);
            }
            if (d["swarm"] !== undefined) {
                const classic = c.boolean("driver.swarm", d["swarm"]);
                if (classic === true && mode === "swarm") {
                    c.add(
                        "driver.swarm",
                        "classic swarm (--swarm, --swarm-discovery) needs a cluster store; with engine.mode swarm the program forms a swarm-mode cluster itself, so remove driver.swarm",
                    );
                }
            }
            if (d["swarmImage"] !== undefined) {
                c.word("driver.swarmImage", d["swarmImage"], "an image reference");
            }
            return { kind };
    }
}

/** An underlay MTU key (netns driver.underlayMtu, dind driver.mtu): its value when valid, or its default. */
function checkUnderlayMtu(
    c: Checker,
    key: string,
    value: unknown,
    field: { minimum: number; maximum: number; default: number },
): { key: string; value: number; defaulted: boolean } | undefined {
    if (value === undefined) {
        return { key, value: field.default, defaulted: true };
    }
    const mtu = c.integer(key, value, field.minimum, field.maximum, " (IPv6's minimum link MTU to jumbo frames; overlays inside get 50 less)");
    return mtu === undefined ? undefined : { key, value: mtu, defaulted: false };
}

/** unix and npipe sockets, and tcp on a loopback address, are this machine's Docker. */
function isLocalDockerEndpoint(endpoint: string): boolean {
    if (/^(unix|npipe):\/\/./.test(endpoint)) {
        return true;
    }
    const m = /^tcp:\/\/(\[[^\]]+\]|[^:/]+)(:\d+)?\/?$/.exec(endpoint);
    return m !== null && ["127.0.0.1", "localhost", "[::1]"].includes(m[1]);
}

function checkPreloadImages(c: Checker, value: unknown): void {
    const images = c.list("driver.images", value);
    const seen = new Map<string, number>();
    images?.forEach((item, i) => {
        const path = indexPath("driver.images", i);
        const image = c.object(path, item, keysOf(PRELOAD_IMAGE_FIELDS));
        if (image === undefined) {
            return;
        }
        if (image["name"] === undefined) {
            c.add(`${path}.name`, "is required: the image reference containers use, e.g. busybox:latest");
        } else {
            const name = c.word(`${path}.name`, image["name"], "an image reference");
            if (name !== undefined) {
                const first = seen.get(name);
                if (first !== undefined) {
                    c.add(`${path}.name`, `${JSON.stringify(name)} is also the name of driver.images[${first}]; list each image once`);
                } else {
                    seen.set(name, i);
                }
            }
        }
        if (image["rootfs"] === undefined) {
            c.add(`${path}.rootfs`, "is required: the absolute path of a rootfs tarball to docker import");
        } else {
            c.absolutePath(`${path}.rootfs`, image["rootfs"]);
        }
    });
}

/**
 * The machines' network: a CIDR with room for every machine the driver
 * creates (the KV machine and the hosts) after the network, broadcast and
 * first (bridge / gateway) addresses.
 */
function checkFabric(
    c: Checker,
    value: unknown,
    o: { key: string; fallback: string; noun: string; firstIs: string; machines: number; kvMachines: number },
): Fabric | undefined {
    const defaulted = value === undefined;
    const text = defaulted ? o.fallback : c.string(o.key, value, "an IPv4 CIDR");
    if (text === undefined) {
        return undefined;
    }
    const parsed = parseCidr(text);
    if (!parsed.ok) {
        c.add(o.key, parsed.reason);
        return undefined;
    }
    const net = parsed.value;
    const room = net.prefix <= 30 ? Number(net.end - net.start + 1n) - 3 : 0;
    if (o.machines > room) {
        const hosts = o.machines - o.kvMachines;
        const who = o.kvMachines > 0 ? `the KV machine and ${plural(hosts, "host")}` : plural(hosts, "host");
        const subject = defaulted ? `the default ${text}` : JSON.stringify(text);
        c.add(
            o.key,
            `${subject} has room for ${plural(Math.max(room, 0), "machine")} but the stack needs ${o.machines} (${who}; ` +
                `the network, broadcast and first addresses are taken); use a larger network, e.g. ${largerNetwork(net, o.machines)}`,
        );
    }
    return { key: o.key, net, noun: o.noun, firstIs: o.firstIs, defaulted };
}

/** The smallest network at the same start with room for `machines` (plus network, broadcast, first). */
function largerNetwork(net: Ipv4Network, machines: number): string {
    let prefix = 30;
    while (prefix > 0 && 2 ** (32 - prefix) - 3 < machines) {
        prefix--;
    }
    const hostBits = (1n << BigInt(32 - prefix)) - 1n;
    return `${toText(net.start & ~hostBits & 0xffffffffn)}/${prefix}`;
}
