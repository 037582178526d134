/** lib/config/validate: docker-overlay:engine. Exact messages with their key paths. */
import * as assert from "node:assert/strict";
import { problems, P } from "./validateHelpers";

describe("validate: engine", () => {
    it("mode is cluster-store or swarm", () => {
        assert.deepEqual(
            problems((raw) => (raw.engine.mode = "cluster")),
            [`${P}engine.mode: must be one of cluster-store | swarm, got the string "cluster"`],
        );
    });

    it("apiPort is a port, and a quoted number says to remove the quotes", () => {
        assert.deepEqual(
            problems((raw) => (raw.engine.apiPort = "2376")),
            [`${P}engine.apiPort: must be an integer from 1 to 65535 (a TCP port), got the string "2376"; remove the quotes`],
        );
    });

    it("advertiseInterface is an interface name or IPv4 address", () => {
        const check = (advertiseInterface: unknown) => problems((raw) => (raw.engine.advertiseInterface = advertiseInterface));
        assert.deepEqual(["eth1:2376", "enp0s31f6-external", "10.0.0.300", "lo", "192.0.2.5", "ens3"].map(check), [
            [
                `${P}engine.advertiseInterface: "eth1:2376" is neither an interface name nor an IPv4 address (a Linux interface name has 1 to 15 characters, is not "." or "..", and has no "/", ":" or whitespace); the port goes in engine.apiPort`,
            ],
            [
                `${P}engine.advertiseInterface: "enp0s31f6-external" is neither an interface name nor an IPv4 address (a Linux interface name has 1 to 15 characters, is not "." or "..", and has no "/", ":" or whitespace)`,
            ],
            [
                `${P}engine.advertiseInterface: "10.0.0.300" is not an IPv4 address (each number must be from 0 to 255); give an interface name (e.g. eth1) or an IPv4 address`,
            ],
            [`${P}engine.advertiseInterface: "lo" is each namespace's loopback; the netns driver needs another name for the underlay interface, e.g. eth1`],
            [
                `${P}engine.advertiseInterface: the netns driver names each host's underlay interface after engine.advertiseInterface, so it must be an interface name (e.g. eth1), not an address`,
            ],
            [],
        ]);
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
        assert.deepEqual(
            problems((raw) => (raw.engine.clusterStoreOpts = { "kv.path": "docker/nodes", "kv cacertfile": "/ca.pem", "discovery.ttl": 20 })),
            [
                `${P}engine.clusterStoreOpts["kv cacertfile"]: option names must not be empty or contain "=" or whitespace (they are rendered as name=value)`,
                `${P}engine.clusterStoreOpts["discovery.ttl"]: must be a string, got the number 20; quote it: "20"`,
            ],
        );
    });
});
