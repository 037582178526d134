/**
 * lab/prerequisites.ts: what `lab up` needs on this machine, checked before
 * anything is created, with the command that installs each missing piece.
 * The machine is a fake (PrerequisiteProbes), so messages are exact.
 */
import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ClusterConfig } from "../../lib/config/types";
import { loadStackFile } from "../../lib/config/load";
import { normalizeConfig } from "../../lib/config/validate";
import { renderNetnsEngineScripts, renderNetnsFabricScripts, renderNetnsKvScripts } from "../../lib/drivers/netns";
import {
    assertLabPrerequisites,
    assertStackFilePrerequisites,
    labImageRootfs,
    LabPrerequisitesError,
    labPrerequisites,
    PrerequisiteProbes,
    realProbes,
} from "../../lab/prerequisites";

const ROOT = path.resolve(__dirname, "..", "..");
const DEV = path.join(ROOT, "Pulumi.dev.yaml");

function stack(file: string): ClusterConfig {
    const { stack, raw } = loadStackFile(file);
    return normalizeConfig(raw, stack);
}

function fromRaw(raw: Record<string, unknown>, name = "t"): ClusterConfig {
    return normalizeConfig(raw, name);
}

/** Commands a Debian machine has after scripts/lab-deps.sh. */
const AFTER_LAB_DEPS_COMMANDS = [
    "bash",
    "ip",
    "iptables",
    "nsenter",
    "unshare",
    "setsid",
    "pgrep",
    "ps",
    "containerd",
    "runc",
    "curl",
    "java",
    "openssl",
    "ssh",
];
/** Files scripts/lab-deps.sh installs. */
const AFTER_LAB_DEPS_FILES = [
    "/opt/docker-overlay/engine/bin/dockerd",
    "/opt/docker-overlay/engine/bin/docker-proxy",
    "/opt/docker-overlay/engine/bin/docker",
    "/opt/docker-overlay/kv/bin/consul",
    "/opt/docker-overlay/kv/bin/etcd",
    "/opt/docker-overlay/kv/bin/zookeeper-server",
    "/var/lib/docker-overlay/images/busybox-rootfs.tar",
];

function machine(m: { root?: boolean; commands?: string[]; files?: string[]; platform?: string }): PrerequisiteProbes & { asked: string[] } {
    const commands = new Set(m.commands ?? []);
    const files = new Set(m.files ?? []);
    const asked: string[] = [];
    return {
        asked,
        isRoot: () => m.root ?? true,
        which: (c) => {
            asked.push(`which ${c}`);
            return commands.has(c);
        },
        exists: (f) => {
            asked.push(`exists ${f}`);
            return files.has(f);
        },
        platform: m.platform ?? "linux",
    };
}

const LAB_DEPS_DONE = () => machine({ commands: AFTER_LAB_DEPS_COMMANDS, files: AFTER_LAB_DEPS_FILES });

const lines = (config: ClusterConfig, probes: PrerequisiteProbes) => labPrerequisites(config, probes).map((m) => `${m.what}: ${m.why}; fix: ${m.fix}`);

