/**
 * lib/config/validate.ts: every rule reports its key path and an exact
 * message that says what to write instead; all problems come back at once;
 * normalizeConfig fills in every default.
 */
import * as assert from "node:assert/strict";
import * as path from "path";
import { loadStackFile } from "../../lib/config/load";
import { RawConfig } from "../../lib/config/types";
import { ConfigError, didYouMean, formatProblem, normalizeConfig, UnreadableConfigValue, validateConfig } from "../../lib/config/validate";
import { utils } from "ssh2";

/** The dev stack exactly as DESIGN.md writes it. */
const DESIGN_DEV = {
    driver: { kind: "netns", underlay: "10.199.0.0/24" },
    kvStore: { backend: "consul", machine: "kvstore", port: 8500 },
    engine: { mode: "cluster-store", advertiseInterface: "eth1", apiPort: 2376 },
    hosts: [{ name: "swarm-manager", role: "manager" }, { name: "swarm-node1", labels: { storage: "ssd" } }, { name: "swarm-node2" }],
    networks: [{ name: "net1", subnet: "10.0.0.0/24", gateway: "10.0.0.1", ipRange: "10.0.0.0/25", internal: false, encrypted: false }],
    containers: [
        { name: "c1", image: "busybox", command: ["top"], networks: ["net1"], constraints: ["node==swarm-node2"] },
        { name: "c2", image: "busybox", command: ["top"], networks: ["net1"], constraints: ["node==swarm-node1"] },
    ],
};

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Edit = (raw: any) => void;

function devWith(edit: Edit): RawConfig {
    const raw = structuredClone(DESIGN_DEV);
    edit(raw);
    return raw as RawConfig;
}

/** The formatted problems of the dev stack with `edit` applied. */
function problems(edit: Edit): string[] {
    return validateConfig(devWith(edit), "dev").map(formatProblem);
}

const P = "docker-overlay:";

describe("validate: valid configurations", () => {
    it("the dev stack from DESIGN.md has no problems", () => {
        assert.deepEqual(validateConfig(DESIGN_DEV as RawConfig, "dev"), []);
    });

    it("the repository's Pulumi.dev.yaml has no problems", () => {
        const { stack, raw } = loadStackFile(path.resolve(__dirname, "..", "..", "Pulumi.dev.yaml"));
        assert.deepEqual(validateConfig(raw, stack), []);
    });

    it("a single host is a complete configuration", () => {
        assert.deepEqual(validateConfig({ hosts: [{ name: "h1" }] }, "dev"), []);
    });
});

describe("validate: top level", () => {
    it("reports an unknown config key with the key it probably meant", () => {
        assert.deepEqual(
            validateConfig({ hosts: [{ name: "h1" }], host: [{ name: "h2" }] } as RawConfig).map(formatProblem),
            [
                `${P}host: unknown config key; did you mean "docker-overlay:hosts"? (known keys: docker-overlay:driver, docker-overlay:kvStore, ` +
                    "docker-overlay:engine, docker-overlay:hosts, docker-overlay:networks, docker-overlay:containers, docker-overlay:sshPrivateKey)",
            ],
        );
    });

    it("does not guess when no key is close, and accepts the sshPrivateKey secret", () => {
        const found = validateConfig({ hosts: [{ name: "h1" }], colour: "blue", sshPrivateKey: "k" } as RawConfig).map(formatProblem);
        assert.deepEqual(found, [
            `${P}colour: unknown config key (known keys: docker-overlay:driver, docker-overlay:kvStore, docker-overlay:engine, ` +
                "docker-overlay:hosts, docker-overlay:networks, docker-overlay:containers, docker-overlay:sshPrivateKey)",
        ]);
    });

    it("requires hosts", () => {
        assert.deepEqual(validateConfig({}).map(formatProblem), [`${P}hosts: is required: list the Docker hosts, e.g. [{ name: swarm-node1 }, { name: swarm-node2 }]`]);
    });

    it("reports a value Pulumi could not read, with its key", () => {
        const raw = { hosts: [{ name: "h1" }], driver: new UnreadableConfigValue("Configuration 'docker-overlay:driver' value 'netns' is not a valid object") };
        assert.deepEqual(validateConfig(raw).map(formatProblem), [
            `${P}driver: must be an object, but Pulumi could not read the value as one: Configuration 'docker-overlay:driver' value 'netns' is not a valid object`,
        ]);
    });

    it("reports the wrong shape of every top-level key at once, and never throws", () => {
        const raw = { driver: 5, kvStore: [], engine: "x", hosts: {}, networks: "net1", containers: null } as RawConfig;
        assert.deepEqual(validateConfig(raw).map(formatProblem), [
            `${P}driver: must be an object (key: value pairs), got the number 5; e.g. { kind: netns }`,
            `${P}kvStore: must be an object (key: value pairs), got a list`,
            `${P}engine: must be an object (key: value pairs), got the string "x"`,
            `${P}hosts: must be a list, got an object`,
            `${P}networks: must be a list, got the string "net1"; write it as a list: [net1]`,
            `${P}containers: must be a list, got an empty value`,
        ]);
    });

    it("reports every problem of a config with many mistakes, in key order", () => {
        assert.deepEqual(
            problems((raw) => {
                raw.driver.kind = "netsn";
                raw.hosts[1].name = "swarm-node2";
                raw.networks[0].subnet = "10.0.0.0/33";
                raw.containers[1].image = "";
            }),
            [
                `${P}driver.kind: must be one of netns | dind | ssh | docker-machine, got the string "netsn"; did you mean "netns"?`,
                `${P}hosts[2].name: "swarm-node2" is also the name of hosts[1]; host names must be unique, because the KV store tells engines apart by hostname and two engines with one name would overwrite each other's overlay state`,
                `${P}networks[0].subnet: "10.0.0.0/33" is not an IPv4 CIDR (the prefix length must be a number from 0 to 32)`,
                `${P}containers[1].image: must be an image reference, not empty and without whitespace, got the string ""`,
            ],
        );
    });

    it("formats a problem with the project prefix", () => {
        assert.equal(formatProblem({ path: "networks[1].subnet", message: "m" }), "docker-overlay:networks[1].subnet: m");
    });

    it("suggests close names only", () => {
        assert.deepEqual(
            [didYouMean("subnett", ["name", "subnet"]), didYouMean("ipv4address", ["name", "ipv4Address"]), didYouMean("xyz", ["name", "subnet"])],
            ["subnet", "ipv4Address", undefined],
        );
    });
});

