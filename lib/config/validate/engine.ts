/** The `docker-overlay:engine` section: mode, API, cluster-store options, TLS and swarm settings. */
import { overlayPorts, VXLAN_PORT } from "../../plan/ports";
import { parseIPv4 } from "../../net/cidr";
import { DEFAULTS } from "../defaults";
import { ENGINE_FIELDS, keysOf, SWARM_FIELDS } from "../fields";
import { Checker, plural } from "./checker";
import { DriverFacts, EngineFacts } from "./facts";
import { DOTTED_DIGITS, IFNAME_RULE, isIfname } from "./names";

export function checkEngine(c: Checker, value: unknown, driver: DriverFacts, hostCount: number): EngineFacts {
    if (value === undefined) {
        return { mode: DEFAULTS.engine.mode, maskLength: DEFAULTS.swarm.addressPoolMaskLength };
    }
    const e = c.object("engine", value, keysOf(ENGINE_FIELDS));
    if (e === undefined) {
        return {};
    }
    const mode = e["mode"] === undefined ? DEFAULTS.engine.mode : c.oneOf("engine.mode", e["mode"], ENGINE_FIELDS.mode.enum);
    if (e["advertiseInterface"] !== undefined) {
        const advertise = c.string("engine.advertiseInterface", e["advertiseInterface"], "an interface name or IPv4 address");
        if (advertise !== undefined) {
            checkAdvertise(c, advertise, driver);
        }
    }
    let swarmPort: number | undefined = DEFAULTS.swarm.port;
    let dataPathPort: number | undefined = DEFAULTS.swarm.dataPathPort;
    const facts: EngineFacts = { mode, maskLength: DEFAULTS.swarm.addressPoolMaskLength };
    if (e["swarm"] !== undefined) {
        if (mode === "cluster-store") {
            c.add("engine.swarm", "is only used with engine.mode: swarm; remove it, or set engine.mode: swarm");
        }
        const sw = c.object("engine.swarm", e["swarm"], keysOf(SWARM_FIELDS));
        if (sw !== undefined) {
            if (sw["port"] !== undefined) {
                swarmPort = c.port("engine.swarm.port", sw["port"]);
            }
            if (sw["dataPathPort"] !== undefined) {
                dataPathPort = c.integer(
                    "engine.swarm.dataPathPort",
                    sw["dataPathPort"],
                    SWARM_FIELDS.dataPathPort.minimum,
                    SWARM_FIELDS.dataPathPort.maximum,
                    " (the UDP ports swarm init accepts for --data-path-port)",
                );
                const clash =
                    dataPathPort === undefined
                        ? undefined
                        : overlayPorts("swarm", swarmPort ?? DEFAULTS.swarm.port).find((p) => p.port === dataPathPort && p.port !== VXLAN_PORT);
                if (clash !== undefined) {
                    c.add(
                        "engine.swarm.dataPathPort",
                        `${dataPathPort} is ${clash.what}, which the overlay uses on every host; use another port (default ${DEFAULTS.swarm.dataPathPort})`,
                    );
                    dataPathPort = undefined;
                }
            }
            if (sw["dataPathAddress"] !== undefined) {
                const address = c.string("engine.swarm.dataPathAddress", sw["dataPathAddress"], "an interface name or IPv4 address");
                if (address !== undefined) {
                    checkDataPathAddress(c, address);
                }
            }
            if (sw["rotateTokens"] !== undefined) {
                const trigger = c.string("engine.swarm.rotateTokens", sw["rotateTokens"], "a string (a trigger: changing it rotates the join tokens)");
                if (trigger !== undefined && trigger.trim() === "") {
                    c.add(
                        "engine.swarm.rotateTokens",
                        "is empty; give any non-empty string (e.g. a date), and change it to rotate the join tokens again, or remove the key",
                    );
                }
            }
            if (sw["addressPoolMaskLength"] !== undefined) {
                facts.maskLength = c.integer(
                    "engine.swarm.addressPoolMaskLength",
                    sw["addressPoolMaskLength"],
                    SWARM_FIELDS.addressPoolMaskLength.minimum,
                    SWARM_FIELDS.addressPoolMaskLength.maximum,
                    " (the prefix length of each network swarm allocates from the pool)",
                );
            }
            if (sw["addressPool"] !== undefined) {
                const pool = c.cidr("engine.swarm.addressPool", sw["addressPool"]);
                if (pool !== undefined && facts.maskLength !== undefined && pool.value.prefix >= facts.maskLength) {
                    c.add(
                        "engine.swarm.addressPool",
                        `${JSON.stringify(pool.text)} is not larger than the /${facts.maskLength} networks swarm allocates from it (engine.swarm.addressPoolMaskLength); use a shorter prefix, e.g. /16`,
                    );
                } else if (pool !== undefined) {
                    facts.addressPool = pool.value;
                }
            }
        }
    }
    if (e["apiPort"] !== undefined) {
        const port = c.port("engine.apiPort", e["apiPort"]);
        // dind publishes each engine's API on apiPort + the host's index.
        if (port !== undefined && driver.kind === "dind" && port + hostCount - 1 > 65535) {
            c.add(
                "engine.apiPort",
                `${port} is too high for ${plural(hostCount, "host")}: the dind driver publishes host i's API on apiPort + i, up to ${port + hostCount - 1}; use at most ${65536 - hostCount}`,
            );
        }
        // The API listens next to the overlay's own ports on each host (with TLS, or dind's always).
        const clash = port === undefined || mode === undefined ? undefined : overlayPorts(mode, swarmPort, dataPathPort).find((p) => p.port === port);
        if (clash !== undefined) {
            c.add(
                "engine.apiPort",
                `${port} is ${clash.what}, which the overlay uses on every host; the engine API needs another port (default ${DEFAULTS.engine.apiPort})`,
            );
        }
    }
    if (mode === "swarm" && swarmPort !== undefined) {
        const clash = overlayPorts("cluster-store").find((p) => p.port === swarmPort);
        if (clash !== undefined) {
            c.add(
                "engine.swarm.port",
                `${swarmPort} is ${clash.what}, which the overlay uses on every host; use another port (default ${DEFAULTS.swarm.port})`,
            );
        }
    }
    if (e["clusterStoreOpts"] !== undefined) {
        c.stringMap("engine.clusterStoreOpts", e["clusterStoreOpts"], (key) =>
            key === "" || /[=\s]/.test(key) ? `option names must not be empty or contain "=" or whitespace (they are rendered as name=value)` : undefined,
        );
        if (mode === "swarm") {
            c.add("engine.clusterStoreOpts", "is only used with engine.mode: cluster-store (swarm mode has no cluster store); remove it");
        }
    }
    if (e["tls"] !== undefined) {
        const tls = c.boolean("engine.tls", e["tls"]);
        if (tls === false && driver.kind === "docker-machine") {
            c.add("engine.tls", "docker-machine always secures its engines' API with TLS certificates of its own; remove engine.tls");
        }
    }
    return facts;
}

