/** lib/config/validate: docker-overlay:networks. Exact messages with their key paths. */
import * as assert from "node:assert/strict";
import { formatProblem, validateConfig } from "../../../lib/config/validate";
import * as path from "path";
import { loadStackFile } from "../../../lib/config/load";
import { problems, P } from "./validateHelpers";

describe("validate: networks", () => {
    it("names are valid Docker network names, not reserved, unique and required", () => {
        assert.deepEqual(
            problems((raw) => {
                raw.networks.push(
                    { name: "-net", subnet: "10.1.0.0/24" },
                    { name: "ingress", subnet: "10.2.0.0/24" },
                    { name: "net1", subnet: "10.3.0.0/24" },
                    { subnet: "10.4.0.0/24" },
                );
            }),
            [
                `${P}networks[1].name: "-net" is not a valid Docker network name: start with a letter or digit, then letters, digits, _, . or -`,
                `${P}networks[2].name: "ingress" is a network Docker creates itself (reserved: bridge, host, none, docker_gwbridge, ingress); choose another name`,
                `${P}networks[3].name: "net1" is also the name of networks[0]; network names must be unique`,
                `${P}networks[4].name: is required: the overlay network's name, which containers' networks refer to`,
            ],
        );
    });

    it("renamedFrom: a Docker name that is no longer a network's, one network per old name", () => {
        assert.deepEqual(
            problems((raw) => {
                raw.networks.push(
                    { name: "front", subnet: "10.1.0.0/24", renamedFrom: "old" },
                    { name: "back", subnet: "10.2.0.0/24", renamedFrom: "old" },
                    { name: "side", subnet: "10.3.0.0/24", renamedFrom: "net1" },
                    { name: "edge", subnet: "10.4.0.0/24", renamedFrom: "-x" },
                    { name: "rim", subnet: "10.5.0.0/24", renamedFrom: 7 },
                );
            }),
            [
                `${P}networks[4].renamedFrom: "-x" is not a valid Docker network name, so no network had it; give the name the network had`,
                `${P}networks[5].renamedFrom: must be the network's name before the rename, got the number 7; quote it: "7"`,
                `${P}networks[2].renamedFrom: "old" is also networks[1].renamedFrom: one network can only be renamed to one new name`,
                `${P}networks[3].renamedFrom: "net1" is the name of networks[0]: renamedFrom names a network that is no longer in the list; remove renamedFrom, or the network it names`,
            ],
        );
    });

    it("subnet is a required IPv4 CIDR", () => {
        assert.deepEqual(
            problems((raw) => {
                raw.networks.push({ name: "net2" }, { name: "net3", subnet: "10.0.5.0" });
            }),
            [
                `${P}networks[1].subnet: is required: the overlay's IPv4 subnet, e.g. 10.0.0.0/24`,
                `${P}networks[2].subnet: "10.0.5.0" is not an IPv4 CIDR (it has no prefix length; e.g. 10.0.5.0/24)`,
            ],
        );
    });

    it("subnet prefix is /8 to /30: room for a gateway and containers", () => {
        assert.deepEqual(
            problems((raw) => {
                raw.networks.push(
                    { name: "net2", subnet: "10.0.9.0/31" },
                    { name: "net3", subnet: "20.0.0.0/7" },
                    { name: "net4", subnet: "30.0.0.0/8" },
                    { name: "net5", subnet: "10.0.8.0/30" },
                );
            }),
            [
                `${P}networks[1].subnet: "10.0.9.0/31" is too small: an overlay subnet needs a prefix from /8 to /30, because a /31 or /32 leaves no address for the gateway and containers besides the network and broadcast addresses`,
                `${P}networks[2].subnet: "20.0.0.0/7" is too large: an overlay subnet needs a prefix from /8 to /30; a /8 (16 million addresses) is already more than any overlay can use`,
            ],
        );
    });

    it("subnets must not overlap each other, naming both networks", () => {
        assert.deepEqual(
            problems((raw) => raw.networks.push({ name: "net2", subnet: "10.0.0.128/25" })),
            [
                `${P}networks[1].subnet: "10.0.0.128/25" (net2) overlaps 10.0.0.0/24 of net1 (networks[0]); overlay subnets must not share addresses, or containers' routes become ambiguous`,
            ],
        );
    });

    it("subnets must not overlap the netns underlay or the dind subnet", () => {
        assert.deepEqual(
            problems((raw) => raw.networks.push({ name: "net2", subnet: "10.199.0.0/16" })),
            [
                `${P}networks[1].subnet: "10.199.0.0/16" (net2) overlaps the underlay 10.199.0.0/24 (driver.underlay) the hosts sit on; choose a subnet outside it, or traffic for containers would be routed to the hosts' network instead`,
            ],
        );
        assert.deepEqual(
            problems((raw) => {
                raw.driver = { kind: "dind" };
                raw.networks[0].subnet = "172.30.0.0/25";
                delete raw.networks[0].gateway;
                delete raw.networks[0].ipRange;
            }),
            [
                `${P}networks[0].subnet: "172.30.0.0/25" (net1) overlaps the dind subnet 172.30.0.0/24 (driver.subnet, the default) the hosts sit on; choose a subnet outside it, or traffic for containers would be routed to the hosts' network instead`,
            ],
        );
    });

    it("gateway is a usable address inside the subnet", () => {
        const check = (gateway: unknown) => problems((raw) => (raw.networks[0].gateway = gateway));
        assert.deepEqual(["10.0.1.1", "10.0.0.0", "10.0.0.255", "10.0.0", "10.0.0.254"].map(check), [
            [`${P}networks[0].gateway: 10.0.1.1 is outside net1's subnet 10.0.0.0/24; the gateway must be a usable address of the subnet`],
            [`${P}networks[0].gateway: 10.0.0.0 is the network address of net1's subnet 10.0.0.0/24; the gateway must be a usable address of the subnet`],
            [`${P}networks[0].gateway: 10.0.0.255 is the broadcast address of net1's subnet 10.0.0.0/24; the gateway must be a usable address of the subnet`],
            [`${P}networks[0].gateway: "10.0.0" is not an IPv4 address (expected four numbers 0-255 separated by dots, e.g. 10.0.0.5)`],
            [],
        ]);
    });

    it("ipRange is a CIDR inside the subnet", () => {
        assert.deepEqual(
            problems((raw) => (raw.networks[0].ipRange = "10.0.0.0/23")),
            [`${P}networks[0].ipRange: "10.0.0.0/23" is not inside the subnet 10.0.0.0/24; the range containers get addresses from must be part of the subnet`],
        );
        assert.deepEqual(
            problems((raw) => (raw.networks[0].ipRange = "10.0.0.130/25")),
            [`${P}networks[0].ipRange: "10.0.0.130/25" has host bits set: its network address is 10.0.0.128; write "10.0.0.128/25"`],
        );
    });

    it("internal and encrypted are booleans", () => {
        assert.deepEqual(
            problems((raw) => {
                raw.networks[0].internal = "yes";
                raw.networks[0].encrypted = "false";
            }),
            [
                `${P}networks[0].internal: must be true or false, got the string "yes"`,
                `${P}networks[0].encrypted: must be true or false, got the string "false"; remove the quotes`,
            ],
        );
    });

    it("encrypted overlays need swarm mode", () => {
        assert.deepEqual(
            problems((raw) => (raw.networks[0].encrypted = true)),
            [
                `${P}networks[0].encrypted: encrypted overlays need swarm mode's key distribution, which engine.mode cluster-store does not have; remove encrypted or use engine.mode: swarm`,
            ],
        );
        assert.deepEqual(
            problems((raw) => {
                raw.networks[0].encrypted = true;
                raw.engine.mode = "swarm";
            }),
            [],
        );
    });
});

