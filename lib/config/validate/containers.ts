/**
 * The `docker-overlay:containers` section: names, images, commands, the
 * overlays each attaches to (with static addresses) and the placement
 * constraints, checked against the hosts and networks that passed their own rules.
 */
import { ATTACHMENT_FIELDS, CONTAINER_FIELDS, keysOf } from "../fields";
import { Constraint, hostMatcher, NODE_KEY, parseConstraint } from "../../placement/constraints";
import { noNewTaskMessage, PlacementHost, unsatisfiableMessage } from "../../placement/place";
import { Checker, got, indexPath, isRecord } from "./checker";
import { suggestion } from "./didYouMean";
import { HostFacts, NetworkFacts, NetworkIndex } from "./facts";
import { DOCKER_NAME } from "./names";
import { reservedAddressProblem } from "./networks";

export function checkContainers(c: Checker, value: unknown, hosts: HostFacts, networks: NetworkIndex): void {
    if (value === undefined) {
        return;
    }
    const list = c.list("containers", value);
    if (list === undefined) {
        return;
    }
    const names = new Map<string, number>();
    const matchingOf = hostMatcher(hosts.targets);
    /** network name -> static address -> container index */
    const staticAddresses = new Map<string, Map<string, number>>();
    list.forEach((item, i) => {
        const path = indexPath("containers", i);
        const ct = c.object(path, item, keysOf(CONTAINER_FIELDS));
        if (ct === undefined) {
            return;
        }
        let name: string | undefined;
        if (ct["name"] === undefined) {
            c.add(`${path}.name`, "is required: the container's name, unique in the stack");
        } else {
            name = c.string(`${path}.name`, ct["name"], "a container name");
            if (name !== undefined && !DOCKER_NAME.test(name)) {
                c.add(`${path}.name`, `${JSON.stringify(name)} is not a valid container name: start with a letter or digit, then letters, digits, _, . or -`);
            } else if (name !== undefined && names.has(name)) {
                c.add(`${path}.name`, `${JSON.stringify(name)} is also the name of containers[${names.get(name)}]; container names must be unique`);
            } else if (name !== undefined) {
                names.set(name, i);
            }
        }
        if (ct["image"] === undefined) {
            c.add(`${path}.image`, "is required: the image to run, e.g. busybox:latest");
        } else {
            c.word(`${path}.image`, ct["image"], "an image reference");
        }
        if (ct["command"] !== undefined) {
            c.stringList(`${path}.command`, ct["command"], `["top"]`);
        }
        if (ct["env"] !== undefined) {
            c.stringMap(`${path}.env`, ct["env"], (key) =>
                key === "" || /[=\s]/.test(key) ? `environment variable names must not be empty or contain "=" or whitespace` : undefined,
            );
        }
        checkAttachments(c, path, ct["networks"], networks, staticAddresses, i);
        if (ct["constraints"] !== undefined) {
            checkConstraints(c, `${path}.constraints`, ct["constraints"], hosts, matchingOf, Array.isArray(ct["networks"]) && ct["networks"].length > 0);
        }
    });
}

function checkAttachments(
    c: Checker,
    path: string,
    value: unknown,
    index: NetworkIndex,
    staticAddresses: Map<string, Map<string, number>>,
    containerIndex: number,
): void {
    const netPath = `${path}.networks`;
    const networks = index.networks;
    if (value === undefined) {
        const where = networks.length === 0 ? " (define networks under docker-overlay:networks)" : "";
        c.add(netPath, `is required: list the overlay networks to attach, e.g. [net1]${where}`);
        return;
    }
    const list = c.list(netPath, value);
    if (list === undefined) {
        return;
    }
    if (list.length === 0) {
        c.add(netPath, "must list at least one network: a container on no overlay is outside what this stack builds");
        return;
    }
    const known = networks.map((n) => n.name);
    const attached = new Map<string, number>();
    list.forEach((item, j) => {
        const itemPath = indexPath(netPath, j);
        let name: string | undefined;
        let namePath = itemPath;
        let ipv4Address: unknown;
        if (typeof item === "string") {
            name = item;
        } else if (isRecord(item)) {
            const a = c.object(itemPath, item, keysOf(ATTACHMENT_FIELDS));
            namePath = `${itemPath}.name`;
            if (a !== undefined && a["name"] === undefined) {
                c.add(namePath, "is required: the network to attach");
            } else if (a !== undefined) {
                name = c.string(namePath, a["name"], "a network name");
            }
            ipv4Address = a?.["ipv4Address"];
        } else {
            c.add(itemPath, `must be a network name or { name, ipv4Address }, got ${got(item)}`);
            return;
        }
        if (name === undefined) {
            return;
        }
        const network = networks.find((n) => n.name === name);
        if (network === undefined) {
            if (index.complete) {
                const defined = known.length === 0 ? "no networks are defined under docker-overlay:networks" : `networks: ${known.join(", ")}`;
                c.add(namePath, `no network is named ${JSON.stringify(name)}${suggestion(name, known)} (${defined})`);
            }
            return;
        }
        const first = attached.get(name);
        if (first !== undefined) {
            c.add(namePath, `${JSON.stringify(name)} is already attached at networks[${first}]; attach each network once`);
            return;
        }
        attached.set(name, j);
        if (ipv4Address !== undefined) {
            checkStaticAddress(c, `${itemPath}.ipv4Address`, ipv4Address, network, staticAddresses, containerIndex);
        }
    });
}