describe("lab prerequisites: netns (the dev stack)", () => {
    it("lists everything a fresh machine lacks, each with the command that installs it", () => {
        let thrown: unknown;
        try {
            assertLabPrerequisites(stack(DEV), machine({ root: false, commands: ["bash", "ps"] }));
        } catch (e) {
            thrown = e;
        }
        assert.ok(thrown instanceof LabPrerequisitesError);
        assert.equal(thrown.stack, "dev");
        assert.equal(thrown.missing.length, 15);
        const message = thrown.message;
        assert.equal(
            message,
            [
                "stack dev needs what this machine lacks (nothing was created):",
                "  - root: the netns driver creates a bridge, network namespaces and daemons; fix: run the lab as root (e.g. sudo npm run lab -- up)",
                "  - command ip: the lab bridge, namespaces and veth pairs; fix: bash scripts/lab-deps.sh",
                "  - command iptables: the lab bridge's FORWARD rules; fix: bash scripts/lab-deps.sh",
                "  - command nsenter: starting each daemon in its namespace; fix: bash scripts/lab-deps.sh",
                "  - command unshare: each daemon's own hostname; fix: bash scripts/lab-deps.sh",
                "  - command setsid: detaching each daemon; fix: bash scripts/lab-deps.sh",
                "  - command pgrep: stopping what runs in a namespace; fix: bash scripts/lab-deps.sh",
                "  - command containerd: each dockerd's managed containerd; fix: bash scripts/lab-deps.sh",
                "  - command runc: the engines' containers; fix: bash scripts/lab-deps.sh",
                "  - /opt/docker-overlay/engine/bin/dockerd: the engines (driver.engineBin; Docker <= 20.10 for cluster-store); fix: bash scripts/lab-deps.sh",
                "  - /opt/docker-overlay/engine/bin/docker-proxy: the engines (driver.engineBin; Docker <= 20.10 for cluster-store); fix: bash scripts/lab-deps.sh",
                "  - /opt/docker-overlay/engine/bin/docker: the engines (driver.engineBin; Docker <= 20.10 for cluster-store); fix: bash scripts/lab-deps.sh",
                "  - /opt/docker-overlay/kv/bin/consul: the consul store (driver.kvBin); fix: bash scripts/lab-deps.sh",
                "  - command curl: the consul store's readiness probe; fix: bash scripts/lab-deps.sh",
                "  - /var/lib/docker-overlay/images/busybox-rootfs.tar: image busybox:latest (driver.images[0].rootfs); fix: bash scripts/lab-deps.sh",
                "To fix it all:",
                "  run the lab as root (e.g. sudo npm run lab -- up)",
                "  bash scripts/lab-deps.sh",
            ].join("\n"),
        );
    });

    it("names iptables alone when it is all that is missing (the bridge is never created first)", () => {
        const probes = machine({ commands: AFTER_LAB_DEPS_COMMANDS.filter((c) => c !== "iptables"), files: AFTER_LAB_DEPS_FILES });
        assert.deepEqual(lines(stack(DEV), probes), ["command iptables: the lab bridge's FORWARD rules; fix: bash scripts/lab-deps.sh"]);
    });

    it("finds nothing missing after scripts/lab-deps.sh, as root", () => {
        assert.deepEqual(labPrerequisites(stack(DEV), LAB_DEPS_DONE()), []);
        assert.doesNotThrow(() => assertLabPrerequisites(stack(DEV), LAB_DEPS_DONE()));
    });

    it("needs Linux", () => {
        assert.deepEqual(lines(stack(DEV), { ...LAB_DEPS_DONE(), platform: "darwin" }), [
            "Linux: the netns driver's hosts are Linux network namespaces; fix: run the lab on a Linux machine",
        ]);
    });

    it("looks for the engine and store in driver.engineBin and driver.kvBin, and says where lab-deps.sh puts them", () => {
        const config = fromRaw({
            driver: { kind: "netns", engineBin: "/srv/engine", kvBin: "/srv/kv" },
            kvStore: { backend: "etcd" },
            hosts: [{ name: "h1" }],
        });
        assert.deepEqual(lines(config, LAB_DEPS_DONE()), [
            "/srv/engine/dockerd: the engines (driver.engineBin; Docker <= 20.10 for cluster-store); fix: bash scripts/lab-deps.sh (installs into /opt/docker-overlay/engine/bin; copy from there into /srv/engine, or drop driver.engineBin)",
            "/srv/engine/docker-proxy: the engines (driver.engineBin; Docker <= 20.10 for cluster-store); fix: bash scripts/lab-deps.sh (installs into /opt/docker-overlay/engine/bin; copy from there into /srv/engine, or drop driver.engineBin)",
            "/srv/engine/docker: the engines (driver.engineBin; Docker <= 20.10 for cluster-store); fix: bash scripts/lab-deps.sh (installs into /opt/docker-overlay/engine/bin; copy from there into /srv/engine, or drop driver.engineBin)",
            "/srv/kv/etcd: the etcd store (driver.kvBin); fix: bash scripts/lab-deps.sh (installs into /opt/docker-overlay/kv/bin; copy from there into /srv/kv, or drop driver.kvBin)",
        ]);
    });

    it("asks for the chosen backend's binary only (etcd: etcd and curl, never consul)", () => {
        const config = fromRaw({ driver: { kind: "netns" }, kvStore: { backend: "etcd" }, hosts: [{ name: "h1" }] });
        const probes = machine({
            commands: AFTER_LAB_DEPS_COMMANDS.filter((c) => c !== "curl"),
            files: AFTER_LAB_DEPS_FILES.filter((f) => !f.endsWith("/etcd")),
        });
        assert.deepEqual(lines(config, probes), [
            "/opt/docker-overlay/kv/bin/etcd: the etcd store (driver.kvBin); fix: bash scripts/lab-deps.sh",
            "command curl: the etcd store's readiness probe; fix: bash scripts/lab-deps.sh",
        ]);
        assert.ok(!probes.asked.includes("exists /opt/docker-overlay/kv/bin/consul"));
    });

    it("runs a zookeeper store with zookeeper-server and java", () => {
        // Validation refuses zookeeper with netns (Docker 20.10's libnetwork crash); the check itself still knows its binaries.
        const base = stack(DEV);
        const config: ClusterConfig = { ...base, kvStore: { ...base.kvStore!, backend: "zookeeper", port: 2181 } };
        const probes = machine({ commands: AFTER_LAB_DEPS_COMMANDS.filter((c) => c !== "java"), files: [] });
        assert.deepEqual(
            lines(config, probes).filter((l) => /kv\/bin|java|curl/.test(l)),
            [
                "/opt/docker-overlay/kv/bin/zookeeper-server: the zookeeper store (driver.kvBin); fix: bash scripts/lab-deps.sh",
                "command java: the zookeeper store; fix: bash scripts/lab-deps.sh",
            ],
        );
    });

    it("asks for no store binary when the store already exists (kvStore.address)", () => {
        const config = fromRaw({ driver: { kind: "netns" }, kvStore: { backend: "consul", address: "consul://10.199.0.250:8500" }, hosts: [{ name: "h1" }] });
        const probes = machine({ commands: AFTER_LAB_DEPS_COMMANDS, files: AFTER_LAB_DEPS_FILES.filter((f) => !f.includes("/kv/")) });
        assert.deepEqual(lines(config, probes), []);
        assert.ok(!probes.asked.some((a) => a.includes("/kv/bin/")));
    });

    it("needs openssl for TLS and for swarm's sealed join token", () => {
        const without = machine({ commands: AFTER_LAB_DEPS_COMMANDS.filter((c) => c !== "openssl"), files: AFTER_LAB_DEPS_FILES });
        assert.deepEqual(lines(stack(DEV), without), []);
        const tls = fromRaw({ driver: { kind: "netns" }, engine: { tls: true }, hosts: [{ name: "h1" }] });
        assert.deepEqual(lines(tls, without), ["command openssl: the TLS certificates; fix: bash scripts/lab-deps.sh"]);
        const swarm = fromRaw({ driver: { kind: "netns" }, engine: { mode: "swarm", tls: true }, hosts: [{ name: "h1", role: "manager" }] });
        assert.deepEqual(lines(swarm, without), ["command openssl: the TLS certificates and sealing swarm's join token; fix: bash scripts/lab-deps.sh"]);
    });

    it("checks every driver.images rootfs and says which script builds it", () => {
        const config = fromRaw({
            driver: {
                kind: "netns",
                images: [
                    { name: "busybox:latest", rootfs: "/var/lib/docker-overlay/images/busybox-rootfs.tar" },
                    { name: "alpine:3", rootfs: "/srv/alpine.tar" },
                ],
            },
            hosts: [{ name: "h1" }],
        });
        assert.deepEqual(lines(config, machine({ commands: AFTER_LAB_DEPS_COMMANDS, files: AFTER_LAB_DEPS_FILES.filter((f) => !f.endsWith(".tar")) })), [
            "/var/lib/docker-overlay/images/busybox-rootfs.tar: image busybox:latest (driver.images[0].rootfs); fix: bash scripts/lab-deps.sh",
            "/srv/alpine.tar: image alpine:3 (driver.images[1].rootfs); fix: no script of this repository builds it: make it (e.g. `docker export` of a container of that image) or change the path",
        ]);
    });

    it("lists only commands the netns driver's scripts really run (besides dockerd's containerd and runc)", () => {
        const c = stack(DEV);
        if (c.driver.kind !== "netns") {
            throw new Error("dev is a netns stack");
        }
        const d = c.driver;
        const machineParams = {
            stack: c.stack,
            name: "h1",
            bridge: d.bridge,
            underlay: d.underlay,
            address: "10.199.0.3",
            stateDir: d.stateDir,
            runDir: d.runDir,
        };
        const text = [
            renderNetnsFabricScripts({ stack: c.stack, bridge: d.bridge, underlay: d.underlay }),
            renderNetnsEngineScripts({ ...machineParams, engineBin: d.engineBin, advertiseInterface: "eth1", daemonFlags: [], images: d.images }),
            renderNetnsKvScripts({ ...machineParams, name: "kv", backend: "consul", port: 8500, kvBin: d.kvBin }),
        ]
            .flatMap((s) => [s.create, s.delete])
            .join("\n");
        const listed = labPrerequisites(c, machine({ root: true, commands: [], files: [] }))
            .filter((m) => m.what.startsWith("command "))
            .map((m) => m.what.slice("command ".length));
        assert.ok(listed.length > 0);
        for (const command of listed.filter((x) => x !== "containerd" && x !== "runc")) {
            assert.match(text, new RegExp(`(^|[\\s"'(/|])${command}\\b`, "m"), `${command} is not run by the netns scripts`);
        }
    });
});