describe("validate: driver", () => {
    it("reports unknown keys with a suggestion, and another driver's keys with the kind to set", () => {
        assert.deepEqual(
            problems((raw) => {
                raw.driver.underlya = "10.199.0.0/24";
                raw.driver.mtu = 1500;
            }),
            [
                `${P}driver.underlya: unknown key; did you mean "underlay"? (known keys: kind, underlay, bridge, engineBin, kvBin, stateDir, runDir, images)`,
                `${P}driver.mtu: is a setting of the dind driver, not of netns; remove it or set driver.kind: dind`,
            ],
        );
    });

    it("netns: the underlay must be a CIDR without host bits", () => {
        assert.deepEqual(problems((raw) => (raw.driver.underlay = "10.199.0.1/24")), [
            `${P}driver.underlay: "10.199.0.1/24" has host bits set: its network address is 10.199.0.0; write "10.199.0.0/24"`,
        ]);
        assert.deepEqual(problems((raw) => (raw.driver.underlay = 24)), [`${P}driver.underlay: must be an IPv4 CIDR, got the number 24; quote it: "24"`]);
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
        assert.deepEqual(problems((raw) => (raw.driver.bridge = "docker-overlay-lab")), [
            `${P}driver.bridge: "docker-overlay-lab" is not a valid bridge name: a Linux interface name has 1 to 15 characters, is not "." or "..", and has no "/", ":" or whitespace`,
        ]);
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
        assert.deepEqual(problems((raw) => (raw.driver = { kind: "dind", localDockerHost: "tcp://localhost:2375", mtu: 9000 })), []);
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
            [`${P}kvStore.machine: the ssh driver creates no machines; remove machine and set kvStore.address to an existing store, e.g. consul://192.0.2.10:8500`],
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
                hosts: [{ name: "h1", ssh: { address: "10.0.0.300", port: "22" } }, { name: "h2", ssh: { addres: "h2.lan" } }],
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
        assert.deepEqual(
            validateConfig(withKeys(`10.0.0.1 ${key}`, "ssh-ed25519 AAAA", privateKey, [key], `${key}\n${key}`)).map(formatProblem),
            [
                `${P}hosts[0].ssh.hostKey: starts with "10.0.0.1", which looks like ssh-keyscan's or known_hosts' host name column; give only "<type> <base64>"${fix}`,
                `${P}hosts[1].ssh.hostKey: is not an OpenSSH public key (Malformed OpenSSH public key)${fix}`,
                `${P}hosts[2].ssh.hostKey: is a private key; give the machine's public host key${fix}`,
                `${P}hosts[3].ssh.hostKey: must be a public ssh host key, got a list`,
                `${P}hosts[4].ssh.hostKey: holds several lines; give one public key${fix}`,
            ],
        );
        const c = normalizeConfig(withKeys(`  ${key}   root@node1\n`, undefined), "dev");
        assert.deepEqual(c.hosts[0].ssh, { address: "192.0.2.20", hostKey: key });
        assert.deepEqual(c.hosts[1].ssh, { address: "192.0.2.21" });
    });

    it("ssh settings on a netns host and underlay addresses on an ssh host are refused", () => {
        assert.deepEqual(problems((raw) => (raw.hosts[0].ssh = { address: "192.0.2.20" })), [
            `${P}hosts[0].ssh: is only used by the ssh driver; remove it or set driver.kind: ssh`,
        ]);
        assert.deepEqual(
            validateConfig({ driver: { kind: "ssh" }, kvStore: { address: "etcd://192.0.2.10:2379", backend: "etcd" }, hosts: [{ name: "h1", address: "192.0.2.20", ssh: { address: "192.0.2.20" } }] }).map(
                formatProblem,
            ),
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
        assert.deepEqual(problems((raw) => (raw.driver = { kind: "docker-machine", createFlags: ["--virtualbox-memory=1024"], swarm: false })), []);
    });
});

describe("validate: kvStore", () => {
    it("backend must be consul, etcd or zookeeper", () => {
        assert.deepEqual(problems((raw) => (raw.kvStore.backend = "zk")), [
            `${P}kvStore.backend: must be one of consul | etcd | zookeeper, got the string "zk"`,
        ]);
    });

    it("machine and address exclude each other", () => {
        assert.deepEqual(problems((raw) => (raw.kvStore = { machine: "kvstore", address: "consul://192.0.2.10:8500" })), [
            `${P}kvStore: sets both machine and address; keep machine for a store the driver creates, or address for an existing one`,
        ]);
    });

    it("address uses the backend's scheme", () => {
        assert.deepEqual(problems((raw) => ((raw.kvStore = { backend: "zookeeper", address: "zookeeper://192.0.2.10:2181" }), (raw.driver = { kind: "docker-machine" }))), [
            `${P}kvStore.address: "zookeeper://192.0.2.10:2181" must start with zk:// for the zookeeper backend, e.g. zk://192.0.2.10:2181`,
        ]);
    });

    it("address is exactly scheme://host:port", () => {
        const check = (address: string) => problems((raw) => (raw.kvStore = { address }));
        assert.deepEqual(
            ["192.0.2.10:8500", "consul://192.0.2.10", "consul://192.0.2.10:8500/docker", "consul://10.0.0.300:8500", "consul://192.0.2.10:0", "consul://kv.lan:8500"].map(check),
            [
                [`${P}kvStore.address: "192.0.2.10:8500" is not a store URL: write <scheme>://<host>:<port>, e.g. consul://192.0.2.10:8500`],
                [`${P}kvStore.address: "consul://192.0.2.10" has no port; write consul://192.0.2.10:<port>, e.g. consul://192.0.2.10:8500`],
                [`${P}kvStore.address: "consul://192.0.2.10:8500/docker" must be just <scheme>://<host>:<port>, with nothing after the port (a key prefix goes in engine.clusterStoreOpts as kv.path)`],
                [`${P}kvStore.address: "consul://10.0.0.300:8500" has an invalid host: "10.0.0.300" is not an IPv4 address (each number must be from 0 to 255)`],
                [`${P}kvStore.address: "consul://192.0.2.10:0" has port 0; a port must be from 1 to 65535`],
                [],
            ],
        );
    });

    it("port is a TCP port and agrees with the address", () => {
        assert.deepEqual(problems((raw) => (raw.kvStore.port = 70000)), [
            `${P}kvStore.port: must be an integer from 1 to 65535 (a TCP port), got the number 70000`,
        ]);
        assert.deepEqual(problems((raw) => (raw.kvStore = { address: "consul://192.0.2.10:8500", port: 8501 })), [
            `${P}kvStore.port: 8501 conflicts with the port in kvStore.address (8500); remove port, the address already says it`,
        ]);
    });

    it("machine is a hostname of its own, not an engine host's", () => {
        assert.deepEqual(problems((raw) => (raw.kvStore.machine = "swarm-node1")), [
            `${P}kvStore.machine: "swarm-node1" is also the name of an engine host; the KV store needs a machine of its own, so give it another name (e.g. kvstore)`,
        ]);
        assert.deepEqual(problems((raw) => (raw.kvStore.machine = "KV_Store")), [
            `${P}kvStore.machine: "KV_Store" is not a valid hostname: use 1 to 63 lowercase letters, digits and hyphens, not starting or ending with a hyphen (it becomes the machine's hostname)`,
        ]);
        assert.deepEqual(validateConfig({ kvStore: {}, hosts: [{ name: "kvstore" }] }).map(formatProblem), [
            `${P}kvStore.machine: defaults to "kvstore", which is also the name of an engine host; set kvStore.machine to another name`,
        ]);
    });

    it("recordPrefix is a consul key path, used with consul only", () => {
        assert.deepEqual(problems((raw) => (raw.kvStore = { backend: "etcd", recordPrefix: "/docker-overlay/dev" })), [
            `${P}kvStore.recordPrefix: "/docker-overlay/dev" must be a consul key path without leading or trailing / or whitespace, e.g. docker-overlay/dev`,
            `${P}kvStore.recordPrefix: is only used with the consul backend (the cluster is recorded in consul); remove it for etcd`,
        ]);
    });
});

describe("validate: kvStore.tls", () => {
    it("is a boolean for a store the netns driver runs, consul or etcd, and defaults consul to its HTTPS port", () => {
        assert.deepEqual(problems((raw) => (raw.kvStore.tls = "yes")), [`${P}kvStore.tls: must be true or false, got the string "yes"`]);
        assert.deepEqual(problems((raw) => (raw.kvStore = { backend: "consul", address: "consul://192.0.2.10:8501", tls: true })), [
            `${P}kvStore.tls: makes certificates for a store the program runs; for an existing TLS store, put its files on the hosts and name them in engine.clusterStoreOpts (kv.cacertfile, kv.certfile, kv.keyfile), or remove tls`,
        ]);
        assert.deepEqual(
            validateConfig({ driver: { kind: "docker-machine" }, kvStore: { backend: "zookeeper", tls: true }, hosts: [{ name: "h1" }] }).map(formatProblem),
            [
                `${P}kvStore.tls: is supported for a store the netns driver runs; the docker-machine driver cannot give its KV machine certificates yet, so remove tls`,
                `${P}kvStore.tls: is supported for consul and etcd; libkv's zookeeper client has no TLS, so remove tls or use another backend`,
            ],
        );
        const normalized = (kvStore: Record<string, unknown>) => normalizeConfig(devWith((raw) => (raw.kvStore = kvStore)), "dev").kvStore;
        assert.deepEqual(normalized({ tls: true }), { backend: "consul", machine: "kvstore", port: 8501, recordPrefix: "docker-overlay/dev", tls: true });
        assert.equal(normalized({ backend: "etcd", tls: true })?.port, 2379);
        assert.equal(normalized({ tls: true, port: 9443 })?.port, 9443);
        assert.equal(normalized({})?.tls, false);
    });

    it("leaves the store's TLS cluster-store-opts to the program", () => {
        assert.deepEqual(
            problems((raw) => {
                raw.kvStore.tls = true;
                raw.engine.clusterStoreOpts = { "kv.path": "docker/nodes", "kv.certfile": "/etc/kv/cert.pem", "kv.keyfile": "/etc/kv/key.pem" };
            }),
            [
                `${P}engine.clusterStoreOpts.kv.certfile: is set by kvStore.tls (the program writes the store's certificate files on each host); remove it`,
                `${P}engine.clusterStoreOpts.kv.keyfile: is set by kvStore.tls (the program writes the store's certificate files on each host); remove it`,
            ],
        );
        // Without kvStore.tls they are the user's: an existing TLS store.
        assert.deepEqual(problems((raw) => (raw.engine.clusterStoreOpts = { "kv.certfile": "/etc/kv/cert.pem" })), []);
    });
});

describe("validate: engine", () => {
    it("mode is cluster-store or swarm", () => {
        assert.deepEqual(problems((raw) => (raw.engine.mode = "cluster")), [
            `${P}engine.mode: must be one of cluster-store | swarm, got the string "cluster"`,
        ]);
    });

    it("apiPort is a port, and a quoted number says to remove the quotes", () => {
        assert.deepEqual(problems((raw) => (raw.engine.apiPort = "2376")), [
            `${P}engine.apiPort: must be an integer from 1 to 65535 (a TCP port), got the string "2376"; remove the quotes`,
        ]);
    });

    it("advertiseInterface is an interface name or IPv4 address", () => {
        const check = (advertiseInterface: unknown) => problems((raw) => (raw.engine.advertiseInterface = advertiseInterface));
        assert.deepEqual(
            ["eth1:2376", "enp0s31f6-external", "10.0.0.300", "lo", "192.0.2.5", "ens3"].map(check),
            [
                [`${P}engine.advertiseInterface: "eth1:2376" is neither an interface name nor an IPv4 address (a Linux interface name has 1 to 15 characters, is not "." or "..", and has no "/", ":" or whitespace); the port goes in engine.apiPort`],
                [`${P}engine.advertiseInterface: "enp0s31f6-external" is neither an interface name nor an IPv4 address (a Linux interface name has 1 to 15 characters, is not "." or "..", and has no "/", ":" or whitespace)`],
                [`${P}engine.advertiseInterface: "10.0.0.300" is not an IPv4 address (each number must be from 0 to 255); give an interface name (e.g. eth1) or an IPv4 address`],
                [`${P}engine.advertiseInterface: "lo" is each namespace's loopback; the netns driver needs another name for the underlay interface, e.g. eth1`],
                [`${P}engine.advertiseInterface: the netns driver names each host's underlay interface after engine.advertiseInterface, so it must be an interface name (e.g. eth1), not an address`],
                [],
            ],
        );
    });

    it("an IPv4 advertise address is fine where the driver does not name interfaces", () => {
        assert.deepEqual(
            problems((raw) => {
                raw.driver = { kind: "docker-machine" };
                raw.engine.advertiseInterface = "192.0.2.5";
            }),
            [],
        );
    });

    it("clusterStoreOpts is a map of strings with plain option names", () => {
        assert.deepEqual(problems((raw) => (raw.engine.clusterStoreOpts = { "kv.path": "docker/nodes", "kv cacertfile": "/ca.pem", "discovery.ttl": 20 })), [
            `${P}engine.clusterStoreOpts["kv cacertfile"]: option names must not be empty or contain "=" or whitespace (they are rendered as name=value)`,
            `${P}engine.clusterStoreOpts["discovery.ttl"]: must be a string, got the number 20; quote it: "20"`,
        ]);
    });
});

describe("validate: hosts", () => {
    it("must list at least one host", () => {
        assert.deepEqual(problems((raw) => (raw.hosts = [])), [
            // Only the cause: the constraints naming hosts are not reported again.
            `${P}hosts: must list at least one host, e.g. [{ name: swarm-node1 }]`,
        ]);
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
        assert.deepEqual(problems((raw) => raw.hosts.push({ name: "swarm-node1" })), [
            `${P}hosts[3].name: "swarm-node1" is also the name of hosts[1]; host names must be unique, because the KV store tells engines apart by hostname and two engines with one name would overwrite each other's overlay state`,
        ]);
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
        assert.deepEqual(problems((raw) => (raw.hosts[1].lables = { storage: "ssd" })), [
            `${P}hosts[1].lables: unknown key; did you mean "labels"? (known keys: name, role, labels, ssh, address)`,
        ]);
    });

    it("netns: a host's address is an IPv4 address inside the underlay, not its network, broadcast or bridge address, and unique", () => {
        assert.deepEqual(
            problems((raw) => {
                raw.hosts[0].address = "10.199.0.0";
                raw.hosts[1].address = "10.199.0.255";
                raw.hosts[2].address = "10.199.0.1";
                raw.hosts.push({ name: "n3", address: "10.199.0.7" }, { name: "n4", address: "10.199.0.7" }, { name: "n5", address: "10.199.1.7" }, { name: "n6", address: "10.199.0.7/24" });
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
                raw.networks.push({ name: "net2", subnet: "10.0.9.0/31" }, { name: "net3", subnet: "20.0.0.0/7" }, { name: "net4", subnet: "30.0.0.0/8" }, { name: "net5", subnet: "10.0.8.0/30" });
            }),
            [
                `${P}networks[1].subnet: "10.0.9.0/31" is too small: an overlay subnet needs a prefix from /8 to /30, because a /31 or /32 leaves no address for the gateway and containers besides the network and broadcast addresses`,
                `${P}networks[2].subnet: "20.0.0.0/7" is too large: an overlay subnet needs a prefix from /8 to /30; a /8 (16 million addresses) is already more than any overlay can use`,
            ],
        );
    });

    it("subnets must not overlap each other, naming both networks", () => {
        assert.deepEqual(problems((raw) => raw.networks.push({ name: "net2", subnet: "10.0.0.128/25" })), [
            `${P}networks[1].subnet: "10.0.0.128/25" (net2) overlaps 10.0.0.0/24 of net1 (networks[0]); overlay subnets must not share addresses, or containers' routes become ambiguous`,
        ]);
    });

    it("subnets must not overlap the netns underlay or the dind subnet", () => {
        assert.deepEqual(problems((raw) => raw.networks.push({ name: "net2", subnet: "10.199.0.0/16" })), [
            `${P}networks[1].subnet: "10.199.0.0/16" (net2) overlaps the underlay 10.199.0.0/24 (driver.underlay) the hosts sit on; choose a subnet outside it, or traffic for containers would be routed to the hosts' network instead`,
        ]);
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
        assert.deepEqual(
            ["10.0.1.1", "10.0.0.0", "10.0.0.255", "10.0.0", "10.0.0.254"].map(check),
            [
                [`${P}networks[0].gateway: 10.0.1.1 is outside net1's subnet 10.0.0.0/24; the gateway must be a usable address of the subnet`],
                [`${P}networks[0].gateway: 10.0.0.0 is the network address of net1's subnet 10.0.0.0/24; the gateway must be a usable address of the subnet`],
                [`${P}networks[0].gateway: 10.0.0.255 is the broadcast address of net1's subnet 10.0.0.0/24; the gateway must be a usable address of the subnet`],
                [`${P}networks[0].gateway: "10.0.0" is not an IPv4 address (expected four numbers 0-255 separated by dots, e.g. 10.0.0.5)`],
                [],
            ],
        );
    });

    it("ipRange is a CIDR inside the subnet", () => {
        assert.deepEqual(problems((raw) => (raw.networks[0].ipRange = "10.0.0.0/23")), [
            `${P}networks[0].ipRange: "10.0.0.0/23" is not inside the subnet 10.0.0.0/24; the range containers get addresses from must be part of the subnet`,
        ]);
        assert.deepEqual(problems((raw) => (raw.networks[0].ipRange = "10.0.0.130/25")), [
            `${P}networks[0].ipRange: "10.0.0.130/25" has host bits set: its network address is 10.0.0.128; write "10.0.0.128/25"`,
        ]);
    });

    it("internal and encrypted are booleans", () => {
        assert.deepEqual(
            problems((raw) => {
                raw.networks[0].internal = "yes";
                raw.networks[0].encrypted = "false";
            }),
            [`${P}networks[0].internal: must be true or false, got the string "yes"`, `${P}networks[0].encrypted: must be true or false, got the string "false"; remove the quotes`],
        );
    });

    it("encrypted overlays need swarm mode", () => {
        assert.deepEqual(problems((raw) => (raw.networks[0].encrypted = true)), [
            `${P}networks[0].encrypted: encrypted overlays need swarm mode's key distribution, which engine.mode cluster-store does not have; remove encrypted or use engine.mode: swarm`,
        ]);
        assert.deepEqual(
            problems((raw) => {
                raw.networks[0].encrypted = true;
                raw.engine.mode = "swarm";
            }),
            [],
        );
    });
});

describe("validate: containers", () => {
    it("names are valid, unique and required; image is required and non-empty", () => {
        assert.deepEqual(
            problems((raw) => {
                raw.containers.push({ name: "c1", image: "busybox", networks: ["net1"] }, { name: "web/1", image: "nginx", networks: ["net1"] }, { image: "busybox", networks: ["net1"] });
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
        assert.deepEqual(problems((raw) => (raw.networks[0].name = "bridge")), [
            `${P}networks[0].name: "bridge" is a network Docker creates itself (reserved: bridge, host, none, docker_gwbridge, ingress); choose another name`,
        ]);
        assert.deepEqual(problems((raw) => (raw.networks = { name: "net1" })), [`${P}networks: must be a list, got an object`]);
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
                [`${P}containers[0].networks[0].ipv4Address: 10.0.0.0 is the network address of net1's subnet 10.0.0.0/24; pick a usable address of the subnet`],
                [`${P}containers[0].networks[0].ipv4Address: 10.0.0.255 is the broadcast address of net1's subnet 10.0.0.0/24; pick a usable address of the subnet`],
                [`${P}containers[0].networks[0].ipv4Address: 10.0.0.1 is the gateway of net1; pick another address of 10.0.0.0/24`],
                [`${P}containers[1].networks[0].ipv4Address: 10.0.0.50 on net1 is also the address of containers[0]; give each container its own address`],
                [`${P}containers[0].networks[0].ipv4Address: "10.0.0.5/24" is not an IPv4 address (expected four numbers 0-255 separated by dots, e.g. 10.0.0.5; write the address without a prefix length)`],
            ],
        );
    });

    it("ipv4Address may lie outside ipRange (Docker allocates only dynamic addresses from the range)", () => {
        // net1's ipRange is 10.0.0.0/25; 10.0.0.200 is in the subnet but not the range.
        assert.deepEqual(problems((raw) => (raw.containers[0].networks = [{ name: "net1", ipv4Address: "10.0.0.200" }])), []);
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
        assert.deepEqual(problems((raw) => (raw.containers[1].constraints = ["node==/swarm-node[12]/", "storage=ssd"])), [
            `${P}containers[1].constraints[0]: "node==/swarm-node[12]/" is not a supported constraint: regular expressions are not supported in this version; give the exact value`,
            `${P}containers[1].constraints[1]: "storage=ssd" is not a supported constraint: compare with == or !=, e.g. storage==ssd`,
        ]);
    });

    it("node constraints name a known host, with a suggestion", () => {
        assert.deepEqual(problems((raw) => (raw.containers[0].constraints = ["constraint:node==swarm-nod2", "node!=swarm-node9"])), [
            `${P}containers[0].constraints[0]: "constraint:node==swarm-nod2" names no host; did you mean "swarm-node2"? (hosts: swarm-manager, swarm-node1, swarm-node2)`,
            `${P}containers[0].constraints[1]: "node!=swarm-node9" names no host; did you mean "swarm-node1"? (hosts: swarm-manager, swarm-node1, swarm-node2)`,
        ]);
    });

    it("label constraints use a label key some host has", () => {
        assert.deepEqual(problems((raw) => (raw.containers[0].constraints = ["storge==ssd"])), [
            `${P}containers[0].constraints[0]: "storge==ssd" uses the label "storge", which no host has; did you mean "storage"? (labels in use: storage; add the label to a host or fix the constraint)`,
        ]);
        assert.deepEqual(
            problems((raw) => {
                delete raw.hosts[1].labels;
                raw.containers[0].constraints = ["zone!=a"];
            }),
            [`${P}containers[0].constraints[0]: "zone!=a" uses the label "zone", which no host has (no host has labels; add labels: { zone: <value> } to a host)`],
        );
    });

    it("a container no host satisfies is reported with the constraints each host fails", () => {
        assert.deepEqual(problems((raw) => (raw.containers[0].constraints = ["node==swarm-node2", "storage==ssd"])), [
            `${P}containers[0].constraints: no host satisfies all of [node==swarm-node2, storage==ssd] (swarm-manager fails node==swarm-node2, storage==ssd; ` +
                "swarm-node1 fails node==swarm-node2; swarm-node2 fails storage==ssd); relax a constraint or give a host the labels it needs",
        ]);
        // An unknown value for a known label is the same problem.
        assert.deepEqual(problems((raw) => (raw.containers[0].constraints = ["storage==nvme"])), [
            `${P}containers[0].constraints: no host satisfies all of [storage==nvme] (swarm-manager fails storage==nvme; swarm-node1 fails storage==nvme; ` +
                "swarm-node2 fails storage==nvme); relax a constraint or give a host the labels it needs",
        ]);
    });

    it("label != constraints and several satisfiable constraints are fine", () => {
        assert.deepEqual(problems((raw) => (raw.containers[0].constraints = ["storage!=ssd", "node!=swarm-manager"])), []);
    });

    it("reports unknown container keys", () => {
        assert.deepEqual(problems((raw) => (raw.containers[0].constraint = ["node==swarm-node2"])), [
            `${P}containers[0].constraint: unknown key; did you mean "constraints"? (known keys: name, image, command, env, networks, constraints)`,
        ]);
    });
});

describe("normalizeConfig", () => {
    it("fills every default of a minimal netns config", () => {
        assert.deepEqual(normalizeConfig({ hosts: [{ name: "h1" }], networks: [{ name: "n1", subnet: "10.0.0.0/24" }], containers: [{ name: "c1", image: "busybox", networks: ["n1"] }] }, "lab"), {
            stack: "lab",
            driver: {
                kind: "netns",
                underlay: "10.199.0.0/24",
                bridge: "dovl0",
                engineBin: "/opt/docker-overlay/engine/bin",
                kvBin: "/opt/docker-overlay/kv/bin",
                stateDir: "/var/lib/docker-overlay/lab",
                runDir: "/run/docker-overlay/lab",
                images: [],
            },
            kvStore: { backend: "consul", machine: "kvstore", port: 8500, recordPrefix: "docker-overlay/lab", tls: false },
            engine: { mode: "cluster-store", advertiseInterface: "eth1", apiPort: 2376, clusterStoreOpts: {}, tls: false },
            hosts: [{ name: "h1", role: "worker", labels: {} }],
            networks: [{ name: "n1", subnet: "10.0.0.0/24", gateway: "10.0.0.1", internal: false, encrypted: false }],
            containers: [{ name: "c1", image: "busybox", command: [], networks: [{ name: "n1" }], constraints: [], env: {} }],
        });
    });

    it("keeps what the user wrote: the dev stack, prefix stripped from constraints, attachments as objects", () => {
        const config = normalizeConfig(
            devWith((raw) => {
                raw.containers[0].constraints = ["constraint:node==swarm-node2"];
                raw.containers[1].networks = [{ name: "net1", ipv4Address: "10.0.0.200" }];
            }),
            "dev",
        );
        assert.deepEqual(config.kvStore, { backend: "consul", machine: "kvstore", port: 8500, recordPrefix: "docker-overlay/dev", tls: false });
        assert.deepEqual(config.hosts[1], { name: "swarm-node1", role: "worker", labels: { storage: "ssd" } });
        assert.deepEqual(config.networks[0], { name: "net1", subnet: "10.0.0.0/24", gateway: "10.0.0.1", ipRange: "10.0.0.0/25", internal: false, encrypted: false });
        assert.deepEqual(config.containers[0].constraints, ["node==swarm-node2"]);
        assert.deepEqual(config.containers[1].networks, [{ name: "net1", ipv4Address: "10.0.0.200" }]);
    });

    it("dind, ssh and docker-machine defaults", () => {
        const hosts = [{ name: "h1" }];
        assert.deepEqual(normalizeConfig({ driver: { kind: "dind" }, hosts }, "dev").driver, {
            kind: "dind",
            image: "docker:20.10.24-dind",
            network: "docker-overlay",
            subnet: "172.30.0.0/24",
            mtu: 1450,
            localDockerHost: "unix:///var/run/docker.sock",
        });
        const ssh = normalizeConfig({ driver: { kind: "ssh" }, kvStore: { address: "consul://192.0.2.10:8500" }, hosts: [{ name: "h1", ssh: { address: "192.0.2.21" } }] }, "dev");
        assert.deepEqual(ssh.driver, { kind: "ssh", user: "root", port: 22 });
        assert.deepEqual(ssh.hosts[0], { name: "h1", role: "worker", labels: {}, ssh: { address: "192.0.2.21" } });
        assert.deepEqual(normalizeConfig({ driver: { kind: "docker-machine" }, hosts }, "dev").driver, {
            kind: "docker-machine",
            machineDriver: "virtualbox",
            createFlags: [],
            swarm: true,
            swarmImage: "swarm:1.2.9",
        });
    });

    it("KV store: port per backend, or the address's port and no machine", () => {
        const hosts = [{ name: "h1" }];
        assert.deepEqual(
            (["consul", "etcd", "zookeeper"] as const).map((backend) => normalizeConfig({ driver: { kind: "docker-machine" }, kvStore: { backend }, hosts }, "dev").kvStore!.port),
            [8500, 2379, 2181],
        );
        assert.deepEqual(normalizeConfig({ kvStore: { backend: "etcd", address: "etcd://192.0.2.10:4001" }, hosts }, "dev").kvStore, {
            backend: "etcd",
            address: "etcd://192.0.2.10:4001",
            port: 4001,
            recordPrefix: "docker-overlay/dev",
            tls: false,
        });
    });

    it("throws one ConfigError listing every problem", () => {
        const raw = devWith((raw) => {
            raw.networks[0].subnet = "10.0.0.0/33";
            raw.hosts[2].name = "Node2";
        });
        assert.throws(
            () => normalizeConfig(raw, "dev"),
            (err: unknown) => {
                assert.ok(err instanceof ConfigError);
                assert.equal(
                    err.message,
                    [
                        "docker-overlay: 2 problems in the stack configuration:",
                        `${P}hosts[2].name: "Node2" is not a valid hostname: use 1 to 63 lowercase letters, digits and hyphens, not starting or ending with a hyphen (it becomes the machine's hostname); did you mean "node2"?`,
                        `${P}networks[0].subnet: "10.0.0.0/33" is not an IPv4 CIDR (the prefix length must be a number from 0 to 32)`,
                    ].join("\n"),
                );
                assert.equal(err.problems.length, 2);
                return true;
            },
        );
    });

    it("a single problem reads in the singular", () => {
        assert.throws(() => normalizeConfig({}, "dev"), {
            name: "ConfigError",
            message: `docker-overlay: 1 problem in the stack configuration:\n${P}hosts: is required: list the Docker hosts, e.g. [{ name: swarm-node1 }, { name: swarm-node2 }]`,
        });
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

describe("validate: zookeeper with the drivers that run 20.10 engines", () => {
    for (const kind of ["netns", "dind"]) {
        it(`rejects zookeeper with driver.kind ${kind}, naming the crash and the way out`, () => {
            const problems = validateConfig({ driver: { kind }, kvStore: { backend: "zookeeper" }, hosts: [{ name: "h1" }] }).map(formatProblem);
            assert.deepEqual(problems, [
                `docker-overlay:kvStore.backend: zookeeper crashes the Docker 20.10 engines the ${kind} driver runs as soon as a container joins an overlay (a libnetwork bug in its zookeeper store); use consul or etcd, or engines <= 19.03 through the ssh or docker-machine driver`,
            ]);
        });
    }
    it("accepts zookeeper with docker-machine, whose engine version the user chooses", () => {
        assert.deepEqual(validateConfig({ driver: { kind: "docker-machine" }, kvStore: { backend: "zookeeper" }, hosts: [{ name: "h1" }] }), []);
    });
});
