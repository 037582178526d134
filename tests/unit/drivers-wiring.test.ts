/**
 * The drivers' wiring under pulumi.runtime.setMocks: which resources each
 * driver registers, with which names, parents, providers and inputs.
 */
import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import type { DriverConfig, HostConfig } from "../../lib/config/types";
import type { EngineOptions } from "../../lib/render/engine";
import type { Fabric, MachineDriver } from "../../components/machines/types";
import { cluster, DIND } from "./fixtures/configs";

interface Registration<I = Record<string, unknown>> {
    type: string;
    name: string;
    inputs: I;
    provider: string;
}

/** The inputs of a command resource whose scripts these tests read. */
type CommandInputs = Record<string, unknown> & { create: string; delete: string };

/** A command:remote:Command's, with its connection (a secret). */
type RemoteCommandInputs = CommandInputs & { connection: { value: Record<string, unknown> } };

const T = {
    provider: "pulumi:providers:docker",
    network: "docker:index/network:Network",
    container: "docker:index/container:Container",
    image: "docker:index/remoteImage:RemoteImage",
    local: "command:local:Command",
    remote: "command:remote:Command",
};

/** Records every registration; command stdout comes from `stdouts` by resource name; invokes are not expected. */
class RecordingMocks implements pulumi.runtime.Mocks {
    registrations: Registration[] = [];
    stdouts: Record<string, string> = {};

    newResource(args: pulumi.runtime.MockResourceArgs): { id: string | undefined; state: Record<string, unknown> } {
        this.registrations.push({ type: args.type, name: args.name, inputs: args.inputs, provider: args.provider ?? "" });
        const state: Record<string, unknown> = { ...args.inputs };
        if (args.type === T.local || args.type === T.remote) {
            state.stdout = this.stdouts[args.name] ?? "";
        }
        return { id: args.custom ? `${args.name}-id` : undefined, state };
    }

    call(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
        throw new Error(`unmocked invoke ${args.token}`);
    }

    /** The one registration of a type and name; `I`: the shape of its inputs a test reads. */
    find<I = Record<string, unknown>>(type: string, name: string): Registration<I> {
        const hits = this.registrations.filter((r) => r.type === type && r.name === name);
        assert.equal(hits.length, 1, `one ${type} named ${name}; have ${this.registrations.map((r) => `${r.type}::${r.name}`).join(", ")}`);
        return hits[0] as Registration<unknown> as Registration<I>;
    }

    under(prefix: string): Registration[] {
        return this.registrations.filter((r) => r.name.startsWith(prefix));
    }
}

function promiseOf<T>(output: pulumi.Output<T>): Promise<T> {
    return new Promise((resolve) => output.apply(resolve));
}

async function settled(resources: pulumi.Resource[]): Promise<string[]> {
    return Promise.all(resources.map((r) => promiseOf(r.urn)));
}

function isSecret(v: unknown): v is { value: unknown } {
    return typeof v === "object" && v !== null && (v as Record<string, unknown>)[pulumi.runtime.specialSigKey] === pulumi.runtime.specialSecretSig;
}

/** The docker provider the dind driver's fabric carries for the local Docker (components/machines/dind.ts). */
function dindProvider(fabric: Fabric): pulumi.ProviderResource {
    return (fabric as Fabric & { dind: { provider: pulumi.ProviderResource } }).dind.provider;
}

/** A provider reference as the monitor passes it: `<provider urn>::<provider id>`. */
async function providerRef(p: pulumi.ProviderResource): Promise<string> {
    return `${await promiseOf(p.urn)}::${await promiseOf(p.id)}`;
}

const PARENT_TYPE = "docker-overlay:test:Parent";

class Parent extends pulumi.ComponentResource {
    constructor(name: string) {
        super(PARENT_TYPE, name, {}, {});
    }
}

function engineOf(h: HostConfig, clusterStore = "consul://172.30.0.2:8500"): EngineOptions {
    return { clusterStore, clusterAdvertise: "eth1:2376", clusterStoreOpts: {}, labels: h.labels };
}