describe("lab prerequisites: dind, ssh, docker-machine", () => {
    const DIND_LAB = path.join(ROOT, "tests", "lab", "stacks", "Pulumi.dind-lab.yaml");
    const SSH_LAB = path.join(ROOT, "tests", "lab", "stacks", "Pulumi.ssh-lab.yaml");

    it("dind on the lab's laptop: the docker CLI, the laptop's engine and the images lab-dind-deps.sh builds", () => {
        assert.deepEqual(lines(stack(DIND_LAB), machine({ commands: ["openssl"] })), [
            'command docker: the connectivity check and swarm scripts run the docker CLI; fix: bash scripts/lab-deps.sh && export PATH="$PATH:/opt/docker-overlay/engine/bin"',
            "/run/docker-overlay/dovld/laptop/docker.sock: the Docker engine that runs the machines (driver.localDockerHost); fix: bash scripts/lab-dind-deps.sh && npm run lab:laptop -- up",
            "/var/lib/docker-overlay/images/dind-20.10.5.rootfs.tar: image docker-overlay/dind:20.10.5 (driver.image), imported into the engine by `npm run lab:laptop -- up`; fix: bash scripts/lab-dind-deps.sh",
            "/var/lib/docker-overlay/images/consul-1.8.7.rootfs.tar: image docker-overlay/consul:1.8.7 (driver.kvImage), imported into the engine by `npm run lab:laptop -- up`; fix: bash scripts/lab-dind-deps.sh",
        ]);
    });

    it("dind needs no root, and openssl for its TLS engine API (on by default)", () => {
        const config = fromRaw({ driver: { kind: "dind" }, hosts: [{ name: "h1" }] });
        assert.deepEqual(lines(config, machine({ root: false, commands: ["docker"], files: ["/var/run/docker.sock"] })), [
            "command openssl: the TLS certificates; fix: bash scripts/lab-deps.sh",
        ]);
        assert.deepEqual(lines(config, machine({ root: false, commands: ["docker", "openssl"], files: [] })), [
            "/var/run/docker.sock: the Docker engine that runs the machines (driver.localDockerHost); fix: start the Docker engine that serves it",
        ]);
    });

    it("dind with a tcp:// engine and registry images checks neither socket nor tarballs", () => {
        const config = fromRaw({ driver: { kind: "dind", localDockerHost: "tcp://127.0.0.1:2375" }, engine: { tls: false }, hosts: [{ name: "h1" }] });
        const probes = machine({ commands: ["docker"] });
        assert.deepEqual(lines(config, probes), []);
        assert.deepEqual(probes.asked, ["which docker"]);
    });

    it("ssh: the system ssh client and the docker CLI", () => {
        assert.deepEqual(lines(stack(SSH_LAB), machine({ root: false })), [
            "command ssh: reaching ssh:// engines (the system ssh client, as the docker provider does) and the underlay probe's logins; fix: bash scripts/lab-deps.sh",
            'command docker: the connectivity check and swarm scripts run the docker CLI; fix: bash scripts/lab-deps.sh && export PATH="$PATH:/opt/docker-overlay/engine/bin"',
        ]);
        assert.deepEqual(lines(stack(SSH_LAB), machine({ root: false, commands: ["ssh", "docker"] })), []);
    });

    it("docker-machine: docker-machine and the docker CLI (its engines' certificates are its own: no openssl)", () => {
        const config = stack(path.join(ROOT, "examples", "Pulumi.docker-machine.yaml"));
        assert.deepEqual(lines(config, machine({ commands: ["docker"] })), [
            "command docker-machine: creating the machines; fix: install docker-machine (no script of this repository does)",
        ]);
    });

    it("knows which images lab-dind-deps.sh builds", () => {
        assert.equal(labImageRootfs("docker-overlay/dind:20.10.5"), "/var/lib/docker-overlay/images/dind-20.10.5.rootfs.tar");
        assert.equal(labImageRootfs("docker-overlay/consul:1.8.7"), "/var/lib/docker-overlay/images/consul-1.8.7.rootfs.tar");
        assert.equal(labImageRootfs("docker:20.10.24-dind"), undefined);
        assert.equal(labImageRootfs("docker-overlay/dind:../../etc"), undefined);
    });
});

