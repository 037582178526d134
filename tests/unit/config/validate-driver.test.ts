/** lib/config/validate: docker-overlay:driver, per kind. Exact messages with their key paths. */
import * as assert from "node:assert/strict";
import { RawConfig } from "../../../lib/config/types";
import { formatProblem, normalizeConfig, validateConfig } from "../../../lib/config/validate";
import { utils } from "ssh2";
import { devWith, problems, P } from "./validateHelpers";

describe("validate: driver", () => {
    it("reports unknown keys with a suggestion, and another driver's keys with the kind to set", () => {
        assert.deepEqual(
            problems((raw) => {
                raw.driver.underlya = "10.199.0.0/24";
                raw.driver.mtu = 1500;
            }),
            [
                `${P}driver.underlya: unknown key; did you mean "underlay"? (known keys: kind, underlay, bridge, underlayMtu, engineBin, kvBin, stateDir, runDir, images)`,
                `${P}driver.mtu: is a setting of the dind driver, not of netns; remove it or set driver.kind: dind`,
            ],
        );
    });

    it("netns: the underlay must be a CIDR without host bits", () => {
        assert.deepEqual(
            problems((raw) => (raw.driver.underlay = "10.199.0.1/24")),
            [`${P}driver.underlay: "10.199.0.1/24" has host bits set: its network address is 10.199.0.0; write "10.199.0.0/24"`],
        );
        assert.deepEqual(
            problems((raw) => (raw.driver.underlay = 24)),
            [`${P}driver.underlay: must be an IPv4 CIDR, got the number 24; quote it: "24"`],
        );
    });

    it("netns: the underlay needs room for the KV machine, the hosts and the bridge", () => {
        assert.deepEqual(validateConfig(devWith((raw) => (raw.driver.underlay = "10.199.0.0/30"))).map(formatProblem), [
            `${P}driver.underlay: "10.199.0.0/30" has room for 1 machine but the stack needs 4 (the KV machine and 3 hosts; ` +
                "the network, broadcast and first addresses are taken); use a larger network, e.g. 10.199.0.0/29",
        ]);
        // A /29 has 8 addresses: network, bridge, broadcast and room for 5 machines.
        assert.deepEqual(
            problems((raw) => {
                raw.driver.underlay = "10.199.0.0/29";
                raw.hosts.push({ name: "swarm-node3" });
            }),
            [],
        );
        assert.deepEqual(
            problems((raw) => {
                raw.driver.underlay = "10.199.0.0/29";
                raw.hosts.push({ name: "swarm-node3" }, { name: "swarm-node4" });
            }),
            [
                `${P}driver.underlay: "10.199.0.0/29" has room for 5 machines but the stack needs 6 (the KV machine and 5 hosts; ` +
                    "the network, broadcast and first addresses are taken); use a larger network, e.g. 10.199.0.0/28",
            ],
        );
    });

    it("netns: the default underlay is checked too, and an existing KV store takes no address", () => {
        const hosts = Array.from({ length: 254 }, (_, i) => ({ name: `h${i}` }));
        assert.deepEqual(validateConfig({ hosts }).map(formatProblem), [
            `${P}driver.underlay: the default 10.199.0.0/24 has room for 253 machines but the stack needs 255 (the KV machine and 254 hosts; ` +
                "the network, broadcast and first addresses are taken); use a larger network, e.g. 10.199.0.0/23",
        ]);
        assert.deepEqual(validateConfig({ hosts: hosts.slice(0, 253), kvStore: { address: "consul://192.0.2.10:8500" } }), []);
    });

    it("netns: the bridge must be a Linux interface name", () => {
        assert.deepEqual(
            problems((raw) => (raw.driver.bridge = "docker-overlay-lab")),
            [
                `${P}driver.bridge: "docker-overlay-lab" is not a valid bridge name: a Linux interface name has 1 to 15 characters, is not "." or "..", and has no "/", ":" or whitespace`,
            ],
        );
    });

    it("netns: directories are absolute paths and images name a rootfs once", () => {
        assert.deepEqual(
            problems((raw) => {
                raw.driver.engineBin = "opt/bin";
                raw.driver.images = [{ name: "busybox:latest", rootfs: "/x.tar" }, { name: "busybox:latest" }, "alpine"];
            }),
            [
                `${P}driver.engineBin: must be an absolute path (starting with /), got the string "opt/bin"`,
                `${P}driver.images[1].name: "busybox:latest" is also the name of driver.images[0]; list each image once`,
                `${P}driver.images[1].rootfs: is required: the absolute path of a rootfs tarball to docker import`,
                `${P}driver.images[2]: must be an object (key: value pairs), got the string "alpine"`,
            ],
        );
    });

    it("dind: subnet, MTU and local Docker endpoint", () => {
        assert.deepEqual(
            problems((raw) => {
                raw.driver = { kind: "dind", subnet: "172.30.0.0/33", mtu: 1000, localDockerHost: "tcp://192.0.2.5:2375" };
            }),
            [
                `${P}driver.mtu: must be an integer from 1280 to 9000 (IPv6's minimum link MTU to jumbo frames; overlays inside get 50 less), got the number 1000`,
                `${P}driver.localDockerHost: "tcp://192.0.2.5:2375" is not this machine's Docker: use unix:///var/run/docker.sock, an npipe:// pipe, or tcp://127.0.0.1:<port> (the engines' API ports are published on 127.0.0.1 of that Docker)`,
                `${P}driver.subnet: "172.30.0.0/33" is not an IPv4 CIDR (the prefix length must be a number from 0 to 32)`,
            ],
        );
        assert.deepEqual(
            problems((raw) => (raw.driver = { kind: "dind", localDockerHost: "tcp://localhost:2375", mtu: 9000 })),
            [],
        );
    });

    it("dind: a host address must be inside the dind subnet", () => {
        assert.deepEqual(
            problems((raw) => {
                raw.driver = { kind: "dind" };
                raw.hosts[0].address = "172.30.0.9";
                raw.hosts[1].address = "10.199.0.9";
                raw.hosts[2].address = "172.30.0.1";
            }),
            [
                `${P}hosts[1].address: 10.199.0.9 is outside the dind subnet 172.30.0.0/24 (driver.subnet, the default); pick one from 172.30.0.2 to 172.30.0.254, or leave address out to have one allocated`,
                `${P}hosts[2].address: 172.30.0.1 is the dind network's gateway, the first address of the dind subnet 172.30.0.0/24 (driver.subnet, the default); pick one from 172.30.0.2 to 172.30.0.254`,
            ],
        );
    });

    it("dind: the API port of the last host must still be a port", () => {
        assert.deepEqual(
            problems((raw) => {
                raw.driver = { kind: "dind" };
                raw.engine.apiPort = 65534;
            }),
            [`${P}engine.apiPort: 65534 is too high for 3 hosts: the dind driver publishes host i's API on apiPort + i, up to 65536; use at most 65533`],
        );
    });

    it("ssh: every host needs ssh.address and the KV store must be an existing address", () => {
        assert.deepEqual(
            problems((raw) => {
                raw.driver = { kind: "ssh" };
                raw.hosts[0].ssh = { address: "192.0.2.20" };
                raw.hosts[1].ssh = { address: "node1.example.com", user: "admin", port: 2222 };
                raw.hosts[2].ssh = { address: "2001:db8::2" };
            }),
            [
                `${P}kvStore.machine: the ssh driver creates no machines; remove machine and set kvStore.address to an existing store, e.g. consul://192.0.2.10:8500`,
            ],
        );
        assert.deepEqual(validateConfig({ driver: { kind: "ssh" }, hosts: [{ name: "h1" }] }).map(formatProblem), [
            `${P}kvStore.address: is required with driver.kind ssh: the ssh driver creates no machines, so point it at an existing store, e.g. consul://192.0.2.10:8500`,
            `${P}hosts[0].ssh: is required with driver.kind ssh: give the machine's address, e.g. { address: 192.0.2.21 }`,
        ]);
    });

    it("ssh: addresses, users and ports are checked", () => {
        assert.deepEqual(
            validateConfig({
                driver: { kind: "ssh", port: 0, user: "a b" },
                kvStore: { address: "consul://192.0.2.10:8500" },
                hosts: [
                    { name: "h1", ssh: { address: "10.0.0.300", port: "22" } },
                    { name: "h2", ssh: { addres: "h2.lan" } },
                ],
            }).map(formatProblem),
            [
                `${P}driver.user: must be an ssh user name, not empty and without whitespace, got the string "a b"`,
                `${P}driver.port: must be an integer from 1 to 65535 (a TCP port), got the number 0`,
                `${P}hosts[0].ssh.address: "10.0.0.300" is not an IPv4 address (each number must be from 0 to 255)`,
                `${P}hosts[0].ssh.port: must be an integer from 1 to 65535 (a TCP port), got the string "22"; remove the quotes`,
                `${P}hosts[1].ssh.addres: unknown key; did you mean "address"? (known keys: address, user, port, hostKey)`,
                `${P}hosts[1].ssh.address: is required: the hostname or IP address the program reaches the machine at over ssh`,
            ],
        );
    });

    it("ssh: a pinned host key must be one public OpenSSH key, and is passed on as <type> <base64>", () => {
        const key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl";
        const privateKey = utils.generateKeyPairSync("ed25519").private;
        const fix = `: write the machine's public host key as "<type> <base64>", e.g. the content of /etc/ssh/ssh_host_ed25519_key.pub there, or ssh-keyscan -t ed25519 <address> without its first column`;
        const withKeys = (...keys: unknown[]): RawConfig => ({
            driver: { kind: "ssh" },
            kvStore: { address: "consul://192.0.2.10:8500" },
            hosts: keys.map((hostKey, i) => ({ name: `h${i}`, ssh: { address: `192.0.2.${20 + i}`, hostKey } })),
        });
        assert.deepEqual(validateConfig(withKeys(`10.0.0.1 ${key}`, "ssh-ed25519 AAAA", privateKey, [key], `${key}\n${key}`)).map(formatProblem), [
            `${P}hosts[0].ssh.hostKey: starts with "10.0.0.1", which looks like ssh-keyscan's or known_hosts' host name column; give only "<type> <base64>"${fix}`,
            `${P}hosts[1].ssh.hostKey: is not an OpenSSH public key (Malformed OpenSSH public key)${fix}`,
            `${P}hosts[2].ssh.hostKey: is a private key; give the machine's public host key${fix}`,
            `${P}hosts[3].ssh.hostKey: must be a public ssh host key, got a list`,
            `${P}hosts[4].ssh.hostKey: holds several lines; give one public key${fix}`,
        ]);
        const c = normalizeConfig(withKeys(`  ${key}   root@node1\n`, undefined), "dev");
        assert.deepEqual(c.hosts[0].ssh, { address: "192.0.2.20", hostKey: key });
        assert.deepEqual(c.hosts[1].ssh, { address: "192.0.2.21" });
    });

    it("ssh settings on a netns host and underlay addresses on an ssh host are refused", () => {
        assert.deepEqual(
            problems((raw) => (raw.hosts[0].ssh = { address: "192.0.2.20" })),
            [`${P}hosts[0].ssh: is only used by the ssh driver; remove it or set driver.kind: ssh`],
        );
        assert.deepEqual(
            validateConfig({
                driver: { kind: "ssh" },
                kvStore: { address: "etcd://192.0.2.10:2379", backend: "etcd" },
                hosts: [{ name: "h1", address: "192.0.2.20", ssh: { address: "192.0.2.20" } }],
            }).map(formatProblem),
            [`${P}hosts[0].address: is only used by the netns and dind drivers; with driver.kind ssh, give the machine's address in ssh.address`],
        );
    });

    it("docker-machine: settings have their types", () => {
        assert.deepEqual(
            problems((raw) => (raw.driver = { kind: "docker-machine", machineDriver: "generic", createFlags: "--generic-ip-address=1.2.3.4", swarm: "yes" })),
            [
                `${P}driver.createFlags: must be a list of strings, got the string "--generic-ip-address=1.2.3.4"; write it as a list, e.g. ["--virtualbox-memory=1024"]`,
                `${P}driver.swarm: must be true or false, got the string "yes"`,
            ],
        );
        assert.deepEqual(
            problems((raw) => (raw.driver = { kind: "docker-machine", createFlags: ["--virtualbox-memory=1024"], swarm: false })),
            [],
        );
    });
});