describe("driver wiring (mocked)", function () {
    const mocks = new RecordingMocks();
    let dindDriver: MachineDriver;
    let dockerMachineDriver: MachineDriver;
    let sshDriver: typeof import("../../components/machines/ssh").sshDriver;

    before(async () => {
        await pulumi.runtime.setMocks(mocks, "docker-overlay", "test", false);
        ({ dindDriver } = await import("../../components/machines/dind"));
        ({ dockerMachineDriver } = await import("../../components/machines/dockerMachine"));
        ({ sshDriver } = await import("../../components/machines/ssh"));
    });

    describe("dind", () => {
        it("fabric: a docker provider for the local Docker, the bridge network with subnet and MTU, pinned images kept locally", async () => {
            const parent = new Parent("dind-a");
            const config = cluster(DIND);
            const fabric = dindDriver.createFabric("dind-a-fabric", config, parent);
            const urns = await settled(fabric.resources);

            const provider = mocks.find(T.provider, "dind-a-fabric-local-docker");
            assert.equal(provider.inputs.host, "unix:///var/run/docker.sock");
            const ref = `urn:pulumi:test::docker-overlay::${PARENT_TYPE}$pulumi:providers:docker::dind-a-fabric-local-docker::dind-a-fabric-local-docker-id`;

            const network = mocks.find(T.network, "dind-a-fabric-network");
            assert.deepEqual(network.inputs, {
                name: "docker-overlay",
                driver: "bridge",
                ipamConfigs: [{ subnet: "172.30.0.0/24", gateway: "172.30.0.1" }],
                options: { "com.docker.network.driver.mtu": "1450" },
            });
            assert.equal(network.provider, ref);
            assert.deepEqual(mocks.find(T.image, "dind-a-fabric-engine-image").inputs, { name: "docker:20.10.24-dind", keepLocally: true });
            assert.deepEqual(mocks.find(T.image, "dind-a-fabric-kv-image").inputs, { name: "hashicorp/consul:1.16", keepLocally: true });
            const underFabric = mocks.under("dind-a-fabric");
            assert.deepEqual(
                underFabric.map((r) => r.name).sort(),
                ["dind-a-fabric-kv-image", "dind-a-fabric-local-docker", "dind-a-fabric-engine-image", "dind-a-fabric-network"].sort(),
            );
            assert.ok(
                underFabric.every((r) => r.type === T.provider || r.provider === ref),
                "every docker object on the local provider",
            );
            assert.deepEqual(urns, [
                `urn:pulumi:test::docker-overlay::${PARENT_TYPE}$docker:index/network:Network::dind-a-fabric-network`,
                `urn:pulumi:test::docker-overlay::${PARENT_TYPE}$docker:index/remoteImage:RemoteImage::dind-a-fabric-engine-image`,
                `urn:pulumi:test::docker-overlay::${PARENT_TYPE}$docker:index/remoteImage:RemoteImage::dind-a-fabric-kv-image`,
            ]);
        });

        it("engine machine: a privileged container per host with its own hostname, address, port and the engine's flags", async () => {
            const parent = new Parent("dind-b");
            const config = cluster(DIND);
            const fabric = dindDriver.createFabric("dind-b-fabric", config, parent);
            const node1 = config.hosts[1];
            const machine = dindDriver.createEngineMachine(
                "swarm-node1-engine",
                { config, host: node1, address: "172.30.0.4", engine: pulumi.output(engineOf(node1)), fabric, dependsOn: [] },
                parent,
            );
            const [urn] = await settled(machine.resources);
            assert.equal(urn, `urn:pulumi:test::docker-overlay::${PARENT_TYPE}$docker:index/container:Container::swarm-node1-engine-container`);
            assert.equal(await promiseOf(machine.dockerHost), "tcp://127.0.0.1:2377");
            assert.equal(await promiseOf(machine.address), "172.30.0.4");
            assert.deepEqual(machine.providerArgs, {}, "TLS hook: no client material while TLS is off");

            const c = mocks.find(T.container, "swarm-node1-engine-container");
            assert.equal(c.provider, await providerRef(dindProvider(fabric)));
            assert.equal(c.inputs.name, "docker-overlay-swarm-node1");
            assert.equal(c.inputs.image, "docker:20.10.24-dind");
            assert.equal(c.inputs.hostname, "swarm-node1");
            assert.equal(c.inputs.privileged, true);
            // docker-init as PID 1, so `docker exec` enters the machine's own network namespace (DindContainerSpec.init).
            assert.equal(c.inputs.init, true);
            assert.deepEqual(c.inputs.envs, ["DOCKER_TLS_CERTDIR="]);
            assert.deepEqual(c.inputs.networksAdvanced, [{ name: "docker-overlay", ipv4Address: "172.30.0.4" }]);
            assert.deepEqual(c.inputs.ports, [{ internal: 2376, external: 2377, ip: "127.0.0.1", protocol: "tcp" }]);
            assert.deepEqual(c.inputs.command, ["dockerd", "--host=unix:///var/run/docker.sock", "--host=tcp://0.0.0.0:2376", "--mtu=1400"]);
            // Neither the cluster keys nor labels as flags, nor a daemon.json: the engine starts without its
            // store, and its config command writes the keys (carried in the container's label) into the file.
            assert.equal(c.inputs.uploads, undefined);
            assert.deepEqual(c.inputs.labels, [
                { label: "docker-overlay.cluster-store", value: '{"cluster-store":"consul://172.30.0.2:8500","cluster-advertise":"172.30.0.4:2376"}' },
            ]);
            assert.ok(machine.joined !== undefined, "no config command");
            await settled([machine.joined]);
            const join = mocks.find(T.local, "swarm-node1-engine-config");
            assert.deepEqual(join.inputs.triggers, ["swarm-node1-engine-container-id"]);
            assert.match(
                String(join.inputs.create),
                /^DAEMON_JSON='\{"cluster-store":"consul:\/\/172\.30\.0\.2:8500","cluster-advertise":"172\.30\.0\.4:2376","labels":\["storage=ssd"\]\}'$/m,
            );
            assert.equal(c.inputs.volumes, undefined, "no shared volumes: each engine keeps its own data root and key.json");
            assert.equal(c.inputs.mounts, undefined);
            assert.equal(c.inputs.wait, true);
            assert.equal(c.inputs.restart, "unless-stopped");
        });

        it("engine machine without a planned address takes the driver's own plan", async () => {
            const parent = new Parent("dind-c");
            const config = cluster(DIND);
            const fabric = dindDriver.createFabric("dind-c-fabric", config, parent);
            const manager = config.hosts[0];
            const machine = dindDriver.createEngineMachine(
                "dind-c-manager",
                { config, host: manager, engine: pulumi.output(engineOf(manager)), fabric, dependsOn: [] },
                parent,
            );
            await settled(machine.resources);
            assert.equal(await promiseOf(machine.address), "172.30.0.13");
            assert.deepEqual(mocks.find(T.container, "dind-c-manager-container").inputs.networksAdvanced, [
                { name: "docker-overlay", ipv4Address: "172.30.0.13" },
            ]);
        });

        it("KV machine: the store's container on the fabric, on the local provider", async () => {
            const parent = new Parent("dind-d");
            const config = cluster(DIND);
            const fabric = dindDriver.createFabric("dind-d-fabric", config, parent);
            const kv = dindDriver.createKvMachine("dind-d-kv", { config, name: "kvstore", address: "172.30.0.2", fabric }, parent);
            await settled(kv.resources);
            assert.equal(await promiseOf(kv.address), "172.30.0.2");
            const c = mocks.find(T.container, "dind-d-kv-container");
            assert.equal(c.provider, await providerRef(dindProvider(fabric)));
            assert.equal(c.inputs.name, "docker-overlay-kvstore");
            assert.equal(c.inputs.image, "hashicorp/consul:1.16");
            assert.equal(c.inputs.hostname, "kvstore");
            assert.deepEqual(c.inputs.command, ["agent", "-server", "-bootstrap", "-client", "0.0.0.0", "-ui"]);
            assert.deepEqual(c.inputs.networksAdvanced, [{ name: "docker-overlay", ipv4Address: "172.30.0.2" }]);
            assert.equal(c.inputs.privileged, undefined);
            assert.equal(c.inputs.ports, undefined, "engines reach the store on the fabric; nothing published");
        });

        it("refuses a fabric another driver made", () => {
            const config = cluster(DIND);
            assert.throws(
                () =>
                    dindDriver.createEngineMachine(
                        "x",
                        { config, host: config.hosts[0], engine: pulumi.output(engineOf(config.hosts[0])), fabric: { resources: [] }, dependsOn: [] },
                        new Parent("dind-e"),
                    ),
                new Error("dind driver: the fabric was not made by the dind driver's createFabric"),
            );
        });
    });

    describe("ssh", () => {
        const SSH: DriverConfig = { kind: "ssh", user: "root", port: 22 };
        const sshCluster = () =>
            cluster(SSH, (c) => {
                c.kvStore = { ...c.kvStore!, machine: undefined, address: "consul://192.0.2.10:8500" };
                c.hosts[0].ssh = { address: "192.0.2.11" };
                c.hosts[1].ssh = { address: "192.0.2.12", user: "ops", port: 2222 };
            });

        it("no fabric; a remote command per host with a secret key that installs daemon.json and restores on delete", async () => {
            const parent = new Parent("ssh-a");
            const config = sshCluster();
            const driver = sshDriver({ privateKey: "-----BEGIN OPENSSH PRIVATE KEY-----\nfake\n" });
            const before = mocks.registrations.length;
            const fabric = driver.createFabric("ssh-a-fabric", config, parent);
            assert.deepEqual(fabric.resources, []);
            // Its machines outlive the stack: nothing is deleted with anything, destroy goes through the engines.
            assert.equal(fabric.deletedWith, undefined);

            const node1 = config.hosts[1];
            const machine = driver.createEngineMachine(
                "swarm-node1-engine",
                { config, host: node1, engine: pulumi.output(engineOf(node1, "consul://192.0.2.10:8500")), fabric: { resources: [] }, dependsOn: [] },
                parent,
            );
            const [urn] = await settled(machine.resources);
            assert.equal(urn, `urn:pulumi:test::docker-overlay::${PARENT_TYPE}$command:remote:Command::swarm-node1-engine-daemon`);
            assert.deepEqual(
                mocks.registrations.slice(before).map((r) => `${r.type}::${r.name}`),
                [`${PARENT_TYPE}::ssh-a`, `${T.remote}::swarm-node1-engine-daemon`],
            );

            const cmd = mocks.find<RemoteCommandInputs>(T.remote, "swarm-node1-engine-daemon");
            assert.ok(isSecret(cmd.inputs.connection), "the connection (with the private key) is a secret");
            assert.deepEqual(cmd.inputs.connection.value, {
                host: "192.0.2.12",
                user: "ops",
                port: 2222,
                privateKey: "-----BEGIN OPENSSH PRIVATE KEY-----\nfake\n",
                // @pulumi/command 1.x's connection defaults
                dialErrorLimit: 10,
                perDialTimeout: 15,
            });
            assert.match(
                cmd.inputs.create,
                /\n\{\n {2}"cluster-store": "consul:\/\/192\.0\.2\.10:8500",\n {2}"cluster-advertise": "eth1:2376",\n {2}"labels": \[\n {4}"storage=ssd"\n {2}\]\n\}\nDOCKER_OVERLAY_DAEMON_JSON\n/,
            );
            // The values are in the header; drivers.test.ts runs the scripts against a fake machine.
            assert.match(cmd.inputs.create, /^NAME=swarm-node1\n/m);
            assert.ok(cmd.inputs.create.includes('set_hostname "$NAME"\n'));
            assert.match(
                cmd.inputs.delete,
                /^BACKUP=\/etc\/docker\/daemon\.json\.docker-overlay\.bak\nDAEMON_JSON=|^DAEMON_JSON=\/etc\/docker\/daemon\.json\nBACKUP=\/etc\/docker\/daemon\.json\.docker-overlay\.bak\n/m,
            );
            assert.ok(cmd.inputs.delete.includes('$SUDO mv -f "$BACKUP" "$DAEMON_JSON"\n'));
            assert.equal(await promiseOf(machine.dockerHost), "ssh://ops@192.0.2.12:2222");
            assert.equal(await promiseOf(machine.address), "192.0.2.12");
            assert.deepEqual(machine.providerArgs, {});
        });

        it("uses the driver's default user and port, and pins the host key in the connection when one is given", async () => {
            const parent = new Parent("ssh-b");
            const key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl";
            const base = sshCluster();
            const config = { ...base, hosts: base.hosts.map((h, i) => (i === 0 ? { ...h, ssh: { ...h.ssh!, hostKey: key } } : h)) };
            const driver = sshDriver({ privateKey: pulumi.secret("k") });
            const manager = config.hosts[0];
            const machine = driver.createEngineMachine(
                "ssh-b-manager",
                { config, host: manager, engine: pulumi.output(engineOf(manager)), fabric: { resources: [] }, dependsOn: [] },
                parent,
            );
            await settled(machine.resources);
            assert.equal(machine.resources.length, 1, "no separate host key check: the connection itself refuses another key");
            const cmd = mocks.find<RemoteCommandInputs>(T.remote, "ssh-b-manager-daemon");
            assert.ok(isSecret(cmd.inputs.connection), "the connection (with the pinned key) is a secret");
            assert.deepEqual(cmd.inputs.connection.value, {
                host: "192.0.2.11",
                user: "root",
                port: 22,
                privateKey: "k",
                hostKey: key,
                dialErrorLimit: 10,
                perDialTimeout: 15,
            });
            assert.equal(await promiseOf(machine.dockerHost), "ssh://root@192.0.2.11:22");

            // The ESP probe on the same machine goes through the same pinned connection.
            const probe = driver.createEspProbe!("ssh-b-manager-esp", { config, host: manager, networks: ["secure"], dependsOn: [] }, parent);
            await settled([probe]);
            assert.equal(mocks.find<RemoteCommandInputs>(T.remote, "ssh-b-manager-esp").inputs.connection.value.hostKey, key);
        });

        it("cannot create a KV machine", () => {
            assert.throws(
                () =>
                    sshDriver({ privateKey: "k" }).createKvMachine(
                        "kv",
                        { config: sshCluster(), name: "kvstore", fabric: { resources: [] } },
                        new Parent("ssh-c"),
                    ),
                new Error(
                    'docker-overlay:kvStore.machine: the ssh driver cannot create the KV machine "kvstore"; set docker-overlay:kvStore.address to an existing store (e.g. consul://192.0.2.10:8500) instead',
                ),
            );
        });
    });

    describe("docker-machine", () => {
        const DM: DriverConfig = { kind: "docker-machine", machineDriver: "virtualbox", createFlags: [], swarm: true, swarmImage: "swarm:1.2.9" };

        it("engine machines: create/rm commands with the seed's flags, the manager with --swarm-master, connection read back as JSON", async () => {
            const parent = new Parent("dm-a");
            const config = cluster(DM);
            mocks.stdouts["dm-a-manager-machine"] = "192.168.99.101\n";
            mocks.stdouts["dm-a-manager-connection"] = '{"host":"tcp://192.168.99.101:2376","certPath":"/home/u/.docker/machine/machines/swarm-manager"}\n';
            mocks.stdouts["dm-a-node2-machine"] = "192.168.99.103\n";
            mocks.stdouts["dm-a-node2-connection"] = '{"host":"tcp://192.168.99.103:2376","certPath":"/c/swarm-node2"}\n';
            const kvUrl = "consul://192.168.99.100:8500";
            const [manager, , node2] = config.hosts;
            const m = dockerMachineDriver.createEngineMachine(
                "dm-a-manager",
                { config, host: manager, engine: pulumi.output(engineOf(manager, kvUrl)), fabric: { resources: [] }, dependsOn: [] },
                parent,
            );
            const n = dockerMachineDriver.createEngineMachine(
                "dm-a-node2",
                { config, host: node2, engine: pulumi.output(engineOf(node2, kvUrl)), fabric: { resources: [] }, dependsOn: [] },
                parent,
            );
            const urns = await settled([...m.resources, ...n.resources]);
            assert.equal(urns.length, 4);
            assert.ok(urns.every((u) => u.includes(`::${PARENT_TYPE}$command:local:Command::dm-a-`)));

            const create = mocks.find(T.local, "dm-a-manager-machine").inputs.create as string;
            assert.match(
                create,
                /^set -- docker-machine create -d virtualbox --swarm --swarm-master --swarm-discovery=consul:\/\/192\.168\.99\.100:8500 --swarm-image=swarm:1\.2\.9 swarm-manager$/m,
            );
            // The engine starts without its store: its keys are only held by the script (a store change is a new machine) ...
            assert.match(create, /^CLUSTER_KEYS='\{"cluster-store":"consul:\/\/192\.168\.99\.100:8500","cluster-advertise":"eth1:2376"\}'$/m);
            // ... and given by the config command after the machine (the cluster wires it after every probe: start-order.test.ts).
            assert.ok(m.joined !== undefined, "no config command");
            await settled([m.joined]);
            const join = mocks.find<CommandInputs>(T.local, "dm-a-manager-config");
            assert.match(join.inputs.create, /^DAEMON_JSON='\{"cluster-store":"consul:\/\/192\.168\.99\.100:8500","cluster-advertise":"eth1:2376"\}'$/m);
            assert.match(join.inputs.create, /^NAME=swarm-manager$/m);
            assert.deepEqual(join.inputs.triggers, ["dm-a-manager-machine-id"]);
            assert.match(join.inputs.create, /kill -HUP "\$pid"/);
            // Values in the header, the create argv as the script's positional parameters (drivers.test.ts runs the scripts).
            assert.match(create, /^set -- docker-machine create -d virtualbox /m);
            const del = mocks.find(T.local, "dm-a-manager-machine").inputs.delete as string;
            assert.match(del, /^NAME=swarm-manager$/m);
            assert.equal(del.includes('docker-machine rm -y "$NAME"'), true);
            const nodeCreate = mocks.find(T.local, "dm-a-node2-machine").inputs.create as string;
            assert.match(nodeCreate, / --swarm --swarm-discovery=consul:\/\/192\.168\.99\.100:8500 --swarm-image=swarm:1\.2\.9 swarm-node2$/m);
            assert.doesNotMatch(nodeCreate, /--swarm-master/);

            const conn = mocks.find<CommandInputs>(T.local, "dm-a-manager-connection");
            assert.match(conn.inputs.create, /^NAME=swarm-manager$/m);
            assert.match(conn.inputs.create, /docker-machine url "\$NAME"/);
            assert.deepEqual(conn.inputs.triggers, ["dm-a-manager-machine-id"]);
            assert.equal(await promiseOf(m.dockerHost), "tcp://192.168.99.101:2376");
            assert.equal(await promiseOf(m.providerArgs.certPath as pulumi.Output<string>), "/home/u/.docker/machine/machines/swarm-manager");
            assert.equal(await promiseOf(m.address), "192.168.99.101");
            assert.equal(await promiseOf(n.dockerHost), "tcp://192.168.99.103:2376");
        });

        it("the fabric: one command that runs nothing, standing for the stack's machines; what lives on them is deleted with it", async () => {
            const parent = new Parent("dm-f");
            const fabric = dockerMachineDriver.createFabric("dm-f-fabric", cluster(DM), parent);
            const [urn] = await settled(fabric.resources);
            assert.equal(urn, `urn:pulumi:test::docker-overlay::${PARENT_TYPE}$command:local:Command::dm-f-fabric-machines`);
            assert.equal(fabric.resources.length, 1);
            assert.equal(fabric.deletedWith, fabric.resources[0]);
            // No create, no delete: a destroy deletes it without running anything, after the machines' `docker-machine rm`.
            assert.deepEqual(mocks.find(T.local, "dm-f-fabric-machines").inputs, {});
        });

        it("KV machine: one command creating the machine and the store, its IP the store's address", async () => {
            const parent = new Parent("dm-b");
            const config = cluster(DM, (c) => (c.kvStore = { ...c.kvStore!, machine: "consul" }));
            mocks.stdouts["dm-b-kv-machine"] = "192.168.99.100\n";
            const kv = dockerMachineDriver.createKvMachine("dm-b-kv", { config, name: "consul", fabric: { resources: [] } }, parent);
            await settled(kv.resources);
            const cmd = mocks.find<CommandInputs>(T.local, "dm-b-kv-machine");
            assert.match(cmd.inputs.create, /^set -- docker-machine create -d virtualbox consul$/m);
            assert.match(
                cmd.inputs.create,
                /docker run -d --name=consul -p 8500:8500 -h consul --restart always hashicorp\/consul:1\.16 agent -server -bootstrap -client 0\.0\.0\.0 -ui/,
            );
            assert.match(cmd.inputs.delete, /^NAME=consul$/m);
            assert.match(cmd.inputs.delete, /docker-machine rm -y "\$NAME"/);
            assert.equal(await promiseOf(kv.address), "192.168.99.100");
        });
    });
});
