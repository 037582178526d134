/**
 * schema/stack.schema.json: generated from the field table validation reads,
 * committed as generated, and in agreement with validation: the keys each
 * object may have, the enums and the defaults are read off validation's own
 * messages and normalized output and compared with the schema. Every stack
 * file names the schema on its first line, and satisfies it.
 */
import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { RawConfig } from "../../../lib/config/types";
import { SCHEMA_FILE, stackSchema, stackSchemaText } from "../../../lib/config/schema";
import { formatProblem, normalizeConfig, validateConfig } from "../../../lib/config/validate";
import { schemaErrors } from "./jsonSchema";

const ROOT = path.resolve(__dirname, "..", "..", "..");
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;
const SCHEMA: Json = stackSchema();
const CONFIG: Json = SCHEMA.properties.config;
const section = (key: string): Json => CONFIG.properties[`docker-overlay:${key}`];
/** The keys a driver of `kind` may have, per the schema's `if kind is ... then`. */
const driverKeys = (kind: string): string[] => Object.keys(section("driver").allOf.find((a: Json) => a.if.properties.kind.const === kind).then.properties);

const STACK_FILES = [ROOT, path.join(ROOT, "examples"), path.join(ROOT, "tests", "lab", "stacks")].flatMap((dir) =>
    fs
        .readdirSync(dir)
        .filter((f) => /^Pulumi\..+\.ya?ml$/.test(f))
        .sort()
        .map((f) => path.join(dir, f)),
);

/** The messages validation gives for `raw` at exactly `at`. */
function messagesAt(raw: object, at: string): string[] {
    return validateConfig(raw as RawConfig, "dev")
        .filter((p) => p.path === at)
        .map((p) => p.message);
}

/** The known keys validation lists when `raw` has the unknown key at `at`. */
function knownKeys(raw: object, at: string): string[] {
    const messages = messagesAt(raw, at);
    assert.equal(messages.length, 1, `one problem at ${at}: ${JSON.stringify(validateConfig(raw as RawConfig).map(formatProblem))}`);
    const m = /\(known keys: ([^)]*)\)$/.exec(messages[0]);
    assert.ok(m !== null, messages[0]);
    return m[1].split(", ");
}

const HOSTS = [{ name: "h1" }];
const NETWORKS = [{ name: "n1", subnet: "10.0.0.0/24" }];
const Z = { zzzz: 1 };

describe("stack schema: generated and committed", () => {
    it(`${SCHEMA_FILE} is exactly what npm run schema generates`, () => {
        const committed = fs.readFileSync(path.join(ROOT, SCHEMA_FILE), "utf8");
        assert.equal(committed, stackSchemaText(), `${SCHEMA_FILE} is out of date: run npm run schema`);
    });

    it("every stack file names the schema on its first line, by a path that reaches it", () => {
        assert.ok(STACK_FILES.length >= 20, `found ${STACK_FILES.length} stack files`);
        for (const file of STACK_FILES) {
            const first = fs.readFileSync(file, "utf8").split("\n")[0];
            const m = /^# yaml-language-server: \$schema=(\S+)$/.exec(first);
            assert.ok(m !== null, `${path.relative(ROOT, file)}: first line is ${JSON.stringify(first)}`);
            assert.equal(path.resolve(path.dirname(file), m[1]), path.join(ROOT, SCHEMA_FILE), path.relative(ROOT, file));
        }
    });
});

