/** The `docker-overlay:networks` section: the overlays, their subnets, gateways and ranges. */
import { cidrContains, firstUsable, Ipv4Network, overlaps } from "../../net/cidr";
import { ESP_OVERHEAD, overlayMtu, VXLAN_OVERHEAD } from "../../plan/mtu";
import { MAX_MTU, MAX_NETWORK_PREFIX, MAX_OVERLAY_MTU, MIN_NETWORK_PREFIX, MIN_OVERLAY_MTU } from "../defaults";
import { keysOf, NETWORK_FIELDS } from "../fields";
import { RESERVED_NETWORK_NAMES } from "../types";
import { Checker, indexPath } from "./checker";
import { DriverFacts, EngineFacts, NetworkFacts, NetworkIndex } from "./facts";
import { DOCKER_NAME } from "./names";

export function checkNetworks(c: Checker, value: unknown, driver: DriverFacts, engine: EngineFacts): NetworkIndex {
    if (value === undefined) {
        return { networks: [], complete: true };
    }
    const list = c.list("networks", value);
    if (list === undefined) {
        return { networks: [], complete: false };
    }
    const facts: NetworkFacts[] = [];
    let complete = true;
    const names = new Map<string, number>();
    const renames: { path: string; old: string }[] = [];
    list.forEach((item, i) => {
        const path = indexPath("networks", i);
        const n = c.object(path, item, keysOf(NETWORK_FIELDS));
        if (n === undefined) {
            complete = false;
            return;
        }
        let name: string | undefined;
        if (n["name"] === undefined) {
            c.add(`${path}.name`, "is required: the overlay network's name, which containers' networks refer to");
        } else {
            name = c.string(`${path}.name`, n["name"], "a network name");
            if (name !== undefined && !DOCKER_NAME.test(name)) {
                c.add(
                    `${path}.name`,
                    `${JSON.stringify(name)} is not a valid Docker network name: start with a letter or digit, then letters, digits, _, . or -`,
                );
                name = undefined;
            } else if (name !== undefined && RESERVED_NETWORK_NAMES.includes(name)) {
                c.add(
                    `${path}.name`,
                    `${JSON.stringify(name)} is a network Docker creates itself (reserved: ${RESERVED_NETWORK_NAMES.join(", ")}); choose another name`,
                );
                name = undefined;
            } else if (name !== undefined && names.has(name)) {
                c.add(`${path}.name`, `${JSON.stringify(name)} is also the name of networks[${names.get(name)}]; network names must be unique`);
                name = undefined;
            } else if (name !== undefined) {
                names.set(name, i);
            }
        }
        if (name === undefined && !names.has(String(n["name"]))) {
            // Which name was meant is unclear: skip "no network is named" follow-ons.
            complete = false;
        }
        // A reserved or malformed name still identifies this network for the
        // subnet checks (overlaps, gateway, static addresses), which stay useful.
        const refName = name ?? (typeof n["name"] === "string" && !facts.some((f) => f.name === n["name"]) ? n["name"] : undefined);
        const label = refName === undefined ? path : refName;

        let net: Ipv4Network | undefined;
        if (n["subnet"] === undefined) {
            c.add(`${path}.subnet`, "is required: the overlay's IPv4 subnet, e.g. 10.0.0.0/24");
        } else {
            net = checkOverlaySubnet(c, `${path}.subnet`, n["subnet"], label, facts, driver);
        }

        let gateway: string | undefined;
        if (n["gateway"] !== undefined) {
            const ip = c.ipv4(`${path}.gateway`, n["gateway"]);
            gateway = ip?.text;
            if (ip !== undefined && net !== undefined) {
                const problem = reservedAddressProblem(ip.value, ip.text, net, `${label}'s subnet`);
                if (problem !== undefined) {
                    c.add(`${path}.gateway`, `${problem}; the gateway must be a usable address of the subnet`);
                    gateway = undefined;
                }
            }
        } else if (net !== undefined) {
            gateway = firstUsable(net.cidr);
        }

        if (n["ipRange"] !== undefined) {
            const range = c.cidr(`${path}.ipRange`, n["ipRange"]);
            if (range !== undefined && net !== undefined && !cidrContains(net.cidr, range.text)) {
                c.add(
                    `${path}.ipRange`,
                    `${JSON.stringify(range.text)} is not inside the subnet ${net.cidr}; the range containers get addresses from must be part of the subnet`,
                );
            }
        }
        if (n["internal"] !== undefined) {
            c.boolean(`${path}.internal`, n["internal"]);
        }
        let encrypted: boolean | undefined = n["encrypted"] === undefined ? false : undefined;
        if (n["encrypted"] !== undefined) {
            encrypted = c.boolean(`${path}.encrypted`, n["encrypted"]);
            if (encrypted === true && engine.mode === "cluster-store") {
                c.add(
                    `${path}.encrypted`,
                    "encrypted overlays need swarm mode's key distribution, which engine.mode cluster-store does not have; remove encrypted or use engine.mode: swarm",
                );
            } else if (encrypted === true && driver.kind === "dind") {
                // The probe needs `ip xfrm` where the machines' kernel is; the docker:dind image's busybox ip has no xfrm.
                c.add(
                    `${path}.encrypted`,
                    "the dind driver cannot check its machines' kernel for IPsec ESP AES-GCM, without which encrypted overlays silently drop traffic; use the netns, ssh or docker-machine driver, or remove encrypted",
                );
            }
        }
        if (n["mtu"] !== undefined) {
            checkOverlayMtu(c, `${path}.mtu`, n["mtu"], encrypted, driver);
        }
        if (n["renamedFrom"] !== undefined) {
            const old = c.string(`${path}.renamedFrom`, n["renamedFrom"], "the network's name before the rename");
            if (old !== undefined && !DOCKER_NAME.test(old)) {
                c.add(`${path}.renamedFrom`, `${JSON.stringify(old)} is not a valid Docker network name, so no network had it; give the name the network had`);
            } else if (old !== undefined) {
                renames.push({ path: `${path}.renamedFrom`, old });
            }
        }
        if (refName !== undefined) {
            facts.push({ index: i, name: refName, net, gateway });
        }
    });
    // A name that is still a network's, or two networks renamed from one, would give two resources one
    // old resource (the engine refuses: "Duplicate resource alias", step_generator.go:640-651).
    const claimed = new Map<string, string>();
    for (const r of renames) {
        const current = names.get(r.old);
        if (current !== undefined) {
            c.add(
                r.path,
                `${JSON.stringify(r.old)} is the name of networks[${current}]: renamedFrom names a network that is no longer in the list; remove renamedFrom, or the network it names`,
            );
        } else if (claimed.has(r.old)) {
            c.add(r.path, `${JSON.stringify(r.old)} is also ${claimed.get(r.old)}: one network can only be renamed to one new name`);
        } else {
            claimed.set(r.old, r.path);
        }
    }
    return { networks: facts, complete };
}

