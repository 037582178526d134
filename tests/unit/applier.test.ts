/**
 * The lab applier's pure parts and its bookkeeping, with fake engines, a fake
 * consul and a fake script runner: no daemons are touched. Each resource
 * type's request translation is tested in lab-resources.test.ts.
 */
import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type Docker from "dockerode";
import { ApplierDeps, LabApplier, LabDeleter, providerUrnOf } from "../../lab/applier";
import { ScriptRun, ScriptResult } from "../../lab/clients/script";
import { KvClient } from "../../lab/clients/consul";
import { ContainerInspect, EngineClient, ExecResult, ImageInfo, NetworkInspect } from "../../lab/clients/docker";
import { deletionOrder, readState, ResourceRecord, StateRecorder } from "../../lab/state";
import { container } from "../../lab/resources/container";
import { CreateContext } from "../../lab/resources/handler";

const STACK = "t";
const urnOf = (type: string, name: string) => `urn:pulumi:${STACK}::docker-overlay::${type}::${name}`;
const DOCKER_PROVIDER = "pulumi:providers:docker";
const NETWORK = "docker:index/network:Network";
const CONTAINER = "docker:index/container:Container";
const IMAGE = "docker:index/remoteImage:RemoteImage";
const KEY_PREFIX = "consul:index/keyPrefix:KeyPrefix";

/** An engine that records every call and answers like a small dockerd. */
/** Names of containers whose process exits as soon as it starts (a command that fails at once). */
const EXITS_AT_START = new Set<string>();

class FakeEngine implements EngineClient {
    calls: string[] = [];
    networkRequests: Docker.NetworkCreateOptions[] = [];
    containerRequests: Docker.ContainerCreateOptions[] = [];
    connects: { network: string; container: string; endpoint: Docker.EndpointSettings }[] = [];
    images = new Map<string, ImageInfo>([["busybox:latest", { Id: "sha256:bb" }]]);
    containers = new Map<string, ContainerInspect>();
    removed: string[] = [];
    /** The daemon does not answer (its socket gone): ping fails as dockerode's does. */
    down = false;

    constructor(readonly host: string) {}

    async ping() {
        if (this.down) {
            throw Object.assign(new Error(`connect ENOENT ${this.host.replace(/^unix:\/\//, "")}`), { code: "ENOENT" });
        }
    }

    async inspectImage(name: string) {
        this.calls.push(`inspectImage ${name}`);
        return this.images.get(name);
    }
    async pullImage(name: string): Promise<void> {
        this.calls.push(`pullImage ${name}`);
        throw new Error(`Get "https://registry-1.docker.io/v2/": dial tcp: lookup registry-1.docker.io: no such host`);
    }
    async removeImage(name: string) {
        this.calls.push(`removeImage ${name}`);
        return false;
    }
    async createNetwork(req: Docker.NetworkCreateOptions) {
        this.calls.push(`createNetwork ${req.Name}`);
        this.networkRequests.push(req);
        return `net-${req.Name}`;
    }
    async inspectNetwork(id: string): Promise<NetworkInspect> {
        const req = this.networkRequests.find((r) => `net-${r.Name}` === id)!;
        return {
            Id: id,
            Name: req.Name,
            Driver: req.Driver ?? "bridge",
            Scope: "global",
            Internal: req.Internal ?? false,
            IPAM: { Driver: "default", Config: (req.IPAM?.Config ?? []).map((c) => ({ Subnet: c.Subnet, Gateway: c.Gateway })) },
            Options: req.Options ?? {},
        };
    }
    async removeNetwork(id: string) {
        this.removed.push(id);
        return true;
    }
    async createContainer(req: Docker.ContainerCreateOptions) {
        this.calls.push(`createContainer ${req.name}`);
        this.containerRequests.push(req);
        const id = `ctr-${req.name}`;
        this.containers.set(id, {
            Id: id,
            Name: `/${req.name}`,
            Config: { Hostname: req.Hostname },
            State: { Running: false },
            NetworkSettings: { Networks: {} },
        });
        return id;
    }
    async connectNetwork(network: string, container: string, endpoint: Docker.EndpointSettings) {
        this.calls.push(`connectNetwork ${network} ${container}`);
        this.connects.push({ network, container, endpoint });
    }
    async startContainer(id: string) {
        this.calls.push(`startContainer ${id}`);
        const c = this.containers.get(id)!;
        const req = this.containerRequests.find((r) => `ctr-${r.name}` === id)!;
        const nets = [String(req.HostConfig?.NetworkMode), ...this.connects.filter((x) => x.container === id).map((x) => x.network)];
        c.State = EXITS_AT_START.has(req.name ?? "") ? { Running: false, Status: "exited", ExitCode: 1 } : { Running: true, Status: "running" };
        c.NetworkSettings = {
            Networks: Object.fromEntries(
                nets.map((n, i) => [n, { IPAddress: `10.0.${i}.5`, IPPrefixLen: 24, Gateway: "", MacAddress: `02:42:0a:00:0${i}:05` }]),
            ),
        };
    }
    async inspectContainer(id: string) {
        return this.containers.get(id);
    }
    async containerLogs() {
        return "";
    }
    async removeContainer(id: string) {
        this.removed.push(id);
        return this.containers.delete(id);
    }
    async exec(): Promise<ExecResult> {
        return { exitCode: 0, output: "" };
    }
}