/** `--data-path-addr`: an IPv4 address or an interface name, as swarm init takes it. */
function checkDataPathAddress(c: Checker, address: string): void {
    const path = "engine.swarm.dataPathAddress";
    if (DOTTED_DIGITS.test(address)) {
        const ip = parseIPv4(address);
        if (!ip.ok) {
            c.add(path, `${ip.reason}; give an interface name (e.g. eth2) or an IPv4 address`);
        }
    } else if (!isIfname(address)) {
        const port = /:\d+$/.test(address) ? "; the port goes in engine.swarm.dataPathPort" : "";
        c.add(path, `${JSON.stringify(address)} is neither an interface name nor an IPv4 address (${IFNAME_RULE})${port}`);
    }
}

function checkAdvertise(c: Checker, advertise: string, driver: DriverFacts): void {
    const path = "engine.advertiseInterface";
    if (DOTTED_DIGITS.test(advertise)) {
        const ip = parseIPv4(advertise);
        if (!ip.ok) {
            c.add(path, `${ip.reason}; give an interface name (e.g. eth1) or an IPv4 address`);
        } else if (driver.kind === "netns") {
            c.add(
                path,
                `the netns driver names each host's underlay interface after engine.advertiseInterface, so it must be an interface name (e.g. eth1), not an address`,
            );
        }
        return;
    }
    if (!isIfname(advertise)) {
        const port = /:\d+$/.test(advertise) ? "; the port goes in engine.apiPort" : "";
        c.add(path, `${JSON.stringify(advertise)} is neither an interface name nor an IPv4 address (${IFNAME_RULE})${port}`);
    } else if (driver.kind === "netns" && advertise === "lo") {
        c.add(path, `"lo" is each namespace's loopback; the netns driver needs another name for the underlay interface, e.g. eth1`);
    }
}