/**
 * `networks[].mtu`: an integer in range, a multiple of 4 when encrypted (ESP
 * pads to 4 bytes, and Docker rounds the overlay's MTU down to one), and not
 * above what the underlay carries where the plan knows the underlay's MTU
 * (lib/plan/mtu.ts: the underlay's minus VXLAN's 50 bytes, and ESP's 26).
 */
function checkOverlayMtu(c: Checker, path: string, value: unknown, encrypted: boolean | undefined, driver: DriverFacts): void {
    const mtu = c.integer(path, value, MIN_OVERLAY_MTU, MAX_OVERLAY_MTU, " (IPv4's minimum datagram to a jumbo underlay's minus VXLAN's 50 bytes)");
    if (mtu === undefined || encrypted === undefined) {
        return;
    }
    const underlay = driver.underlayMtu;
    if (underlay !== undefined) {
        const max = overlayMtu(underlay.value, encrypted);
        if (mtu > max) {
            const overhead = encrypted
                ? `${VXLAN_OVERHEAD} bytes of VXLAN and ${ESP_OVERHEAD} of ESP, rounded down to a multiple of 4`
                : `${VXLAN_OVERHEAD} bytes of VXLAN`;
            c.add(
                path,
                `${mtu} is more than the underlay carries: ${underlay.key} ${underlay.value}${underlay.defaulted ? " (the default)" : ""} leaves at most ${max} ` +
                    `for ${encrypted ? "an encrypted" : "an"} overlay (${overhead}); use at most ${max}, or raise ${underlay.key}`,
            );
            return;
        }
    } else if (encrypted && mtu > overlayMtu(MAX_MTU, true)) {
        // Underlay unknown at plan time (ssh, docker-machine): no more than a jumbo underlay carries.
        const max = overlayMtu(MAX_MTU, true);
        c.add(
            path,
            `${mtu} is more than an encrypted overlay can have on any underlay (at most ${MAX_MTU}, less ${VXLAN_OVERHEAD} bytes of VXLAN and ${ESP_OVERHEAD} of ESP); use at most ${max}`,
        );
        return;
    }
    if (encrypted && mtu % 4 !== 0) {
        c.add(
            path,
            `${mtu} is not a multiple of 4: Docker rounds an encrypted overlay's MTU down to one (ESP pads to 4 bytes), so containers would get ${mtu - (mtu % 4)}; use ${mtu - (mtu % 4)}`,
        );
    }
}