interface World {
    applier: LabApplier;
    recorder: StateRecorder;
    engines: Map<string, FakeEngine>;
    scripts: ScriptRun[];
    kvPuts: [string, string][];
    deps: Partial<ApplierDeps>;
}

function world(opts: { file?: string; script?: (run: ScriptRun) => ScriptResult; kvList?: Record<string, string> } = {}): World {
    const engines = new Map<string, FakeEngine>();
    const scripts: ScriptRun[] = [];
    const kvPuts: [string, string][] = [];
    let n = 0;
    let clock = 0;
    const kv: KvClient = {
        baseUrl: "http://kv",
        put: async (k, v) => void kvPuts.push([k, v]),
        list: async () => opts.kvList ?? {},
        deleteTree: async () => undefined,
        deleteKey: async () => undefined,
    };
    const deps: Partial<ApplierDeps> = {
        engine: (endpoint) => {
            const e = engines.get(endpoint.host) ?? new FakeEngine(endpoint.host);
            engines.set(endpoint.host, e);
            return e;
        },
        kv: () => kv,
        runScript: async (run) => {
            scripts.push(run);
            return opts.script?.(run) ?? { code: 0, signal: null, stdout: "made\n", stderr: "" };
        },
        now: () => new Date(Date.UTC(2024, 0, 1) + (clock += 100)),
        // The network delete waits as the provider does (lab/resources/network.ts): no real time in unit tests.
        sleep: async () => undefined,
        newId: () => `id-${++n}`,
    };
    const recorder = new StateRecorder(opts.file, { stack: STACK, stackFile: "/x/Pulumi.t.yaml", program: "/x/index.ts" }, deps.now);
    const applier = new LabApplier({ mode: "up", stack: STACK, recorder, deps });
    return { applier, recorder, engines, scripts, kvPuts, deps };
}

/** Registers a docker provider for `host` and returns its `URN::ID` reference. */
async function dockerProvider(w: World, name: string, host: string): Promise<string> {
    const r = await w.applier.newResource({ type: DOCKER_PROVIDER, name, inputs: { host }, custom: true });
    return `${urnOf(DOCKER_PROVIDER, name)}::${r.id}`;
}

