/** lib/config/validate: docker-overlay:containers: attachments, static addresses, constraints. Exact messages with their key paths. */
import * as assert from "node:assert/strict";
import { formatProblem, validateConfig } from "../../../lib/config/validate";
import { problems, P } from "./validateHelpers";

describe("validate: containers", () => {
    it("names are valid, unique and required; image is required and non-empty", () => {
        assert.deepEqual(
            problems((raw) => {
                raw.containers.push(
                    { name: "c1", image: "busybox", networks: ["net1"] },
                    { name: "web/1", image: "nginx", networks: ["net1"] },
                    { image: "busybox", networks: ["net1"] },
                );
                delete raw.containers[0].image;
            }),
            [
                `${P}containers[0].image: is required: the image to run, e.g. busybox:latest`,
                `${P}containers[2].name: "c1" is also the name of containers[0]; container names must be unique`,
                `${P}containers[3].name: "web/1" is not a valid container name: start with a letter or digit, then letters, digits, _, . or -`,
                `${P}containers[4].name: is required: the container's name, unique in the stack`,
            ],
        );
    });

    it("command is a list of strings and env a map of strings", () => {
        assert.deepEqual(
            problems((raw) => {
                raw.containers[0].command = "top";
                raw.containers[1].command = ["sleep", 3600];
                raw.containers[1].env = { A: "1", B: 2, "C=D": "x" };
            }),
            [
                `${P}containers[0].command: must be a list of strings, got the string "top"; write it as a list, e.g. ["top"]`,
                `${P}containers[1].command[1]: must be a string, got the number 3600; quote it: "3600"`,
                `${P}containers[1].env.B: must be a string, got the number 2; quote it: "2"`,
                `${P}containers[1].env["C=D"]: environment variable names must not be empty or contain "=" or whitespace`,
            ],
        );
    });

    it("networks is a required, non-empty list of known networks, each attached once", () => {
        assert.deepEqual(
            problems((raw) => {
                delete raw.containers[0].networks;
                raw.containers[1].networks = [];
                raw.containers.push(
                    { name: "c3", image: "busybox", networks: ["net2", "net1", { name: "net1" }, 5, { nmae: "net1" }] },
                    { name: "c4", image: "busybox", networks: "net1" },
                );
            }),
            [
                `${P}containers[0].networks: is required: list the overlay networks to attach, e.g. [net1]`,
                `${P}containers[1].networks: must list at least one network: a container on no overlay is outside what this stack builds`,
                `${P}containers[2].networks[0]: no network is named "net2"; did you mean "net1"? (networks: net1)`,
                `${P}containers[2].networks[2].name: "net1" is already attached at networks[1]; attach each network once`,
                `${P}containers[2].networks[3]: must be a network name or { name, ipv4Address }, got the number 5`,
                `${P}containers[2].networks[4].nmae: unknown key; did you mean "name"? (known keys: name, ipv4Address)`,
                `${P}containers[2].networks[4].name: is required: the network to attach`,
                `${P}containers[3].networks: must be a list, got the string "net1"; write it as a list: [net1]`,
            ],
        );
    });

    it("an attachment is not reported again when the network itself is the problem", () => {
        assert.deepEqual(
            problems((raw) => (raw.networks[0].name = "bridge")),
            [`${P}networks[0].name: "bridge" is a network Docker creates itself (reserved: bridge, host, none, docker_gwbridge, ingress); choose another name`],
        );
        assert.deepEqual(
            problems((raw) => (raw.networks = { name: "net1" })),
            [`${P}networks: must be a list, got an object`],
        );
    });

    it("says where networks are defined when there are none", () => {
        assert.deepEqual(validateConfig({ hosts: [{ name: "h1" }], containers: [{ name: "c1", image: "busybox", networks: ["net1"] }] }).map(formatProblem), [
            `${P}containers[0].networks[0]: no network is named "net1" (no networks are defined under docker-overlay:networks)`,
        ]);
    });

    it("ipv4Address is a usable address of the subnet, not the gateway, unique per network", () => {
        const attach = (...addresses: string[]) =>
            problems((raw) => {
                addresses.forEach((ipv4Address, i) => {
                    raw.containers[i].networks = [{ name: "net1", ipv4Address }];
                });
            });
        assert.deepEqual(
            [attach("10.0.1.5"), attach("10.0.0.0"), attach("10.0.0.255"), attach("10.0.0.1"), attach("10.0.0.50", "10.0.0.50"), attach("10.0.0.5/24")],
            [
                [`${P}containers[0].networks[0].ipv4Address: 10.0.1.5 is outside net1's subnet 10.0.0.0/24; pick a usable address of the subnet`],
                [
                    `${P}containers[0].networks[0].ipv4Address: 10.0.0.0 is the network address of net1's subnet 10.0.0.0/24; pick a usable address of the subnet`,
                ],
                [
                    `${P}containers[0].networks[0].ipv4Address: 10.0.0.255 is the broadcast address of net1's subnet 10.0.0.0/24; pick a usable address of the subnet`,
                ],
                [`${P}containers[0].networks[0].ipv4Address: 10.0.0.1 is the gateway of net1; pick another address of 10.0.0.0/24`],
                [`${P}containers[1].networks[0].ipv4Address: 10.0.0.50 on net1 is also the address of containers[0]; give each container its own address`],
                [
                    `${P}containers[0].networks[0].ipv4Address: "10.0.0.5/24" is not an IPv4 address (expected four numbers 0-255 separated by dots, e.g. 10.0.0.5; write the address without a prefix length)`,
                ],
            ],
        );
    });

    it("ipv4Address may lie outside ipRange (Docker allocates only dynamic addresses from the range)", () => {
        // net1's ipRange is 10.0.0.0/25; 10.0.0.200 is in the subnet but not the range.
        assert.deepEqual(
            problems((raw) => (raw.containers[0].networks = [{ name: "net1", ipv4Address: "10.0.0.200" }])),
            [],
        );
    });

    it("the default gateway (first address) is refused as a static address too", () => {
        assert.deepEqual(
            problems((raw) => {
                delete raw.networks[0].gateway;
                raw.containers[0].networks = [{ name: "net1", ipv4Address: "10.0.0.1" }];
            }),
            [`${P}containers[0].networks[0].ipv4Address: 10.0.0.1 is the gateway of net1; pick another address of 10.0.0.0/24`],
        );
    });

    it("constraints is a list of supported constraints", () => {
        assert.deepEqual(
            problems((raw) => {
                raw.containers[0].constraints = "node==swarm-node2";
                raw.containers[1].constraints = ["node==/swarm-node[12]/", "storage=ssd", 7];
            }),
            [
                `${P}containers[0].constraints: must be a list of strings, got the string "node==swarm-node2"; write it as a list, e.g. ["node==swarm-node1"]`,
                `${P}containers[1].constraints[2]: must be a string, got the number 7; quote it: "7"`,
            ],
        );
        assert.deepEqual(
            problems((raw) => (raw.containers[1].constraints = ["node==/swarm-node[12]/", "storage=ssd"])),
            [
                `${P}containers[1].constraints[0]: "node==/swarm-node[12]/" is not a supported constraint: regular expressions are not supported in this version; give the exact value`,
                `${P}containers[1].constraints[1]: "storage=ssd" is not a supported constraint: compare with == or !=, e.g. storage==ssd`,
            ],
        );
    });

    it("node constraints name a known host, with a suggestion", () => {
        assert.deepEqual(
            problems((raw) => (raw.containers[0].constraints = ["constraint:node==swarm-nod2", "node!=swarm-node9"])),
            [
                `${P}containers[0].constraints[0]: "constraint:node==swarm-nod2" names no host; did you mean "swarm-node2"? (hosts: swarm-manager, swarm-node1, swarm-node2)`,
                `${P}containers[0].constraints[1]: "node!=swarm-node9" names no host; did you mean "swarm-node1"? (hosts: swarm-manager, swarm-node1, swarm-node2)`,
            ],
        );
    });

    it("label constraints use a label key some host has", () => {
        assert.deepEqual(
            problems((raw) => (raw.containers[0].constraints = ["storge==ssd"])),
            [
                `${P}containers[0].constraints[0]: "storge==ssd" uses the label "storge", which no host has; did you mean "storage"? (labels in use: storage; add the label to a host or fix the constraint)`,
            ],
        );
        assert.deepEqual(
            problems((raw) => {
                delete raw.hosts[1].labels;
                raw.containers[0].constraints = ["zone!=a"];
            }),
            [
                `${P}containers[0].constraints[0]: "zone!=a" uses the label "zone", which no host has (no host has labels; add labels: { zone: <value> } to a host)`,
            ],
        );
    });

    it("a container no host satisfies is reported with the constraints each host fails", () => {
        assert.deepEqual(
            problems((raw) => (raw.containers[0].constraints = ["node==swarm-node2", "storage==ssd"])),
            [
                `${P}containers[0].constraints: no host satisfies all of [node==swarm-node2, storage==ssd] (swarm-manager fails node==swarm-node2, storage==ssd; ` +
                    "swarm-node1 fails node==swarm-node2; swarm-node2 fails storage==ssd); relax a constraint or give a host the labels it needs",
            ],
        );
        // An unknown value for a known label is the same problem.
        assert.deepEqual(
            problems((raw) => (raw.containers[0].constraints = ["storage==nvme"])),
            [
                `${P}containers[0].constraints: no host satisfies all of [storage==nvme] (swarm-manager fails storage==nvme; swarm-node1 fails storage==nvme; ` +
                    "swarm-node2 fails storage==nvme); relax a constraint or give a host the labels it needs",
            ],
        );
    });

    it("label != constraints and several satisfiable constraints are fine", () => {
        assert.deepEqual(
            problems((raw) => (raw.containers[0].constraints = ["storage!=ssd", "node!=swarm-manager"])),
            [],
        );
    });

    it("reports unknown container keys", () => {
        assert.deepEqual(
            problems((raw) => (raw.containers[0].constraint = ["node==swarm-node2"])),
            [`${P}containers[0].constraint: unknown key; did you mean "constraints"? (known keys: name, image, command, env, networks, constraints)`],
        );
    });
});
