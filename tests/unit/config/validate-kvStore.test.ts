/** lib/config/validate: docker-overlay:kvStore, its TLS, and zookeeper with the drivers that run 20.10 engines. Exact messages with their key paths. */
import * as assert from "node:assert/strict";
import { formatProblem, normalizeConfig, validateConfig } from "../../../lib/config/validate";
import { devWith, problems, P } from "./validateHelpers";

describe("validate: kvStore", () => {
    it("backend must be consul, etcd or zookeeper", () => {
        assert.deepEqual(
            problems((raw) => (raw.kvStore.backend = "zk")),
            [`${P}kvStore.backend: must be one of consul | etcd | zookeeper, got the string "zk"`],
        );
    });

    it("machine and address exclude each other", () => {
        assert.deepEqual(
            problems((raw) => (raw.kvStore = { machine: "kvstore", address: "consul://192.0.2.10:8500" })),
            [`${P}kvStore: sets both machine and address; keep machine for a store the driver creates, or address for an existing one`],
        );
    });

    it("address uses the backend's scheme", () => {
        assert.deepEqual(
            problems((raw) => ((raw.kvStore = { backend: "zookeeper", address: "zookeeper://192.0.2.10:2181" }), (raw.driver = { kind: "docker-machine" }))),
            [`${P}kvStore.address: "zookeeper://192.0.2.10:2181" must start with zk:// for the zookeeper backend, e.g. zk://192.0.2.10:2181`],
        );
    });

    it("address is exactly scheme://host:port", () => {
        const check = (address: string) => problems((raw) => (raw.kvStore = { address }));
        assert.deepEqual(
            [
                "192.0.2.10:8500",
                "consul://192.0.2.10",
                "consul://192.0.2.10:8500/docker",
                "consul://10.0.0.300:8500",
                "consul://192.0.2.10:0",
                "consul://kv.lan:8500",
            ].map(check),
            [
                [`${P}kvStore.address: "192.0.2.10:8500" is not a store URL: write <scheme>://<host>:<port>, e.g. consul://192.0.2.10:8500`],
                [`${P}kvStore.address: "consul://192.0.2.10" has no port; write consul://192.0.2.10:<port>, e.g. consul://192.0.2.10:8500`],
                [
                    `${P}kvStore.address: "consul://192.0.2.10:8500/docker" must be just <scheme>://<host>:<port>, with nothing after the port (a key prefix goes in engine.clusterStoreOpts as kv.path)`,
                ],
                [
                    `${P}kvStore.address: "consul://10.0.0.300:8500" has an invalid host: "10.0.0.300" is not an IPv4 address (each number must be from 0 to 255)`,
                ],
                [`${P}kvStore.address: "consul://192.0.2.10:0" has port 0; a port must be from 1 to 65535`],
                [],
            ],
        );
    });

    it("port is a TCP port and agrees with the address", () => {
        assert.deepEqual(
            problems((raw) => (raw.kvStore.port = 70000)),
            [`${P}kvStore.port: must be an integer from 1 to 65535 (a TCP port), got the number 70000`],
        );
        assert.deepEqual(
            problems((raw) => (raw.kvStore = { address: "consul://192.0.2.10:8500", port: 8501 })),
            [`${P}kvStore.port: 8501 conflicts with the port in kvStore.address (8500); remove port, the address already says it`],
        );
    });

    it("machine is a hostname of its own, not an engine host's", () => {
        assert.deepEqual(
            problems((raw) => (raw.kvStore.machine = "swarm-node1")),
            [
                `${P}kvStore.machine: "swarm-node1" is also the name of an engine host; the KV store needs a machine of its own, so give it another name (e.g. kvstore)`,
            ],
        );
        assert.deepEqual(
            problems((raw) => (raw.kvStore.machine = "KV_Store")),
            [
                `${P}kvStore.machine: "KV_Store" is not a valid hostname: use 1 to 63 lowercase letters, digits and hyphens, not starting or ending with a hyphen (it becomes the machine's hostname)`,
            ],
        );
        assert.deepEqual(validateConfig({ kvStore: {}, hosts: [{ name: "kvstore" }] }).map(formatProblem), [
            `${P}kvStore.machine: defaults to "kvstore", which is also the name of an engine host; set kvStore.machine to another name`,
        ]);
    });

    it("recordPrefix is a consul key path, used with consul only", () => {
        assert.deepEqual(
            problems((raw) => (raw.kvStore = { backend: "etcd", recordPrefix: "/docker-overlay/dev" })),
            [
                `${P}kvStore.recordPrefix: "/docker-overlay/dev" must be a consul key path without leading or trailing / or whitespace, e.g. docker-overlay/dev`,
                `${P}kvStore.recordPrefix: is only used with the consul backend (the cluster is recorded in consul); remove it for etcd`,
            ],
        );
    });
});

describe("validate: kvStore.tls", () => {
    it("is a boolean for a store the netns driver runs, consul or etcd, and defaults consul to its HTTPS port", () => {
        assert.deepEqual(
            problems((raw) => (raw.kvStore.tls = "yes")),
            [`${P}kvStore.tls: must be true or false, got the string "yes"`],
        );
        assert.deepEqual(
            problems((raw) => (raw.kvStore = { backend: "consul", address: "consul://192.0.2.10:8501", tls: true })),
            [
                `${P}kvStore.tls: makes certificates for a store the program runs; for an existing TLS store, put its files on the hosts and name them in engine.clusterStoreOpts (kv.cacertfile, kv.certfile, kv.keyfile), or remove tls`,
            ],
        );
        assert.deepEqual(
            validateConfig({ driver: { kind: "docker-machine" }, kvStore: { backend: "zookeeper", tls: true }, hosts: [{ name: "h1" }] }).map(formatProblem),
            [
                `${P}kvStore.tls: is supported for a store the netns driver runs; the docker-machine driver cannot give its KV machine certificates yet, so remove tls`,
                `${P}kvStore.tls: is supported for consul and etcd; libkv's zookeeper client has no TLS, so remove tls or use another backend`,
            ],
        );
        const normalized = (kvStore: Record<string, unknown>) =>
            normalizeConfig(
                devWith((raw) => (raw.kvStore = kvStore)),
                "dev",
            ).kvStore;
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
        assert.deepEqual(
            problems((raw) => (raw.engine.clusterStoreOpts = { "kv.certfile": "/etc/kv/cert.pem" })),
            [],
        );
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