describe("lab prerequisites: a stack file", () => {
    let dir: string;
    before(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "docker-overlay-prereq-"));
    });
    after(() => {
        fs.rmSync(dir, { recursive: true, force: true });
    });

    it("checks the stack in the file", () => {
        assert.throws(
            () =>
                assertStackFilePrerequisites(DEV, machine({ commands: AFTER_LAB_DEPS_COMMANDS.filter((c) => c !== "iptables"), files: AFTER_LAB_DEPS_FILES })),
            {
                name: "LabPrerequisitesError",
                message: [
                    "stack dev needs what this machine lacks (nothing was created):",
                    "  - command iptables: the lab bridge's FORWARD rules; fix: bash scripts/lab-deps.sh",
                    "To fix it all:",
                    "  bash scripts/lab-deps.sh",
                ].join("\n"),
            },
        );
        assert.doesNotThrow(() => assertStackFilePrerequisites(DEV, LAB_DEPS_DONE()));
    });

    it("lets an invalid or unreadable stack through: the program reports its problems", () => {
        const bad = path.join(dir, "Pulumi.bad.yaml");
        fs.writeFileSync(bad, "config:\n  docker-overlay:driver: { kind: nope }\n");
        const probes = machine({ root: false });
        assert.doesNotThrow(() => assertStackFilePrerequisites(bad, probes));
        assert.doesNotThrow(() => assertStackFilePrerequisites(path.join(dir, "Pulumi.missing.yaml"), probes));
        assert.deepEqual(probes.asked, []);
    });
});

