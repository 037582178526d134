/** lib/config/validate: the top level: valid configurations, unknown and unreadable keys, problems in key order, "did you mean". Exact messages with their key paths. */
import * as assert from "node:assert/strict";
import * as path from "path";
import { loadStackFile } from "../../../lib/config/load";
import { RawConfig } from "../../../lib/config/types";
import { didYouMean, formatProblem, UnreadableConfigValue, validateConfig } from "../../../lib/config/validate";
import { DEV_STACK, problems, P } from "./validateHelpers";

describe("validate: valid configurations", () => {
    it("the dev stack from docs/architecture.md has no problems", () => {
        assert.deepEqual(validateConfig(DEV_STACK as RawConfig, "dev"), []);
    });

    it("the repository's Pulumi.dev.yaml has no problems", () => {
        const { stack, raw } = loadStackFile(path.resolve(__dirname, "..", "..", "..", "Pulumi.dev.yaml"));
        assert.deepEqual(validateConfig(raw, stack), []);
    });

    it("a single host is a complete configuration", () => {
        assert.deepEqual(validateConfig({ hosts: [{ name: "h1" }] }, "dev"), []);
    });
});

describe("validate: top level", () => {
    it("reports an unknown config key with the key it probably meant", () => {
        assert.deepEqual(validateConfig({ hosts: [{ name: "h1" }], host: [{ name: "h2" }] } as RawConfig).map(formatProblem), [
            `${P}host: unknown config key; did you mean "docker-overlay:hosts"? (known keys: docker-overlay:driver, docker-overlay:kvStore, ` +
                "docker-overlay:engine, docker-overlay:hosts, docker-overlay:networks, docker-overlay:containers, docker-overlay:sshPrivateKey)",
        ]);
    });

    it("does not guess when no key is close, and accepts the sshPrivateKey secret", () => {
        const found = validateConfig({ hosts: [{ name: "h1" }], colour: "blue", sshPrivateKey: "k" } as RawConfig).map(formatProblem);
        assert.deepEqual(found, [
            `${P}colour: unknown config key (known keys: docker-overlay:driver, docker-overlay:kvStore, docker-overlay:engine, ` +
                "docker-overlay:hosts, docker-overlay:networks, docker-overlay:containers, docker-overlay:sshPrivateKey)",
        ]);
    });

    it("requires hosts", () => {
        assert.deepEqual(validateConfig({}).map(formatProblem), [
            `${P}hosts: is required: list the Docker hosts, e.g. [{ name: swarm-node1 }, { name: swarm-node2 }]`,
        ]);
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
