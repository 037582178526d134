/** lib/config/normalize.ts: normalizeConfig: every default filled in, what the user wrote kept, one ConfigError for every problem. */
import * as assert from "node:assert/strict";
import { ConfigError, normalizeConfig } from "../../../lib/config/validate";
import { devWith, P } from "./validateHelpers";

describe("normalizeConfig", () => {
    it("fills every default of a minimal netns config", () => {
        assert.deepEqual(
            normalizeConfig(
                {
                    hosts: [{ name: "h1" }],
                    networks: [{ name: "n1", subnet: "10.0.0.0/24" }],
                    containers: [{ name: "c1", image: "busybox", networks: ["n1"] }],
                },
                "lab",
            ),
            {
                stack: "lab",
                driver: {
                    kind: "netns",
                    underlay: "10.199.0.0/24",
                    bridge: "dovl0",
                    underlayMtu: 1500,
                    engineBin: "/opt/docker-overlay/engine/bin",
                    kvBin: "/opt/docker-overlay/kv/bin",
                    stateDir: "/var/lib/docker-overlay/lab",
                    runDir: "/run/docker-overlay/lab",
                    images: [{ name: "busybox:latest", rootfs: "/var/lib/docker-overlay/images/busybox-rootfs.tar" }],
                },
                kvStore: { backend: "consul", machine: "kvstore", port: 8500, recordPrefix: "docker-overlay/lab", tls: false },
                engine: { mode: "cluster-store", advertiseInterface: "eth1", apiPort: 2376, clusterStoreOpts: {}, tls: false },
                hosts: [{ name: "h1", role: "worker", labels: {} }],
                networks: [{ name: "n1", subnet: "10.0.0.0/24", gateway: "10.0.0.1", internal: false, encrypted: false }],
                containers: [{ name: "c1", image: "busybox", command: [], networks: [{ name: "n1" }], constraints: [], env: {} }],
            },
        );
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
        assert.deepEqual(config.networks[0], {
            name: "net1",
            subnet: "10.0.0.0/24",
            gateway: "10.0.0.1",
            ipRange: "10.0.0.0/25",
            internal: false,
            encrypted: false,
        });
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
        const ssh = normalizeConfig(
            { driver: { kind: "ssh" }, kvStore: { address: "consul://192.0.2.10:8500" }, hosts: [{ name: "h1", ssh: { address: "192.0.2.21" } }] },
            "dev",
        );
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
            (["consul", "etcd", "zookeeper"] as const).map(
                (backend) => normalizeConfig({ driver: { kind: "docker-machine" }, kvStore: { backend }, hosts }, "dev").kvStore!.port,
            ),
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
