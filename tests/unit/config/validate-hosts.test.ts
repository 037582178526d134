/** lib/config/validate: docker-overlay:hosts. Exact messages with their key paths. */
import * as assert from "node:assert/strict";
import { problems, P } from "./validateHelpers";

describe("validate: hosts", () => {
    it("must list at least one host", () => {
        assert.deepEqual(
            problems((raw) => (raw.hosts = [])),
            [
                // Only the cause: the constraints naming hosts are not reported again.
                `${P}hosts: must list at least one host, e.g. [{ name: swarm-node1 }]`,
            ],
        );
    });

    it("names are required RFC 1123 hostnames", () => {
        assert.deepEqual(
            problems((raw) => {
                raw.hosts.push({ name: "Swarm-Node3" }, { name: "-node4" }, { name: "n".repeat(64) }, { role: "worker" }, { name: "node.lab" });
            }),
            [
                `${P}hosts[3].name: "Swarm-Node3" is not a valid hostname: use 1 to 63 lowercase letters, digits and hyphens, not starting or ending with a hyphen (it becomes the machine's hostname); did you mean "swarm-node3"?`,
                `${P}hosts[4].name: "-node4" is not a valid hostname: use 1 to 63 lowercase letters, digits and hyphens, not starting or ending with a hyphen (it becomes the machine's hostname)`,
                `${P}hosts[5].name: "${"n".repeat(64)}" is not a valid hostname: use 1 to 63 lowercase letters, digits and hyphens, not starting or ending with a hyphen (it becomes the machine's hostname)`,
                `${P}hosts[6].name: is required: the machine's name, which is also its engine's hostname`,
                `${P}hosts[7].name: "node.lab" is not a valid hostname: use 1 to 63 lowercase letters, digits and hyphens, not starting or ending with a hyphen (it becomes the machine's hostname)`,
            ],
        );
    });

    it("names are unique, because the KV store tells engines apart by hostname", () => {
        assert.deepEqual(
            problems((raw) => raw.hosts.push({ name: "swarm-node1" })),
            [
                `${P}hosts[3].name: "swarm-node1" is also the name of hosts[1]; host names must be unique, because the KV store tells engines apart by hostname and two engines with one name would overwrite each other's overlay state`,
            ],
        );
    });

    it("role is manager or worker, with at most one manager", () => {
        assert.deepEqual(
            problems((raw) => {
                raw.hosts[1].role = "master";
                raw.hosts[2].role = "manager";
            }),
            [
                `${P}hosts[1].role: must be one of manager | worker, got the string "master"`,
                `${P}hosts[2].role: hosts[0] is already the manager and a cluster has at most one; make this host a worker`,
            ],
        );
    });

    it("labels map label keys to strings; node is not a label", () => {
        assert.deepEqual(
            problems((raw) => {
                raw.hosts[0].labels = { node: "m", "9lives": "x", "com.example/rack": "r1", zone: 1, ok_key: "v" };
                raw.hosts[2].labels = ["ssd"];
            }),
            [
                `${P}hosts[0].labels.node: "node" cannot be a label: node==<name> constraints match the host's name, so a node label could never be matched; rename it`,
                `${P}hosts[0].labels["9lives"]: "9lives" is not a valid label key: start with a letter or _, then letters, digits, _, . or - (so constraints can name it)`,
                `${P}hosts[0].labels["com.example/rack"]: "com.example/rack" is not a valid label key: start with a letter or _, then letters, digits, _, . or - (so constraints can name it)`,
                `${P}hosts[0].labels.zone: must be a string, got the number 1; quote it: "1"`,
                `${P}hosts[2].labels: must be an object of strings (key: value pairs), got a list`,
            ],
        );
    });

    it("reports unknown host keys with a suggestion", () => {
        assert.deepEqual(
            problems((raw) => (raw.hosts[1].lables = { storage: "ssd" })),
            [`${P}hosts[1].lables: unknown key; did you mean "labels"? (known keys: name, role, labels, ssh, address, availability, lost)`],
        );
    });

    it("netns: a host's address is an IPv4 address inside the underlay, not its network, broadcast or bridge address, and unique", () => {
        assert.deepEqual(
            problems((raw) => {
                raw.hosts[0].address = "10.199.0.0";
                raw.hosts[1].address = "10.199.0.255";
                raw.hosts[2].address = "10.199.0.1";
                raw.hosts.push(
                    { name: "n3", address: "10.199.0.7" },
                    { name: "n4", address: "10.199.0.7" },
                    { name: "n5", address: "10.199.1.7" },
                    { name: "n6", address: "10.199.0.7/24" },
                );
            }),
            [
                `${P}hosts[0].address: 10.199.0.0 is the network address of the underlay 10.199.0.0/24 (driver.underlay); pick one from 10.199.0.2 to 10.199.0.254`,
                `${P}hosts[1].address: 10.199.0.255 is the broadcast address of the underlay 10.199.0.0/24 (driver.underlay); pick one from 10.199.0.2 to 10.199.0.254`,
                `${P}hosts[2].address: 10.199.0.1 is the bridge's address, the first address of the underlay 10.199.0.0/24 (driver.underlay); pick one from 10.199.0.2 to 10.199.0.254`,
                `${P}hosts[4].address: 10.199.0.7 is also the address of hosts[3]; give each host its own address`,
                `${P}hosts[5].address: 10.199.1.7 is outside the underlay 10.199.0.0/24 (driver.underlay); pick one from 10.199.0.2 to 10.199.0.254, or leave address out to have one allocated`,
                `${P}hosts[6].address: "10.199.0.7/24" is not an IPv4 address (expected four numbers 0-255 separated by dots, e.g. 10.0.0.5; write the address without a prefix length)`,
            ],
        );
    });
});