describe("stack schema: agrees with validation", () => {
    it("top level: the docker-overlay: keys validation knows are the schema's", () => {
        const keys = knownKeys({ hosts: HOSTS, zzzz: 1 }, "zzzz");
        assert.deepEqual(keys, Object.keys(CONFIG.properties));
        assert.deepEqual(keys, CONFIG.propertyNames.anyOf[0].enum);
    });

    it("every object's known keys, in order", () => {
        const cases: [string, object, string, string[]][] = [
            ["driver (netns)", { driver: { kind: "netns", ...Z }, hosts: HOSTS }, "driver.zzzz", driverKeys("netns")],
            ["driver (dind)", { driver: { kind: "dind", ...Z }, hosts: HOSTS }, "driver.zzzz", driverKeys("dind")],
            ["driver (ssh)", { driver: { kind: "ssh", ...Z }, hosts: HOSTS }, "driver.zzzz", driverKeys("ssh")],
            ["driver (docker-machine)", { driver: { kind: "docker-machine", ...Z }, hosts: HOSTS }, "driver.zzzz", driverKeys("docker-machine")],
            [
                "driver.images[]",
                { driver: { images: [{ name: "a", rootfs: "/a", ...Z }] }, hosts: HOSTS },
                "driver.images[0].zzzz",
                Object.keys(section("driver").properties.images.items.properties),
            ],
            ["kvStore", { kvStore: Z, hosts: HOSTS }, "kvStore.zzzz", Object.keys(section("kvStore").properties)],
            ["engine", { engine: Z, hosts: HOSTS }, "engine.zzzz", Object.keys(section("engine").properties)],
            [
                "engine.swarm",
                { engine: { mode: "swarm", swarm: Z }, hosts: HOSTS },
                "engine.swarm.zzzz",
                Object.keys(section("engine").properties.swarm.properties),
            ],
            ["hosts[]", { hosts: [{ name: "h1", ...Z }] }, "hosts[0].zzzz", Object.keys(section("hosts").items.properties)],
            [
                "hosts[].ssh",
                { driver: { kind: "ssh" }, hosts: [{ name: "h1", ssh: { address: "a", ...Z } }] },
                "hosts[0].ssh.zzzz",
                Object.keys(section("hosts").items.properties.ssh.properties),
            ],
            ["networks[]", { hosts: HOSTS, networks: [{ ...NETWORKS[0], ...Z }] }, "networks[0].zzzz", Object.keys(section("networks").items.properties)],
            [
                "containers[]",
                { hosts: HOSTS, networks: NETWORKS, containers: [{ name: "c", image: "i", networks: ["n1"], ...Z }] },
                "containers[0].zzzz",
                Object.keys(section("containers").items.properties),
            ],
            [
                "containers[].networks[]",
                { hosts: HOSTS, networks: NETWORKS, containers: [{ name: "c", image: "i", networks: [{ name: "n1", ...Z }] }] },
                "containers[0].networks[0].zzzz",
                Object.keys(section("containers").items.properties.networks.items.oneOf[1].properties),
            ],
        ];
        for (const [what, raw, at, schemaKeys] of cases) {
            assert.deepEqual(knownKeys(raw, at), schemaKeys, what);
            assert.ok(schemaKeys.length > 0, what);
        }
        // The schema lists every kind's keys on the driver, for completion: exactly the kinds' keys together.
        const allDriverKeys = [...new Set(["netns", "dind", "ssh", "docker-machine"].flatMap(driverKeys))];
        assert.deepEqual(Object.keys(section("driver").properties), allDriverKeys);
    });

    it("every enum", () => {
        const cases: [object, string, Json][] = [
            [{ driver: { kind: "zzzz" }, hosts: HOSTS }, "driver.kind", section("driver").properties.kind],
            [{ kvStore: { backend: "zzzz" }, hosts: HOSTS }, "kvStore.backend", section("kvStore").properties.backend],
            [{ engine: { mode: "zzzz" }, hosts: HOSTS }, "engine.mode", section("engine").properties.mode],
            [{ hosts: [{ name: "h1", role: "zzzz" }] }, "hosts[0].role", section("hosts").items.properties.role],
        ];
        for (const [raw, at, field] of cases) {
            const messages = messagesAt(raw, at);
            const m = /^must be one of (.*), got the string "zzzz"$/.exec(messages[0] ?? "");
            assert.ok(m !== null, `${at}: ${messages.join("; ")}`);
            assert.deepEqual(m[1].split(" | "), field.enum, at);
        }
    });

    it("every integer's bounds", () => {
        const cases: [object, string, Json][] = [
            [{ driver: { kind: "dind", mtu: 1 }, hosts: HOSTS }, "driver.mtu", section("driver").properties.mtu],
            [{ driver: { kind: "ssh", port: 0 }, hosts: HOSTS }, "driver.port", section("driver").properties.port],
            [{ kvStore: { port: 0 }, hosts: HOSTS }, "kvStore.port", section("kvStore").properties.port],
            [{ engine: { apiPort: 0 }, hosts: HOSTS }, "engine.apiPort", section("engine").properties.apiPort],
            [
                { engine: { mode: "swarm", swarm: { addressPoolMaskLength: 1 } }, hosts: HOSTS },
                "engine.swarm.addressPoolMaskLength",
                section("engine").properties.swarm.properties.addressPoolMaskLength,
            ],
            [{ engine: { mode: "swarm", swarm: { port: 0 } }, hosts: HOSTS }, "engine.swarm.port", section("engine").properties.swarm.properties.port],
            [
                { driver: { kind: "ssh" }, hosts: [{ name: "h1", ssh: { address: "a", port: 0 } }] },
                "hosts[0].ssh.port",
                section("hosts").items.properties.ssh.properties.port,
            ],
        ];
        for (const [raw, at, field] of cases) {
            const m = /^must be an integer from (\d+) to (\d+)/.exec(messagesAt(raw, at)[0] ?? "");
            assert.ok(m !== null, at);
            assert.deepEqual([Number(m[1]), Number(m[2])], [field.minimum, field.maximum], at);
        }
    });

    it("every default in the schema is what normalization fills in", () => {
        let checked = 0;
        /** Compares each `default` under `schema` with the normalized value next to it. */
        const compare = (schema: Json, value: Json, at: string, keys = Object.keys(schema.properties)): void => {
            for (const key of keys) {
                const field = schema.properties[key];
                if (field.default !== undefined) {
                    assert.deepEqual(value[key], field.default, `${at}.${key}`);
                    checked++;
                }
                if (field.type === "object" && field.properties !== undefined && value[key] !== undefined) {
                    compare(field, value[key], `${at}.${key}`);
                }
            }
        };
        const minimal = (extra: object = {}) => normalizeConfig({ hosts: HOSTS, ...extra }, "dev");
        const ssh = { driver: { kind: "ssh" }, kvStore: { address: "consul://192.0.2.10:8500" }, hosts: [{ name: "h1", ssh: { address: "192.0.2.21" } }] };
        const drivers: [string, object][] = [
            ["netns", {}],
            ["dind", { driver: { kind: "dind" } }],
            ["ssh", ssh],
            ["docker-machine", { driver: { kind: "docker-machine" } }],
        ];
        for (const [kind, extra] of drivers) {
            compare(
                section("driver"),
                minimal(extra).driver,
                `driver(${kind})`,
                driverKeys(kind).filter((k) => k !== "kind"),
            );
        }
        compare(section("driver"), minimal().driver, "driver", ["kind"]);
        compare(section("kvStore"), minimal().kvStore, "kvStore");
        compare(section("engine"), minimal().engine, "engine");
        compare(section("engine").properties.swarm, minimal({ engine: { mode: "swarm" } }).engine.swarm, "engine.swarm");
        const full = minimal({ networks: NETWORKS, containers: [{ name: "c", image: "busybox", networks: ["n1"] }] });
        compare(section("hosts").items, full.hosts[0], "hosts[0]");
        compare(section("networks").items, full.networks[0], "networks[0]");
        compare(section("containers").items, full.containers[0], "containers[0]");
        assert.ok(checked >= 25, `${checked} defaults checked`);
    });
});

