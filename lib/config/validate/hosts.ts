/** The `docker-overlay:hosts` section: names, roles, labels, and each driver's way of addressing a machine. */
import { Address6 } from "ip-address";
import { contains, firstUsable, lastUsable, nthHost } from "../../net/cidr";
import { CONSTRAINT_KEY, NODE_KEY } from "../../placement/constraints";
import { parseHostKey } from "../../ssh/hostKey";
import { HOST_FIELDS, keysOf, SSH_MACHINE_FIELDS } from "../fields";
import { EngineMode, HostAvailability, MAX_SWARM_MANAGERS } from "../types";
import { Checker, indexPath } from "./checker";
import { DriverFacts, HostFacts } from "./facts";
import { hostnameProblem, hostOrIPv4Problem } from "./names";

export function emptyHostFacts(complete: boolean): HostFacts {
    return { names: [], targets: [], labelKeys: new Set(), namesComplete: complete, labelsComplete: complete };
}

/** `mode`: the engine mode when valid (or defaulted); swarm mode takes several managers and availability. */
export function checkHosts(c: Checker, value: unknown, driver: DriverFacts, mode?: EngineMode): HostFacts {
    if (value === undefined) {
        c.add("hosts", "is required: list the Docker hosts, e.g. [{ name: swarm-node1 }, { name: swarm-node2 }]");
        return emptyHostFacts(false);
    }
    const list = c.list("hosts", value);
    if (list === undefined) {
        return emptyHostFacts(false);
    }
    if (list.length === 0) {
        c.add("hosts", "must list at least one host, e.g. [{ name: swarm-node1 }]");
        return emptyHostFacts(false);
    }
    const facts = emptyHostFacts(true);
    const names = new Map<string, number>();
    const addresses = new Map<string, number>();
    let manager: number | undefined;
    const managers: number[] = [];
    const lostHosts: number[] = [];
    list.forEach((item, i) => {
        const path = indexPath("hosts", i);
        const host = c.object(path, item, keysOf(HOST_FIELDS));
        if (host === undefined) {
            facts.namesComplete = false;
            facts.labelsComplete = false;
            return;
        }
        let name: string | undefined;
        if (host["name"] === undefined) {
            c.add(`${path}.name`, "is required: the machine's name, which is also its engine's hostname");
        } else {
            name = c.string(`${path}.name`, host["name"], "a hostname");
            const problem = name === undefined ? undefined : hostnameProblem(name);
            if (problem !== undefined) {
                c.add(`${path}.name`, problem);
                name = undefined;
            } else if (name !== undefined && names.has(name)) {
                c.add(
                    `${path}.name`,
                    `${JSON.stringify(name)} is also the name of hosts[${names.get(name)}]; host names must be unique, because the KV store ` +
                        `tells engines apart by hostname and two engines with one name would overwrite each other's overlay state`,
                );
                name = undefined;
            } else if (name !== undefined) {
                names.set(name, i);
            }
        }

        if (host["role"] !== undefined) {
            const role = c.oneOf(`${path}.role`, host["role"], HOST_FIELDS.role.enum);
            if (role === "manager" && mode === "swarm") {
                managers.push(i);
            } else if (role === "manager") {
                if (manager !== undefined) {
                    c.add(`${path}.role`, `hosts[${manager}] is already the manager and a cluster has at most one; make this host a worker`);
                } else {
                    manager = i;
                }
            }
        }

        let availability: string | undefined;
        if (host["availability"] !== undefined) {
            availability = c.oneOf(`${path}.availability`, host["availability"], HOST_FIELDS.availability.enum);
            if (availability !== undefined && mode === "cluster-store") {
                c.add(
                    `${path}.availability`,
                    `is a swarm mode setting (docker node update --availability), and engine.mode cluster-store has no nodes to drain or pause; remove it or set engine.mode: swarm`,
                );
                // Refused above: placement does not weigh it too (one mistake, one problem).
                availability = undefined;
            }
        }

        if (host["lost"] !== undefined) {
            const lost = c.boolean(`${path}.lost`, host["lost"]);
            if (lost === true) {
                lostHosts.push(i);
                if (driver.kind !== undefined && driver.kind !== "ssh") {
                    c.add(
                        `${path}.lost`,
                        `is for the ssh driver's machines, which the stack does not own; driver.kind ${driver.kind} makes its machines itself and ` +
                            `\`destroy\` takes them whole even when they are gone (what lives on them is deleted with the fabric): remove lost`,
                    );
                }
                if (host["role"] === "manager") {
                    c.add(
                        `${path}.lost`,
                        mode === "swarm"
                            ? `a lost manager cannot be let go of here: the swarm's raft still counts it, and the overlays and joins go through the managers; ` +
                                  `demote it from a manager that answers (docker node demote, then docker node rm --force), make this host a worker, then mark it lost`
                            : `the manager is the host the overlays are created on; make another host the manager first, then mark this one lost`,
                    );
                }
            }
        }

        let labels: Record<string, string> = {};
        if (host["labels"] !== undefined) {
            const before = c.problems.length;
            labels = c.stringMap(`${path}.labels`, host["labels"], labelKeyProblem) ?? {};
            if (c.problems.length > before) {
                facts.labelsComplete = false;
            }
        }
        if (name === undefined) {
            facts.namesComplete = false;
        } else {
            facts.names.push(name);
            facts.targets.push(availability === undefined ? { name, labels } : { name, labels, availability: availability as HostAvailability });
            Object.keys(labels).forEach((k) => facts.labelKeys.add(k));
        }

        if (host["ssh"] !== undefined) {
            checkSshMachine(c, `${path}.ssh`, host["ssh"], driver);
        } else if (driver.kind === "ssh") {
            c.add(`${path}.ssh`, "is required with driver.kind ssh: give the machine's address, e.g. { address: 192.0.2.21 }");
        }
        if (host["address"] !== undefined) {
            checkHostAddress(c, `${path}.address`, host["address"], driver, addresses, i);
        }
    });
    const quorum = managerCountProblem(managers);
    if (quorum !== undefined) {
        c.add("hosts", quorum);
    }
    // With no manager the first host is where the overlays are created (lib/plan/cluster.ts networkHost).
    if (lostHosts.includes(0) && manager === undefined && managers.length === 0) {
        c.add(
            "hosts[0].lost",
            "hosts[0] is where the overlays are created while no host has role manager; put a host that answers first in hosts (or make one the manager), then mark this one lost",
        );
    }
    return facts;
}

