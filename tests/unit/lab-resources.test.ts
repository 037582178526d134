/**
 * The lab's resource rooms (lab/resources/): the dispatch table from type
 * token to handler, and each docker resource's request translation (pure;
 * the applier tests drive the handlers through fake engines).
 */
import * as assert from "node:assert/strict";
import { LabDeleter } from "../../lab/applier";
import { INVOKE_HANDLERS, invokeHandler, isProviderType, RESOURCE_HANDLERS, resourceHandler } from "../../lab/resources";
import { CONSUL_PROVIDER_INPUTS } from "../../lab/resources/consulProvider";
import { CONTAINER_INPUTS, containerPlan } from "../../lab/resources/containerRequest";
import { assertKnownInputs } from "../../lab/resources/dockerInputs";
import { DOCKER_PROVIDER_INPUTS } from "../../lab/resources/dockerProvider";
import { KEY_PREFIX_INPUTS } from "../../lab/resources/keyPrefix";
import { NETWORK_INPUTS, networkCreateRequest, removeNetworkAsProvider } from "../../lab/resources/network";
import { REMOTE_IMAGE_INPUTS } from "../../lab/resources/remoteImage";
import { ResourceRecord } from "../../lab/state";

const STACK = "t";
const urnOf = (type: string, name: string) => `urn:pulumi:${STACK}::docker-overlay::${type}::${name}`;
const NETWORK = "docker:index/network:Network";
const CONTAINER = "docker:index/container:Container";

/** Every type the lab performs, and the invokes it answers. */
const SUPPORTED_TYPES = [
    "command:local:Command",
    "command:remote:Command",
    "pulumi:providers:docker",
    "pulumi:providers:consul",
    "docker:index/remoteImage:RemoteImage",
    "docker:index/network:Network",
    "docker:index/container:Container",
    "consul:index/keyPrefix:KeyPrefix",
    "tls:index/privateKey:PrivateKey",
    "tls:index/selfSignedCert:SelfSignedCert",
    "tls:index/certRequest:CertRequest",
    "tls:index/locallySignedCert:LocallySignedCert",
];

describe("lab resources: the dispatch table", () => {
    it("has exactly one handler for each supported type token and invoke token, and none for anything else", () => {
        const tokens = RESOURCE_HANDLERS.flatMap((h) => h.types);
        assert.deepEqual([...tokens].sort(), [...SUPPORTED_TYPES].sort());
        for (const type of SUPPORTED_TYPES) {
            const handler = resourceHandler(type);
            assert.ok(handler !== undefined, type);
            assert.ok(handler.types.includes(type), type);
        }
        assert.equal(resourceHandler("docker:index/volume:Volume"), undefined);
        assert.deepEqual(
            INVOKE_HANDLERS.map((h) => h.token),
            ["consul:index/getKeyPrefix:getKeyPrefix"],
        );
        assert.equal(invokeHandler("consul:index/getKeyPrefix:getKeyPrefix")?.token, "consul:index/getKeyPrefix:getKeyPrefix");
        assert.equal(invokeHandler("docker:index/getNetwork:getNetwork"), undefined);
    });

    it("knows the two providers, which other resources name by URN", () => {
        assert.deepEqual(
            SUPPORTED_TYPES.filter((t) => isProviderType(t)),
            ["pulumi:providers:docker", "pulumi:providers:consul"],
        );
        assert.equal(isProviderType("pulumi:providers:aws"), false);
    });

    it("refuses to delete a type it has no handler for, naming it", async () => {
        const type = "docker:index/volume:Volume";
        const record: ResourceRecord = {
            urn: urnOf(type, "v"),
            type,
            name: "v",
            parent: "",
            custom: true,
            provider: "",
            dependsOn: [],
            inputs: {},
            status: "created",
            startedAt: "2024-01-01T00:00:00.000Z",
        };
        await assert.rejects(new LabDeleter([]).delete(record), {
            message: `${type} ${urnOf(type, "v")}: resource type not supported by the lab applier; delete it by hand`,
        });
    });
});

describe("lab resources: request translation", () => {
    it("translates overlay Network inputs into exactly that network create request", () => {
        const req = networkCreateRequest(urnOf(NETWORK, "net1"), {
            name: "net1",
            driver: "overlay",
            ipamConfigs: [{ subnet: "10.0.0.0/24", gateway: "10.0.0.1", ipRange: "10.0.0.0/25" }],
            internal: false,
            options: { encrypted: "" },
            labels: [{ label: "docker-overlay.network", value: "net1" }],
        });
        assert.deepEqual(req, {
            Name: "net1",
            CheckDuplicate: true,
            Driver: "overlay",
            Options: { encrypted: "" },
            Internal: false,
            Labels: { "docker-overlay.network": "net1" },
            IPAM: { Driver: "default", Config: [{ Subnet: "10.0.0.0/24", IPRange: "10.0.0.0/25", Gateway: "10.0.0.1" }] },
        });
    });

    it("refuses Network inputs it cannot translate and unnamed networks, naming the resource", () => {
        const urn = urnOf(NETWORK, "n");
        assert.throws(() => networkCreateRequest(urn, { name: "n", driver: "overlay", scope: "swarm" } as never), {
            message: `${NETWORK} ${urn}: the lab applier does not translate input(s) "scope"; refusing to create it without them`,
        });
        assert.throws(() => networkCreateRequest(urn, { driver: "overlay" }), {
            message: `${NETWORK} ${urn}: input "name" is not set. The real provider would compute one; the lab needs every Docker object named explicitly.`,
        });
    });

    it("creates a container on its first network (with its fixed address) and connects the rest", () => {
        const plan = containerPlan(urnOf(CONTAINER, "c1"), {
            name: "c1",
            image: "busybox:latest",
            hostname: "c1",
            command: ["top"],
            envs: ["A=1"],
            networksAdvanced: [
                { name: "net1", ipv4Address: "10.0.0.50", aliases: ["c1"] },
                { name: "net2", aliases: ["c1"] },
            ],
            labels: [{ label: "docker-overlay.host", value: "swarm-node2" }],
            restart: "unless-stopped",
            mustRun: true,
        });
        assert.deepEqual(plan.create, {
            name: "c1",
            Image: "busybox:latest",
            Tty: false,
            OpenStdin: false,
            HostConfig: {
                RestartPolicy: { Name: "unless-stopped", MaximumRetryCount: 0 },
                Privileged: false,
                AutoRemove: false,
                Init: false,
                NetworkMode: "net1",
            },
            Hostname: "c1",
            Cmd: ["top"],
            Env: ["A=1"],
            Labels: { "docker-overlay.host": "swarm-node2" },
            NetworkingConfig: { EndpointsConfig: { net1: { Aliases: ["c1"], IPAMConfig: { IPv4Address: "10.0.0.50" } } } },
        });
        assert.deepEqual(plan.connect, [{ network: "net2", endpoint: { Aliases: ["c1"] } }]);
        assert.equal(plan.start, true);
        assert.equal(plan.mustRun, true);
    });
});