describe("validate: hosts[].lost (an ssh machine gone for good)", () => {
    /** The dev stack on the ssh driver (an existing consul), each host at its own address. */
    const ssh = (edit: (raw: ReturnType<typeof JSON.parse>) => void) =>
        problems((raw) => {
            raw.driver = { kind: "ssh", user: "root" };
            raw.kvStore = { backend: "consul", address: "consul://192.0.2.2:8500" };
            raw.hosts.forEach((h: { ssh?: unknown }, i: number) => (h.ssh = { address: `192.0.2.${11 + i}` }));
            edit(raw);
        });

    it("a worker of the ssh driver may be lost", () => {
        assert.deepEqual(
            ssh((raw) => (raw.hosts[2].lost = true)),
            [],
        );
        assert.deepEqual(
            ssh((raw) => (raw.hosts[2].lost = false)),
            [],
        );
    });

    it("is a boolean", () => {
        assert.deepEqual(
            ssh((raw) => (raw.hosts[2].lost = "yes")),
            [`${P}hosts[2].lost: must be true or false, got the string "yes"`],
        );
    });

    it("only for the ssh driver: the other drivers' machines are the stack's own", () => {
        assert.deepEqual(
            problems((raw) => (raw.hosts[2].lost = true)),
            [
                `${P}hosts[2].lost: is for the ssh driver's machines, which the stack does not own; driver.kind netns makes its machines itself and \`destroy\` takes them whole even when they are gone (what lives on them is deleted with the fabric): remove lost`,
            ],
        );
    });

    it("not the host the overlays are created on: the manager, or hosts[0] when no host is one", () => {
        assert.deepEqual(
            ssh((raw) => (raw.hosts[0].lost = true)),
            [`${P}hosts[0].lost: the manager is the host the overlays are created on; make another host the manager first, then mark this one lost`],
        );
        assert.deepEqual(
            ssh((raw) => {
                delete raw.hosts[0].role;
                raw.hosts[0].lost = true;
            }),
            [
                `${P}hosts[0].lost: hosts[0] is where the overlays are created while no host has role manager; put a host that answers first in hosts (or make one the manager), then mark this one lost`,
            ],
        );
    });

    it("not a swarm manager: the raft still counts it", () => {
        assert.deepEqual(
            ssh((raw) => {
                raw.engine = { mode: "swarm", advertiseInterface: "eth1" };
                delete raw.kvStore;
                raw.hosts[1].role = "manager";
                raw.hosts[2].role = "manager";
                raw.hosts[2].lost = true;
            }),
            [
                `${P}hosts[2].lost: a lost manager cannot be let go of here: the swarm's raft still counts it, and the overlays and joins go through the managers; demote it from a manager that answers (docker node demote, then docker node rm --force), make this host a worker, then mark it lost`,
            ],
        );
    });
});