describe("lab: a container that stops right after its start, as the docker provider records it", () => {
    afterEach(() => EXITS_AT_START.clear());

    it("is created and recorded with mustRun false; the next diff is an update, which starts it and reads it again", async () => {
        EXITS_AT_START.add("c1");
        const w = world();
        const p = await dockerProvider(w, "swarm-node1", "unix:///run/n1/docker.sock");
        const inputs = { name: "c1", image: "busybox:latest", networksAdvanced: [{ name: "net1", aliases: ["c1"] }], mustRun: true };
        const c = await w.applier.newResource({ type: CONTAINER, name: "c1", provider: p, custom: true, inputs });
        // kreuzwerker v4.5.0: Create ends with Read, which records a stopped container as must_run = false.
        assert.equal(c.state["mustRun"], false);
        assert.equal(c.state["exitCode"], 1);
        const engine = w.engines.get("unix:///run/n1/docker.sock")!;
        assert.deepEqual(engine.calls, ["createContainer c1", "startContainer ctr-c1"]);
        // The program still asks for true: an update of mustRun, not a replacement.
        const d = container.diff({ type: CONTAINER, olds: inputs, news: inputs, oldOutputs: c.state });
        assert.deepEqual(d, { updates: ["mustRun"], replaces: [], deleteBeforeReplace: true });
        assert.deepEqual(container.diff({ type: CONTAINER, olds: inputs, news: inputs, oldOutputs: { ...c.state, mustRun: true } }).updates, []);
        // Its update starts it (:997-1013) and reads it again: still exiting, still false; running, no mustRun false.
        const record = {
            urn: urnOf(CONTAINER, "c1"),
            type: CONTAINER,
            name: "c1",
            custom: true,
            provider: p,
            inputs,
            id: c.id,
            outputs: c.state,
        } as unknown as ResourceRecord;
        const ctx = { engineFor: () => engine } as unknown as CreateContext;
        const again = await container.update!(ctx, record, record);
        assert.equal(again.state["mustRun"], false);
        EXITS_AT_START.clear();
        const started = await container.update!(ctx, record, record);
        assert.deepEqual(engine.calls.slice(2), ["startContainer ctr-c1", "startContainer ctr-c1"]);
        assert.equal(started.state["mustRun"], true);
        assert.equal(started.id, "ctr-c1");
        // A recorded running container: the update only records, nothing is sent to the engine.
        await container.update!(ctx, { ...record, outputs: started.state }, record);
        assert.equal(engine.calls.length, 4);
    });
});