/**
 * Swarm mode: 1, 3, 5 or 7 managers. Raft needs a majority of the managers
 * (floor(n/2)+1) to decide anything, so an even count tolerates no more lost
 * managers than one fewer would, and splits in half into two minorities.
 */
export function managerCountProblem(managers: number[]): string | undefined {
    const n = managers.length;
    const which = managers.map((i) => `hosts[${i}]`).join(", ");
    if (n > MAX_SWARM_MANAGERS) {
        return (
            `${n} hosts have role manager (${which}); a swarm takes at most ${MAX_SWARM_MANAGERS}: every change waits for a quorum ` +
            `(a majority, here ${Math.floor(n / 2) + 1}) of the managers, so more slow the swarm down without a useful gain in fault tolerance; ` +
            `make ${n - MAX_SWARM_MANAGERS} of them workers (3 or 5 managers are usual)`
        );
    }
    if (n > 0 && n % 2 === 0) {
        const tolerated = n / 2 - 1;
        return (
            `${n} hosts have role manager (${which}); a swarm needs an odd number of managers (1, 3, 5 or 7) for its quorum: ` +
            `a majority of ${n} is ${n / 2 + 1}, so ${n} managers survive the loss of ${tolerated}, no more than ${n - 1} would, ` +
            `and a network split in half leaves neither side a quorum; make one a worker or add one more manager`
        );
    }
    return undefined;
}