function checkOverlaySubnet(
    c: Checker,
    path: string,
    value: unknown,
    label: string,
    earlier: readonly NetworkFacts[],
    driver: DriverFacts,
): Ipv4Network | undefined {
    const parsed = c.cidr(path, value);
    if (parsed === undefined) {
        return undefined;
    }
    const subnet = parsed.text;
    const net = parsed.value;
    if (net.prefix > MAX_NETWORK_PREFIX) {
        c.add(
            path,
            `${JSON.stringify(subnet)} is too small: an overlay subnet needs a prefix from /${MIN_NETWORK_PREFIX} to /${MAX_NETWORK_PREFIX}, ` +
                `because a /31 or /32 leaves no address for the gateway and containers besides the network and broadcast addresses`,
        );
        return undefined;
    }
    if (net.prefix < MIN_NETWORK_PREFIX) {
        c.add(
            path,
            `${JSON.stringify(subnet)} is too large: an overlay subnet needs a prefix from /${MIN_NETWORK_PREFIX} to /${MAX_NETWORK_PREFIX}; ` +
                `a /8 (16 million addresses) is already more than any overlay can use`,
        );
        return undefined;
    }
    for (const other of earlier) {
        if (other.net !== undefined && overlaps(other.net.cidr, subnet)) {
            c.add(
                path,
                `${JSON.stringify(subnet)} (${label}) overlaps ${other.net.cidr} of ${other.name} (networks[${other.index}]); ` +
                    `overlay subnets must not share addresses, or containers' routes become ambiguous`,
            );
            return undefined;
        }
    }
    const fabric = driver.fabric;
    if (fabric !== undefined && overlaps(fabric.net.cidr, subnet)) {
        c.add(
            path,
            `${JSON.stringify(subnet)} (${label}) overlaps ${fabric.noun} ${fabric.net.cidr} (${fabric.key}${fabric.defaulted ? ", the default" : ""}) the hosts sit on; ` +
                `choose a subnet outside it, or traffic for containers would be routed to the hosts' network instead`,
        );
        return undefined;
    }
    return net;
}

/** Network and broadcast addresses are never usable; `undefined` when `ip` is inside `net` and usable. */
export function reservedAddressProblem(ip: bigint, text: string, net: Ipv4Network, what: string): string | undefined {
    if (ip < net.start || ip > net.end) {
        return `${text} is outside ${what} ${net.cidr}`;
    }
    if (ip === net.start) {
        return `${text} is the network address of ${what} ${net.cidr}`;
    }
    if (ip === net.end) {
        return `${text} is the broadcast address of ${what} ${net.cidr}`;
    }
    return undefined;
}