describe("lab applier", () => {
    it("resolves URN::ID provider references, and refuses malformed ones", () => {
        const urn = urnOf(DOCKER_PROVIDER, "swarm-node1");
        assert.equal(providerUrnOf(`${urn}::04da6b54-aaaa`), urn);
        assert.equal(providerUrnOf(""), "");
        assert.throws(() => providerUrnOf("swarm-node1"), { message: 'lab: malformed provider reference "swarm-node1" (expected URN::ID)' });
    });

    it("creates Network and Container on the engine of their own provider, with state from inspects", async () => {
        const w = world();
        const p1 = await dockerProvider(w, "swarm-node1", "unix:///run/n1/docker.sock");
        const p2 = await dockerProvider(w, "swarm-node2", "unix:///run/n2/docker.sock");
        const net = await w.applier.newResource({
            type: NETWORK,
            name: "net1",
            provider: p1,
            custom: true,
            inputs: { name: "net1", driver: "overlay", ipamConfigs: [{ subnet: "10.0.0.0/24", gateway: "10.0.0.1" }] },
        });
        assert.equal(net.id, "net-net1");
        assert.equal(net.state["scope"], "global");
        assert.deepEqual(net.state["ipamConfigs"], [{ subnet: "10.0.0.0/24", gateway: "10.0.0.1", ipRange: "", auxAddress: {} }]);
        const c = await w.applier.newResource({
            type: CONTAINER,
            name: "c1",
            provider: p2,
            custom: true,
            inputs: { name: "c1", image: "busybox:latest", networksAdvanced: [{ name: "net1", aliases: ["c1"] }], mustRun: true },
        });
        assert.deepEqual(w.engines.get("unix:///run/n1/docker.sock")!.calls, ["createNetwork net1"]);
        assert.deepEqual(w.engines.get("unix:///run/n2/docker.sock")!.calls, ["createContainer c1", "startContainer ctr-c1"]);
        assert.deepEqual(c.state["networkDatas"], [
            {
                networkName: "net1",
                ipAddress: "10.0.0.5",
                ipPrefixLength: 24,
                gateway: "",
                macAddress: "02:42:0a:00:00:05",
                globalIpv6Address: "",
                ipv6Gateway: "",
            },
        ]);
        assert.equal(c.state["name"], "c1");
    });

    it("fails loudly on a docker resource without an explicit provider", async () => {
        const w = world();
        await assert.rejects(w.applier.newResource({ type: NETWORK, name: "net1", custom: true, inputs: { name: "net1" } }), {
            message: `${NETWORK} ${urnOf(NETWORK, "net1")}: no explicit docker provider; the lab never uses a default provider (that would be whatever DOCKER_HOST points at)`,
        });
        assert.equal(w.recorder.state.resources[0].status, "failed");
    });

    it("fails loudly on unsupported resource types and invokes, then starts nothing new", async () => {
        const w = world();
        const type = "docker:index/volume:Volume";
        await assert.rejects(w.applier.newResource({ type, name: "v", custom: true, inputs: {} }), {
            message: `${type} ${urnOf(type, "v")}: resource type not supported by the lab applier`,
        });
        assert.equal((await w.applier.failed).message, `${type} ${urnOf(type, "v")}: resource type not supported by the lab applier`);
        await assert.rejects(w.applier.newResource({ type: "command:local:Command", name: "later", custom: true, inputs: { create: "true" } }), {
            message: `command:local:Command ${urnOf("command:local:Command", "later")}: not created, because an earlier resource failed`,
        });
        assert.equal(w.scripts.length, 0);

        const w2 = world();
        await assert.rejects(Promise.resolve(w2.applier.call({ token: "docker:index/getNetwork:getNetwork", inputs: { name: "x" } })), {
            message: "invoke docker:index/getNetwork:getNetwork (no provider): not supported by the lab applier",
        });
    });

    it("runs a Command's create with the provider's default interpreter and fails with the URN and stderr tail", async () => {
        const ok = world();
        const r = await ok.applier.newResource({
            type: "command:local:Command",
            name: "bridge",
            custom: true,
            inputs: { create: "make-bridge", environment: { X: "1" } },
        });
        assert.deepEqual(ok.scripts, [{ script: "make-bridge", interpreter: undefined, environment: { X: "1" }, dir: undefined, stdin: undefined }]);
        assert.equal(r.state["stdout"], "made");
        assert.equal(r.state["create"], "make-bridge");

        const bad = world({ script: () => ({ code: 3, signal: null, stdout: "", stderr: "line1\nno such bridge\n" }) });
        const urn = urnOf("command:local:Command", "engine");
        await assert.rejects(bad.applier.newResource({ type: "command:local:Command", name: "engine", custom: true, inputs: { create: "x" } }), {
            message: `command:local:Command ${urn}: create exited with code 3\n--- stderr (end) ---\nline1\nno such bridge`,
        });
    });

    it("says an image must be preloaded when it is missing, without pulling it", async () => {
        const w = world();
        const p = await dockerProvider(w, "n1", "unix:///run/n1/docker.sock");
        const type = "docker:index/remoteImage:RemoteImage";
        await assert.rejects(
            w.applier.newResource({ type, name: "img", provider: p, custom: true, inputs: { name: "alpine:3", keepLocally: true } }),
            (err: Error) => {
                assert.match(
                    err.message,
                    new RegExp(
                        `^${type.replace(/[/]/g, "\\/")} ${urnOf(type, "img").replace(/[$]/g, "\\$")}: image "alpine:3" is not on the engine at unix:///run/n1/docker.sock`,
                    ),
                );
                assert.match(err.message, /the image must be preloaded on every engine/);
                return true;
            },
        );
        // No pull unless DOCKER_OVERLAY_LAB_PULL=1: a pull only sends the engine's traffic out of the lab.
        assert.deepEqual(w.engines.get("unix:///run/n1/docker.sock")!.calls, ["inspectImage alpine:3"]);
    });

    it("answers getKeyPrefix through the consul provider named in the call", async () => {
        const w = world({ kvList: { "10.199.0.3:2376": "10.199.0.3:2376" } });
        const consul = await w.applier.newResource({
            type: "pulumi:providers:consul",
            name: "kv",
            custom: true,
            inputs: { address: "10.199.0.2:8500", scheme: "http" },
        });
        const ref = `${urnOf("pulumi:providers:consul", "kv")}::${consul.id}`;
        const result = await w.applier.call({ token: "consul:index/getKeyPrefix:getKeyPrefix", inputs: { pathPrefix: "docker/nodes/" }, provider: ref });
        assert.deepEqual(result, { id: "docker/nodes/", pathPrefix: "docker/nodes/", subkeys: { "10.199.0.3:2376": "10.199.0.3:2376" } });
        await assert.rejects(Promise.resolve(w.applier.call({ token: "consul:index/getKeyPrefix:getKeyPrefix", inputs: { pathPrefix: "x/" } })), {
            message: 'invoke consul:index/getKeyPrefix:getKeyPrefix (no provider): needs an explicit consul provider the lab registered (got "")',
        });
    });

    it("fails a KeyPrefix delete when consul does not answer, as the provider's DeleteUnderPrefix does", async () => {
        const w = world();
        const consul = await w.applier.newResource({
            type: "pulumi:providers:consul",
            name: "kv",
            custom: true,
            inputs: { address: "10.199.0.2:8500", scheme: "http" },
        });
        const provider = `${urnOf("pulumi:providers:consul", "kv")}::${consul.id}`;
        await w.applier.newResource({
            type: KEY_PREFIX,
            name: "rec",
            provider,
            custom: true,
            inputs: { pathPrefix: "docker-overlay/t/", subkeys: { a: "1" } },
        });
        const records = w.recorder.state.resources;
        const record = records.find((r) => r.type === KEY_PREFIX)!;
        const refused = new LabDeleter(records, {
            ...w.deps,
            kv: () => ({
                baseUrl: "http://10.199.0.2:8500",
                put: async () => undefined,
                list: async () => ({}),
                deleteKey: async () => undefined,
                deleteTree: async () => {
                    throw new Error("fetch failed: connect ECONNREFUSED 10.199.0.2:8500");
                },
            }),
        });
        await assert.rejects(refused.delete(record), {
            message: `${KEY_PREFIX} ${record.urn}: failed to delete Consul keys under 'docker-overlay/t/': fetch failed: connect ECONNREFUSED 10.199.0.2:8500`,
        });
        assert.equal(await new LabDeleter(records, w.deps).delete(record), "deleted");
    });

    it("records each resource in the state file as it goes, and deletes in reverse order", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lab-state-"));
        const file = path.join(dir, "t.json");
        const w = world({
            file,
            script: (run) => (run.script === "fail" ? { code: 1, signal: null, stdout: "", stderr: "bad" } : { code: 0, signal: null, stdout: "", stderr: "" }),
        });
        w.applier.noteRegistration({ urn: "urn:a", type: "command:local:Command", name: "a", parent: "urn:stack", provider: "", custom: true, dependsOn: [] });
        await w.applier.newResource({ type: "command:local:Command", name: "a", custom: true, inputs: { create: "ok", delete: "undo-a" } });
        w.applier.noteRegistration({
            urn: "urn:b",
            type: "command:local:Command",
            name: "b",
            parent: "urn:stack",
            provider: "",
            custom: true,
            dependsOn: ["urn:a"],
        });
        await w.applier.newResource({ type: "command:local:Command", name: "b", custom: true, inputs: { create: "ok", delete: "undo-b" } });
        await assert.rejects(w.applier.newResource({ type: "command:local:Command", name: "c", custom: true, inputs: { create: "fail", delete: "undo-c" } }));

        const saved = readState(file)!;
        assert.equal(saved.status, "running");
        assert.deepEqual(
            saved.resources.map((r) => [r.urn, r.status, r.parent, r.dependsOn]),
            [
                ["urn:a", "created", "urn:stack", []],
                ["urn:b", "created", "urn:stack", ["urn:a"]],
                [urnOf("command:local:Command", "c"), "failed", "", []],
            ],
        );
        assert.deepEqual(
            deletionOrder(saved.resources).map((r) => r.name),
            ["c", "b", "a"],
        );

        const deleted: ScriptRun[] = [];
        const deleter = new LabDeleter(saved.resources, { runScript: async (run) => (deleted.push(run), { code: 0, signal: null, stdout: "", stderr: "" }) });
        for (const r of deletionOrder(saved.resources)) {
            assert.equal(await deleter.delete(r), "deleted");
        }
        assert.deepEqual(
            deleted.map((d) => d.script),
            ["undo-c", "undo-b", "undo-a"],
        );
        assert.deepEqual(deleted[1].environment, { PULUMI_COMMAND_STDOUT: "", PULUMI_COMMAND_STDERR: "" });
        fs.rmSync(dir, { recursive: true, force: true });
    });

    it("treats a container or network that is already gone as deleted, on the engine of its provider", async () => {
        const w = world();
        const p = await dockerProvider(w, "n1", "unix:///run/n1/docker.sock");
        await w.applier.newResource({
            type: CONTAINER,
            name: "c1",
            provider: p,
            custom: true,
            inputs: { name: "c1", image: "busybox:latest", networksAdvanced: [{ name: "net1" }] },
        });
        const records = w.recorder.state.resources;
        const deleter = new LabDeleter(records, w.deps);
        const container = records.find((r) => r.type === CONTAINER)!;
        assert.equal(await deleter.delete(container), "deleted");
        assert.equal(await deleter.delete(container), "absent");
        assert.deepEqual(w.engines.get("unix:///run/n1/docker.sock")!.removed, ["ctr-c1", "ctr-c1"]);
    });

    it("fails a delete whose engine does not answer, as the docker provider's ping does, even for a kept image", async () => {
        const w = world();
        const host = "unix:///run/n1/docker.sock";
        const p = await dockerProvider(w, "n1", host);
        await w.applier.newResource({ type: NETWORK, name: "net1", provider: p, custom: true, inputs: { name: "net1", driver: "overlay" } });
        await w.applier.newResource({ type: IMAGE, name: "img", provider: p, custom: true, inputs: { name: "busybox:latest", keepLocally: true } });
        await w.applier.newResource({ type: CONTAINER, name: "c1", provider: p, custom: true, inputs: { name: "c1", image: "busybox:latest" } });
        const records = w.recorder.state.resources;
        const deleter = new LabDeleter(records, w.deps);
        const engine = w.engines.get(host)!;
        engine.down = true;
        const ping = `failed to create Docker client: Error pinging Docker server, please make sure that ${host} is reachable and has a  '_ping' endpoint. Error: connect ENOENT /run/n1/docker.sock`;
        for (const type of [CONTAINER, NETWORK, IMAGE]) {
            const r = records.find((x) => x.type === type)!;
            await assert.rejects(deleter.delete(r), { message: `${type} ${r.urn}: ${ping}` });
        }
        assert.deepEqual(engine.removed, [], "nothing removed through an engine that does not answer");
        engine.down = false;
        // Answering again: the kept image is left alone, the others removed.
        assert.equal(await deleter.delete(records.find((x) => x.type === IMAGE)!), "nothing");
        assert.equal(await deleter.delete(records.find((x) => x.type === CONTAINER)!), "deleted");
    });
});