describe("validate: networks[].mtu", () => {
    it("is an integer in range, and never more than the underlay carries (netns driver.underlayMtu)", () => {
        assert.deepEqual(
            problems((raw) => (raw.networks[0].mtu = "1400")),
            [
                `${P}networks[0].mtu: must be an integer from 576 to 8950 (IPv4's minimum datagram to a jumbo underlay's minus VXLAN's 50 bytes), got the string "1400"; remove the quotes`,
            ],
        );
        assert.deepEqual(
            problems((raw) => (raw.networks[0].mtu = 1451)),
            [
                `${P}networks[0].mtu: 1451 is more than the underlay carries: driver.underlayMtu 1500 (the default) leaves at most 1450 for an overlay (50 bytes of VXLAN); use at most 1450, or raise driver.underlayMtu`,
            ],
        );
        assert.deepEqual(
            problems((raw) => {
                raw.driver.underlayMtu = 1400;
                raw.networks[0].mtu = 1351;
            }),
            [
                `${P}networks[0].mtu: 1351 is more than the underlay carries: driver.underlayMtu 1400 leaves at most 1350 for an overlay (50 bytes of VXLAN); use at most 1350, or raise driver.underlayMtu`,
            ],
        );
        assert.deepEqual(
            problems((raw) => {
                raw.driver.underlayMtu = 1400;
                raw.networks[0].mtu = 1350;
            }),
            [],
        );
    });

    it("encrypted: less ESP's overhead, and a multiple of 4", () => {
        assert.deepEqual(
            problems((raw) => {
                raw.engine.mode = "swarm";
                raw.networks[0].encrypted = true;
                raw.networks[0].mtu = 1450;
            }),
            [
                `${P}networks[0].mtu: 1450 is more than the underlay carries: driver.underlayMtu 1500 (the default) leaves at most 1424 for an encrypted overlay (50 bytes of VXLAN and 26 of ESP, rounded down to a multiple of 4); use at most 1424, or raise driver.underlayMtu`,
            ],
        );
        assert.deepEqual(
            problems((raw) => {
                raw.engine.mode = "swarm";
                raw.networks[0].encrypted = true;
                raw.networks[0].mtu = 1402;
            }),
            [
                `${P}networks[0].mtu: 1402 is not a multiple of 4: Docker rounds an encrypted overlay's MTU down to one (ESP pads to 4 bytes), so containers would get 1400; use 1400`,
            ],
        );
    });

    it("dind: against driver.mtu; ssh: the underlay is unknown until the machines answer, so only the range", () => {
        assert.deepEqual(
            problems((raw) => {
                raw.driver = { kind: "dind", mtu: 1450 };
                raw.networks[0].mtu = 1401;
            }),
            [
                `${P}networks[0].mtu: 1401 is more than the underlay carries: driver.mtu 1450 leaves at most 1400 for an overlay (50 bytes of VXLAN); use at most 1400, or raise driver.mtu`,
            ],
        );
        assert.deepEqual(
            problems((raw) => {
                raw.driver = { kind: "dind" };
                raw.networks[0].mtu = 1401;
            }),
            [
                `${P}networks[0].mtu: 1401 is more than the underlay carries: driver.mtu 1450 (the default) leaves at most 1400 for an overlay (50 bytes of VXLAN); use at most 1400, or raise driver.mtu`,
            ],
        );
    });

    it("ssh, encrypted: no more than an encrypted overlay can have on a jumbo underlay", () => {
        const { raw, stack } = loadStackFile(path.resolve(__dirname, "..", "..", "..", "examples", "Pulumi.ssh.yaml"));
        const networks = raw.networks as { name: string; encrypted?: boolean; mtu?: number }[];
        const index = networks.findIndex((n) => n.encrypted === true);
        assert.ok(index >= 0, "the ssh example has an encrypted overlay");
        networks[index].mtu = 8924;
        assert.deepEqual(validateConfig(raw, stack).map(formatProblem), []);
        networks[index].mtu = 8928;
        assert.deepEqual(validateConfig(raw, stack).map(formatProblem), [
            `${P}networks[${index}].mtu: 8928 is more than an encrypted overlay can have on any underlay (at most 9000, less 50 bytes of VXLAN and 26 of ESP); use at most 8924`,
        ]);
    });

    it("netns driver.underlayMtu: IPv6's minimum link MTU to jumbo frames", () => {
        assert.deepEqual(
            problems((raw) => (raw.driver.underlayMtu = 1000)),
            [
                `${P}driver.underlayMtu: must be an integer from 1280 to 9000 (IPv6's minimum link MTU to jumbo frames; overlays inside get 50 less), got the number 1000`,
            ],
        );
    });
});

describe("validate: a network with a bad name still gets its subnet checked", () => {
    it("reports the reserved name and the overlap it causes", () => {
        const problems = validateConfig({
            hosts: [{ name: "h1" }],
            networks: [
                { name: "bridge", subnet: "10.1.0.0/24" },
                { name: "net3", subnet: "10.1.0.128/25" },
            ],
        }).map(formatProblem);
        assert.deepEqual(problems, [
            'docker-overlay:networks[0].name: "bridge" is a network Docker creates itself (reserved: bridge, host, none, docker_gwbridge, ingress); choose another name',
            'docker-overlay:networks[1].subnet: "10.1.0.128/25" (net3) overlaps 10.1.0.0/24 of bridge (networks[0]); overlay subnets must not share addresses, or containers\' routes become ambiguous',
        ]);
    });
});
