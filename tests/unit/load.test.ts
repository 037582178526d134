/** lib/config/load.ts: stack files and Pulumi config become the same RawConfig. */
import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { loadStackFile, parseStackYaml, rawFromPulumiConfig, stackNameOf, StackFileError } from "../../lib/config/load";
import { formatProblem, UnreadableConfigValue, validateConfig } from "../../lib/config/validate";

const DEV_STACK = path.resolve(__dirname, "..", "..", "Pulumi.dev.yaml");

describe("load: stack files", () => {
    let dir: string;
    before(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "docker-overlay-load-"));
    });
    after(() => {
        fs.rmSync(dir, { recursive: true, force: true });
    });
    const write = (name: string, text: string): string => {
        const file = path.join(dir, name);
        fs.writeFileSync(file, text);
        return file;
    };

    it("loads Pulumi.dev.yaml: stack dev and the docker-overlay keys", () => {
        const { stack, raw } = loadStackFile(DEV_STACK);
        assert.equal(stack, "dev");
        assert.deepEqual(Object.keys(raw), ["driver", "kvStore", "engine", "hosts", "networks", "containers"]);
        assert.deepEqual(raw.hosts, [{ name: "swarm-manager", role: "manager" }, { name: "swarm-node1" }, { name: "swarm-node2" }]);
    });

    it("takes the stack name from Pulumi.<stack>.yaml, else the base name", () => {
        assert.deepEqual(["Pulumi.dev.yaml", "/x/Pulumi.prod-eu.yml", "examples/ssh.yaml", "lab"].map(stackNameOf), ["dev", "prod-eu", "ssh", "lab"]);
    });

    it("keeps only docker-overlay keys, leaves the ssh secret out, and keeps unknown keys for validation", () => {
        const file = write(
            "Pulumi.t1.yaml",
            [
                "config:",
                "  aws:region: eu-west-1",
                "  docker-overlay:sshPrivateKey:",
                "    secure: AAABAJ...",
                "  docker-overlay:host:",
                "    - name: h1",
                "  docker-overlay:hosts:",
                "    - name: h1",
                "",
            ].join("\n"),
        );
        const { stack, raw } = loadStackFile(file);
        assert.equal(stack, "t1");
        assert.deepEqual(raw, { host: [{ name: "h1" }], hosts: [{ name: "h1" }] });
        assert.deepEqual(validateConfig(raw, stack).map(formatProblem), [
            'docker-overlay:host: unknown config key; did you mean "docker-overlay:hosts"? (known keys: docker-overlay:driver, docker-overlay:kvStore, ' +
                "docker-overlay:engine, docker-overlay:hosts, docker-overlay:networks, docker-overlay:containers, docker-overlay:sshPrivateKey)",
        ]);
    });

    it("hands a value of the wrong shape to validation instead of crashing", () => {
        const file = write("Pulumi.t2.yaml", "config:\n  docker-overlay:hosts: swarm-node1\n  docker-overlay:driver: netns\n");
        const { raw } = loadStackFile(file);
        assert.deepEqual(validateConfig(raw).map(formatProblem), [
            'docker-overlay:driver: must be an object (key: value pairs), got the string "netns"; e.g. { kind: netns }',
            'docker-overlay:hosts: must be a list, got the string "swarm-node1"; write it as a list: [swarm-node1]',
        ]);
    });

    it("names the file, line and column of a YAML syntax error", () => {
        const file = write("Pulumi.bad.yaml", "config:\n  docker-overlay:hosts: [ { name: h1 }\n  docker-overlay:networks: []\n");
        assert.throws(
            () => loadStackFile(file),
            (err: unknown) => {
                assert.ok(err instanceof StackFileError);
                // The unclosed [ of line 2 is noticed where line 3 starts.
                assert.equal(err.message, `${file}:3:3: invalid YAML: missed comma between flow collection entries`);
                return true;
            },
        );
    });

    it("reports a duplicated key with its line", () => {
        const text = "config:\n  docker-overlay:hosts:\n    - name: h1\n  docker-overlay:hosts:\n    - name: h2\n";
        assert.throws(() => parseStackYaml(text, "Pulumi.dup.yaml"), {
            name: "StackFileError",
            message: "Pulumi.dup.yaml:4:3: invalid YAML: duplicated mapping key",
        });
    });

    it("reads YAML 1.2's core schema with merge keys: yes and dates stay strings, <<: *anchor merges", () => {
        const text = [
            "config:",
            "  docker-overlay:hosts:",
            "    - &base { name: h1, labels: { since: 2024-01-01, ssd: yes, rack: 0x1F } }",
            "    - <<: *base",
            "      name: h2",
            "",
        ].join("\n");
        assert.deepEqual(parseStackYaml(text, "Pulumi.m.yaml"), {
            hosts: [
                { name: "h1", labels: { since: "2024-01-01", ssd: "yes", rack: 31 } },
                { name: "h2", labels: { since: "2024-01-01", ssd: "yes", rack: 31 } },
            ],
        });
    });

    it("refuses a tag outside the core schema and a second document, naming the file", () => {
        assert.throws(() => parseStackYaml("config:\n  docker-overlay:hosts: !!binary aGk=\n", "Pulumi.t.yaml"), {
            name: "StackFileError",
            message: "Pulumi.t.yaml:2:38: invalid YAML: unknown tag !<tag:yaml.org,2002:binary>",
        });
        assert.throws(() => parseStackYaml("config: {}\n---\nconfig: {}\n", "Pulumi.t.yaml"), {
            name: "StackFileError",
            message: "Pulumi.t.yaml: invalid YAML: expected a single document in the stream, but found more",
        });
    });

    it("says when the file cannot be read", () => {
        const missing = path.join(dir, "Pulumi.none.yaml");
        assert.throws(() => loadStackFile(missing), { name: "StackFileError", message: `${missing}: cannot read the stack file: no such file` });
    });

    it("a file without config gives an empty raw config; a file that is not a mapping is an error", () => {
        assert.deepEqual(parseStackYaml("encryptionsalt: abc\n", "Pulumi.x.yaml"), {});
        assert.deepEqual(parseStackYaml("", "Pulumi.x.yaml"), {});
        assert.throws(() => parseStackYaml("- a\n- b\n", "Pulumi.x.yaml"), {
            message: "Pulumi.x.yaml: a stack file must be a YAML mapping with a config: section, not a list",
        });
        assert.throws(() => parseStackYaml("config: [a]\n", "Pulumi.x.yaml"), {
            message: 'Pulumi.x.yaml: config: must be a mapping of "docker-overlay:<key>: <value>" entries',
        });
    });
});