describe("stack schema: checks stack files as an editor would", () => {
    const parse = (file: string): Json => YAML.parseDocument(fs.readFileSync(file, "utf8"), { merge: true }).toJS();

    it("every shipped and lab stack satisfies it", () => {
        for (const file of STACK_FILES) {
            assert.deepEqual(schemaErrors(SCHEMA, parse(file)), [], path.relative(ROOT, file));
        }
    });

    it("flags unknown keys, another driver's keys, wrong enums and types", () => {
        const dev = parse(path.join(ROOT, "Pulumi.dev.yaml"));
        const edited = (edit: (config: Json) => void): string[] => {
            const doc = structuredClone(dev);
            edit(doc.config);
            return schemaErrors(SCHEMA, doc);
        };
        assert.deepEqual(
            edited(() => undefined),
            [],
        );
        const C = "/config/docker-overlay:";
        const KNOWN =
            "docker-overlay:driver, docker-overlay:kvStore, docker-overlay:engine, docker-overlay:hosts, docker-overlay:networks, docker-overlay:containers, docker-overlay:sshPrivateKey";
        assert.deepEqual(
            edited((c) => (c["docker-overlay:host"] = [])),
            [
                `/config: must be equal to one of the allowed values: ${KNOWN}`,
                "/config: must NOT be valid",
                "/config: must match a schema in anyOf",
                "/config: property name must be valid (docker-overlay:host)",
            ],
            "an unknown docker-overlay: key",
        );
        assert.deepEqual(
            edited((c) => (c["aws:region"] = "x")),
            [],
            "another namespace's key",
        );
        const dindKeyOnNetns = [`${C}driver: must NOT have additional properties (image)`, `${C}driver: must match "then" schema`];
        assert.deepEqual(
            edited((c) => (c["docker-overlay:driver"].image = "docker:20.10.24-dind")),
            dindKeyOnNetns,
            "a dind key on a netns driver",
        );
        assert.deepEqual(
            edited((c) => (c["docker-overlay:driver"] = { kind: "dind", image: "docker:20.10.24-dind" })),
            [],
        );
        assert.deepEqual(
            edited((c) => (c["docker-overlay:driver"] = { image: "docker:20.10.24-dind" })),
            dindKeyOnNetns,
            "no kind is netns",
        );
        assert.deepEqual(
            edited((c) => (c["docker-overlay:kvStore"].backend = "redis")),
            [`${C}kvStore/backend: must be equal to one of the allowed values: consul, etcd, zookeeper`],
        );
        assert.deepEqual(
            edited((c) => (c["docker-overlay:hosts"][0].name = 5)),
            [`${C}hosts/0/name: must be string`],
        );
        assert.deepEqual(
            edited((c) => (c["docker-overlay:containers"][0].networks = [])),
            [`${C}containers/0/networks: must NOT have fewer than 1 items`],
        );
        assert.deepEqual(
            edited((c) => (c["docker-overlay:containers"][0].networks = [{ name: "net1", ipv4Address: "10.0.0.5" }, "net1"])),
            [],
        );
        assert.deepEqual(
            edited((c) => (c["docker-overlay:containers"][0].networks = [{ name: "net1", ip: "10.0.0.5" }])),
            [
                `${C}containers/0/networks/0: must be string`,
                `${C}containers/0/networks/0: must NOT have additional properties (ip)`,
                `${C}containers/0/networks/0: must match exactly one schema in oneOf`,
            ],
        );
        assert.deepEqual(
            edited((c) => delete c["docker-overlay:hosts"]),
            ["/config: must have required property 'docker-overlay:hosts'"],
        );
    });
});