function labelKeyProblem(key: string): string | undefined {
    if (key === NODE_KEY) {
        return `"node" cannot be a label: node==<name> constraints match the host's name, so a node label could never be matched; rename it`;
    }
    if (!CONSTRAINT_KEY.test(key)) {
        return `${JSON.stringify(key)} is not a valid label key: start with a letter or _, then letters, digits, _, . or - (so constraints can name it)`;
    }
    return undefined;
}

function checkSshMachine(c: Checker, path: string, value: unknown, driver: DriverFacts): void {
    if (driver.kind !== undefined && driver.kind !== "ssh") {
        c.add(path, `is only used by the ssh driver; remove it or set driver.kind: ssh`);
        return;
    }
    const ssh = c.object(path, value, keysOf(SSH_MACHINE_FIELDS));
    if (ssh === undefined) {
        return;
    }
    if (ssh["address"] === undefined) {
        c.add(`${path}.address`, "is required: the hostname or IP address the program reaches the machine at over ssh");
    } else {
        const address = c.word(`${path}.address`, ssh["address"], "a hostname or IP address");
        if (address !== undefined && address.includes(":")) {
            if (!Address6.isValid(address)) {
                c.add(
                    `${path}.address`,
                    `${JSON.stringify(address)} is not a hostname or IP address (write an IPv6 address without brackets, and the port in ssh.port)`,
                );
            }
        } else if (address !== undefined) {
            const problem = hostOrIPv4Problem(address);
            if (problem !== undefined) {
                c.add(`${path}.address`, problem);
            }
        }
    }
    if (ssh["user"] !== undefined) {
        c.word(`${path}.user`, ssh["user"], "an ssh user name");
    }
    if (ssh["port"] !== undefined) {
        c.port(`${path}.port`, ssh["port"]);
    }
    if (ssh["hostKey"] !== undefined) {
        const text = c.string(`${path}.hostKey`, ssh["hostKey"], "a public ssh host key");
        const key = text === undefined ? undefined : parseHostKey(text);
        if (typeof key === "string") {
            c.add(
                `${path}.hostKey`,
                `${key}: write the machine's public host key as "<type> <base64>", e.g. the content of /etc/ssh/ssh_host_ed25519_key.pub there, or ssh-keyscan -t ed25519 <address> without its first column`,
            );
        }
    }
}

/** netns / dind: a host's own address on the machines' network. */
function checkHostAddress(c: Checker, path: string, value: unknown, driver: DriverFacts, taken: Map<string, number>, index: number): void {
    if (driver.kind === "ssh") {
        c.add(path, "is only used by the netns and dind drivers; with driver.kind ssh, give the machine's address in ssh.address");
        return;
    }
    if (driver.kind === "docker-machine") {
        c.add(path, "is only used by the netns and dind drivers; docker-machine assigns machine addresses itself, so remove it");
        return;
    }
    const ip = c.ipv4(path, value);
    if (ip === undefined) {
        return;
    }
    const address = ip.text;
    const fabric = driver.fabric;
    if (fabric !== undefined) {
        const cidr = fabric.net.cidr;
        const range =
            fabric.net.prefix <= 30 && fabric.net.end - fabric.net.start >= 3n
                ? `pick one from ${nthHost(cidr, 2)} to ${lastUsable(cidr)}`
                : "use a larger network";
        const where = `${fabric.noun} ${cidr} (${fabric.key}${fabric.defaulted ? ", the default" : ""})`;
        if (!contains(cidr, address)) {
            c.add(path, `${address} is outside ${where}; ${range}, or leave address out to have one allocated`);
            return;
        }
        if (ip.value === fabric.net.start) {
            c.add(path, `${address} is the network address of ${where}; ${range}`);
            return;
        }
        if (ip.value === fabric.net.end) {
            c.add(path, `${address} is the broadcast address of ${where}; ${range}`);
            return;
        }
        if (address === firstUsable(cidr)) {
            c.add(path, `${address} is ${fabric.firstIs}, the first address of ${where}; ${range}`);
            return;
        }
    }
    const other = taken.get(address);
    if (other !== undefined) {
        c.add(path, `${address} is also the address of hosts[${other}]; give each host its own address`);
        return;
    }
    taken.set(address, index);
}