describe("load: Pulumi config", () => {
    it("reads each config key through get, leaving absent keys out", () => {
        const values: Record<string, unknown> = { hosts: [{ name: "h1" }], engine: { apiPort: 2376 } };
        const asked: string[] = [];
        const raw = rawFromPulumiConfig((key) => {
            asked.push(key);
            return values[key];
        });
        assert.deepEqual(raw, { engine: { apiPort: 2376 }, hosts: [{ name: "h1" }] });
        assert.deepEqual(asked, ["driver", "kvStore", "engine", "hosts", "networks", "containers"]);
    });

    it("turns a value get cannot read into a validation problem", () => {
        const raw = rawFromPulumiConfig((key) => {
            if (key === "driver") {
                throw new Error("Configuration 'docker-overlay:driver' value 'netns' is not a valid object");
            }
            return key === "hosts" ? [{ name: "h1" }] : undefined;
        });
        assert.ok(raw.driver instanceof UnreadableConfigValue);
        assert.deepEqual(validateConfig(raw).map(formatProblem), [
            "docker-overlay:driver: must be an object, but Pulumi could not read the value as one: Configuration 'docker-overlay:driver' value 'netns' is not a valid object",
        ]);
    });

    it("with the full key list, passes unknown docker-overlay keys on and skips the secret", () => {
        const values: Record<string, unknown> = { hosts: [{ name: "h1" }], netwroks: [] };
        const raw = rawFromPulumiConfig(
            (key) => values[key],
            ["docker-overlay:netwroks", "docker-overlay:sshPrivateKey", "aws:region", "docker-overlay:hosts"],
        );
        assert.deepEqual(raw, { hosts: [{ name: "h1" }], netwroks: [] });
    });
});