describe("lab prerequisites: the real probes", () => {
    it("find sh on PATH and not a command that does not exist", () => {
        assert.equal(realProbes.which("sh"), true);
        assert.equal(realProbes.which("docker-overlay-no-such-command"), false);
        assert.equal(realProbes.exists(__filename), true);
        assert.equal(realProbes.exists(path.join(__dirname, "no-such-file")), false);
    });
});

describe("lab up checks the prerequisites first", () => {
    it("refuses on a machine without them, before the program runs and without a state file", async () => {
        const { labUp } = await import("../../lab/stack");
        const { statePath } = await import("../../lab/state");
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "prereq-up-"));
        const stackFile = path.join(dir, "Pulumi.t-prereq-unit.yaml");
        fs.copyFileSync(DEV, stackFile);
        const bare = machine({ root: true, commands: [], files: [] });
        let programRan = false;
        try {
            await assert.rejects(
                labUp(stackFile, { probes: bare, program: path.join(dir, "never.ts"), onEvent: () => (programRan = true), secrets: {} }),
                (err: Error) =>
                    err instanceof LabPrerequisitesError && err.message.includes("command iptables") && err.message.includes("bash scripts/lab-deps.sh"),
            );
            assert.ok(bare.asked.includes("which iptables"), "the real check ran against the fake machine");
            assert.equal(programRan, false);
            assert.equal(fs.existsSync(statePath("t-prereq-unit")), false);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