describe("lab resources: the inputs each room translates", () => {
    it("keep the per-type input tables the lab translates", () => {
        assert.deepEqual(NETWORK_INPUTS, [
            "name",
            "driver",
            "ipamConfigs",
            "ipamDriver",
            "ipamOptions",
            "internal",
            "attachable",
            "ingress",
            "ipv6",
            "options",
            "labels",
            "checkDuplicate",
        ]);
        assert.deepEqual(CONTAINER_INPUTS, [
            "name",
            "image",
            "command",
            "entrypoint",
            "hostname",
            "domainname",
            "envs",
            "labels",
            "networksAdvanced",
            "networkMode",
            "restart",
            "maxRetryCount",
            "mustRun",
            "start",
            "user",
            "workingDir",
            "tty",
            "stdinOpen",
            "privileged",
            "rm",
            "init",
            "removeVolumes",
            "attach",
            "logs",
            "ports",
            "healthcheck",
            "wait",
            "waitTimeout",
            "uploads",
        ]);
        assert.deepEqual(REMOTE_IMAGE_INPUTS, ["name", "keepLocally", "forceRemove", "pullTriggers", "triggers"]);
        assert.deepEqual(DOCKER_PROVIDER_INPUTS, ["host", "caMaterial", "certMaterial", "keyMaterial", "version"]);
        assert.deepEqual(CONSUL_PROVIDER_INPUTS, ["address", "scheme", "token", "datacenter", "caPem", "certPem", "keyPem", "version"]);
        assert.deepEqual(KEY_PREFIX_INPUTS, ["pathPrefix", "subkeys", "datacenter"]);
        assert.throws(() => assertKnownInputs(NETWORK, "urn:n", { name: "n", scope: "swarm" }, NETWORK_INPUTS), {
            message: `${NETWORK} urn:n: the lab applier does not translate input(s) "scope"; refusing to create it without them`,
        });
    });
});

describe("lab resources: a network's delete waits as the provider's does", () => {
    /** A fake engine whose removes answer from a script, on a fake clock; each call is logged with the time it came at. */
    function world(answers: string[]) {
        let t = 0;
        const log: string[] = [];
        const clock = { now: () => new Date(t), sleep: async (ms: number) => void (t += ms) };
        const engine = {
            inspectNetwork: async (id: string) => {
                if (answers[0] === "gone") {
                    log.push(`${t / 1000}s inspect: gone`);
                    throw Object.assign(new Error("no such network"), { statusCode: 404 });
                }
                return { Id: id } as never;
            },
            removeNetwork: async () => {
                const a = answers.shift() ?? "ok";
                log.push(`${t / 1000}s remove: ${a}`);
                if (a !== "ok") {
                    throw new Error(a);
                }
                return true;
            },
        };
        return { engine, clock, log };
    }

    it("waits 2 s before its first try, then retries 'has active endpoints' after 5 s and every 10 s", async () => {
        const w = world(["error: network n1 has active endpoints", "Error: network N1 HAS ACTIVE ENDPOINTS", "ok"]);
        assert.equal(await removeNetworkAsProvider(w.engine, "n1", w.clock), true);
        assert.deepEqual(w.log, ["2s remove: error: network n1 has active endpoints", "7s remove: Error: network N1 HAS ACTIVE ENDPOINTS", "17s remove: ok"]);
    });

    it("gives up after 30 s with the SDK's timeout message", async () => {
        const w = world(Array(10).fill("has active endpoints"));
        await assert.rejects(removeNetworkAsProvider(w.engine, "n1", w.clock), {
            message: "timeout while waiting for state to become 'removed' (last state: 'pending', timeout: 30s)",
        });
        assert.deepEqual(
            w.log.map((l) => l.split(" ")[0]),
            ["2s", "7s", "17s", "27s"],
        );
    });

    it("fails at once on any other error (swarm's 'in use by task'), and a network already gone is absent", async () => {
        const w = world(["rpc error: code = FailedPrecondition desc = network x is in use by task y"]);
        await assert.rejects(removeNetworkAsProvider(w.engine, "n1", w.clock), {
            message: "rpc error: code = FailedPrecondition desc = network x is in use by task y",
        });
        assert.deepEqual(w.log, ["2s remove: rpc error: code = FailedPrecondition desc = network x is in use by task y"]);
        const gone = world(["gone"]);
        assert.equal(await removeNetworkAsProvider(gone.engine, "n1", gone.clock), false);
        assert.deepEqual(gone.log, ["2s inspect: gone"]);
    });
});