/**
 * A container's fixed address: inside the network's subnet and not its
 * network, broadcast or gateway address, unique on the network. It may lie
 * outside `ipRange`: Docker hands out dynamic addresses only from the range
 * but accepts any static address of the subnet, and keeping static
 * addresses outside the range is how they avoid colliding with dynamic ones.
 */
function checkStaticAddress(
    c: Checker,
    path: string,
    value: unknown,
    network: NetworkFacts,
    staticAddresses: Map<string, Map<string, number>>,
    containerIndex: number,
): void {
    const ip = c.ipv4(path, value);
    if (ip === undefined) {
        return;
    }
    const address = ip.text;
    if (network.net === undefined) {
        return;
    }
    const problem = reservedAddressProblem(ip.value, address, network.net, `${network.name}'s subnet`);
    if (problem !== undefined) {
        c.add(path, `${problem}; pick a usable address of the subnet`);
        return;
    }
    if (address === network.gateway) {
        c.add(path, `${address} is the gateway of ${network.name}; pick another address of ${network.net.cidr}`);
        return;
    }
    const onNetwork = staticAddresses.get(network.name) ?? new Map<string, number>();
    staticAddresses.set(network.name, onNetwork);
    const other = onNetwork.get(address);
    if (other !== undefined && other !== containerIndex) {
        c.add(path, `${address} on ${network.name} is also the address of containers[${other}]; give each container its own address`);
        return;
    }
    onNetwork.set(address, containerIndex);
}

function checkConstraints(
    c: Checker,
    path: string,
    value: unknown,
    hosts: HostFacts,
    matchingOf: (cs: readonly Constraint[]) => PlacementHost[],
    onOverlay: boolean,
): void {
    const texts = c.stringList(path, value, `["node==swarm-node1"]`);
    if (texts === undefined) {
        return;
    }
    const parsed: Constraint[] = [];
    let referencesOk = true;
    texts.forEach((text, k) => {
        const itemPath = indexPath(path, k);
        const result = parseConstraint(text);
        if (!result.ok) {
            c.add(itemPath, `${result.reason}`);
            referencesOk = false;
            return;
        }
        const constraint = result.constraint;
        if (constraint.key === NODE_KEY) {
            if (hosts.namesComplete && !hosts.names.includes(constraint.value)) {
                c.add(itemPath, `${JSON.stringify(text)} names no host${suggestion(constraint.value, hosts.names)} (hosts: ${hosts.names.join(", ")})`);
                referencesOk = false;
            }
        } else if (hosts.labelsComplete && !hosts.labelKeys.has(constraint.key)) {
            const keys = [...hosts.labelKeys].sort();
            const inUse =
                keys.length === 0
                    ? `no host has labels; add labels: { ${constraint.key}: <value> } to a host`
                    : `labels in use: ${keys.join(", ")}; add the label to a host or fix the constraint`;
            c.add(
                itemPath,
                `${JSON.stringify(text)} uses the label ${JSON.stringify(constraint.key)}, which no host has${suggestion(constraint.key, keys)} (${inUse})`,
            );
            referencesOk = false;
        }
        parsed.push(constraint);
    });
    // Whether some host fits does not depend on where earlier containers went, so this is checked per container.
    const hostsKnown = hosts.namesComplete && hosts.labelsComplete && hosts.targets.length > 0;
    if (!referencesOk || !hostsKnown) {
        return;
    }
    const matching = matchingOf(parsed);
    const problem = matching.length === 0 ? unsatisfiableMessage(hosts.targets, parsed) : onOverlay ? noNewTaskMessage(matching) : undefined;
    if (problem !== undefined) {
        c.add(path, problem);
    }
}
