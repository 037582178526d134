/**
 * The lab's `command:remote:Command` support, docker over ssh://, and secrets
 * in the lab's state: fake ssh runners, no network (the only "connection" is
 * to a documentation address, which the lab must refuse before sending).
 */
import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ParsedKey, utils } from "ssh2";
import { ApplierDeps, LabApplier, LabDeleter } from "../../lab/applier";
import { dockerodeOptions } from "../../lab/clients/docker";
import { NotLabLocalError } from "../../lab/net";
import { connectConfig, RemoteDialError, RemoteResult, RemoteRun, runRemote } from "../../lab/clients/ssh";
import { remoteCommandProblems } from "../../lab/resources/remoteCommand";
import { openKeys, revealInputs, sealKeys, secretBox } from "../../lab/secrets";
import { SECRET_SIG, SIG_KEY } from "../../runner/wire";
import { dialStdioArgs, parseSshDockerHost, sshFailureCode } from "../../lab/clients/sshDial";
import { readState, StateRecorder } from "../../lab/state";
import { secretsFromEnvironment } from "../../lab/secrets";

const STACK = "t";
const TYPE = "command:remote:Command";
const urnOf = (name: string) => `urn:pulumi:${STACK}::docker-overlay::${TYPE}::${name}`;
const KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n";
const wireSecret = (value: unknown) => ({ [SIG_KEY]: SECRET_SIG, value });

function world(opts: { file?: string; remote?: (run: RemoteRun) => RemoteResult | Promise<RemoteResult> } = {}) {
    const runs: RemoteRun[] = [];
    let n = 0;
    const deps: Partial<ApplierDeps> = {
        runRemote: async (run) => {
            runs.push(run);
            return (await opts.remote?.(run)) ?? { code: 0, signal: null, stdout: "configured\n", stderr: "docker-overlay: n1 runs Docker Engine 20.10.5\n" };
        },
        now: () => new Date(Date.UTC(2024, 0, 1)),
        newId: () => `id-${++n}`,
    };
    const recorder = new StateRecorder(opts.file, { stack: STACK, stackFile: "/x/Pulumi.t.yaml", program: "/x/index.ts" }, deps.now);
    return { applier: new LabApplier({ mode: "up", stack: STACK, recorder, deps }), recorder, runs, deps };
}

const connection = { host: "10.150.22.11", port: 22, user: "root", privateKey: KEY };

describe("lab: command:remote:Command", () => {
    it("runs create over ssh with the connection, command, environment and stdin as given, and reports trimmed output", async () => {
        const w = world();
        const r = await w.applier.newResource({
            type: TYPE,
            name: "n1-daemon",
            custom: true,
            // The runtime hands secrets wrapped; the whole connection is secret because its privateKey is.
            inputs: { connection: wireSecret(connection), create: "install", delete: "restore", environment: { A: "1" }, stdin: "in" },
        });
        assert.deepEqual(w.runs, [{ connection, command: "install", environment: { A: "1" }, stdin: "in" }]);
        assert.equal(r.state["stdout"], "configured");
        assert.equal(r.state["stderr"], "docker-overlay: n1 runs Docker Engine 20.10.5");
        assert.deepEqual(w.recorder.find(urnOf("n1-daemon"))!.secrets, ["connection"]);
    });

    it("fails with the URN, the host and the end of stderr when the remote command fails", async () => {
        const w = world({
            remote: () => ({ code: 1, signal: null, stdout: "", stderr: "docker-overlay: n1 runs Docker Engine 24.0.7: cluster-store was removed in 23.0\n" }),
        });
        await assert.rejects(w.applier.newResource({ type: TYPE, name: "n1-daemon", custom: true, inputs: { connection, create: "install" } }), {
            message: `${TYPE} ${urnOf("n1-daemon")}: create on 10.150.22.11 exited with code 1\n--- stderr (end) ---\ndocker-overlay: n1 runs Docker Engine 24.0.7: cluster-store was removed in 23.0`,
        });
    });

    it("refuses inputs and connection fields it does not translate, and a connection without host or credentials", async () => {
        assert.deepEqual(remoteCommandProblems({ connection, create: "x", interpreter: ["/bin/bash"] }), [
            'the lab applier does not support input(s) "interpreter"',
        ]);
        assert.deepEqual(remoteCommandProblems({ connection: { ...connection, proxy: { host: "j" } } }), [
            'the lab applier does not support connection field(s) "proxy"',
        ]);
        assert.deepEqual(remoteCommandProblems({ connection: { user: "root" } }), [
            "connection.host is not set",
            "connection has neither privateKey nor password",
        ]);
        assert.deepEqual(remoteCommandProblems({ create: "x" }), ['input "connection" is not set']);
        const w = world();
        await assert.rejects(w.applier.newResource({ type: TYPE, name: "x", custom: true, inputs: { connection, create: "x", dir: "/tmp" } }), {
            message: `${TYPE} ${urnOf("x")}: the lab applier does not support input(s) "dir"`,
        });
        assert.deepEqual(w.runs, []);
    });

    it("accepts any host key and defaults port 22 and user root, as the provider's connection does", () => {
        const c = connectConfig({ host: "10.150.22.11", privateKey: KEY }, 5000);
        assert.equal(c.port, 22);
        assert.equal(c.username, "root");
        assert.equal(c.privateKey, KEY);
        assert.equal((c.hostVerifier as (k: Buffer) => boolean)(Buffer.from("any")), true);
    });

    it("with connection.hostKey, offers only that key's algorithm and accepts only that key, as the provider's FixedHostKey", () => {
        const pinned = utils.parseKey(utils.generateKeyPairSync("ed25519").public) as ParsedKey;
        const other = utils.parseKey(utils.generateKeyPairSync("ed25519").public) as ParsedKey;
        const hostKey = `ssh-ed25519 ${pinned.getPublicSSH().toString("base64")} root@n1`;
        const c = connectConfig({ host: "10.150.22.11", privateKey: KEY, hostKey }, 5000);
        assert.deepEqual(c.algorithms, { serverHostKey: ["ssh-ed25519"] });
        const verify = c.hostVerifier as (k: Buffer) => boolean;
        assert.equal(verify(pinned.getPublicSSH()), true);
        assert.equal(verify(other.getPublicSSH()), false);
        const rsa = utils.parseKey(utils.generateKeyPairSync("rsa", { bits: 2048 }).public) as ParsedKey;
        const withRsa = connectConfig({ host: "10.150.22.11", privateKey: KEY, hostKey: `ssh-rsa ${rsa.getPublicSSH().toString("base64")}` }, 5000);
        assert.deepEqual(withRsa.algorithms, { serverHostKey: ["rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"] });
        assert.deepEqual(remoteCommandProblems({ connection: { ...connection, hostKey: "ssh-ed25519 AAAA" } }), [
            "connection.hostKey is not an OpenSSH public key (Malformed OpenSSH public key)",
        ]);
        assert.throws(() => connectConfig({ host: "10.150.22.11", privateKey: KEY, hostKey: "ssh-ed25519 AAAA" }, 5000), {
            message: "connection.hostKey is not an OpenSSH public key (Malformed OpenSSH public key)",
        });
    });

    it("a create refused at the ssh dial ran nothing: its record says so and down does not try the machine again", async () => {
        const mismatch =
            "host key mismatch: the machine presented ssh-ed25519 SHA256:aaa, not the pinned connection.hostKey ssh-ed25519 SHA256:bbb; refusing to run anything there";
        const w = world({
            remote: () => {
                throw new RemoteDialError("root@10.150.22.11:22", "EHOSTKEY", mismatch);
            },
        });
        const inputs = { connection, create: "install", delete: "restore" };
        await assert.rejects(w.applier.newResource({ type: TYPE, name: "n1-daemon", custom: true, inputs }), {
            message: `${TYPE} ${urnOf("n1-daemon")}: create: ssh root@10.150.22.11:22: ${mismatch}`,
        });
        const [record] = w.recorder.state.resources;
        assert.equal(record.status, "failed");
        assert.equal(record.nothingPerformed, true);
        const runs: RemoteRun[] = [];
        const deleter = new LabDeleter([record], { runRemote: async (run) => (runs.push(run), { code: 0, signal: null, stdout: "", stderr: "" }) });
        assert.equal(await deleter.delete(record), "absent");
        assert.deepEqual(runs, [], "down dialled a machine where nothing ran");

        // A create that ran and failed may have changed the machine: its delete still runs.
        const ran = world({ remote: () => ({ code: 1, signal: null, stdout: "", stderr: "half done" }) });
        await assert.rejects(ran.applier.newResource({ type: TYPE, name: "n2-daemon", custom: true, inputs }));
        const [ranRecord] = ran.recorder.state.resources;
        assert.equal(ranRecord.nothingPerformed, undefined);
        assert.equal(await deleter.delete(ranRecord), "deleted");
        assert.equal(runs.length, 1);
    });

    it("refuses a host that is not one of the lab's own machines, before sending anything", async () => {
        await assert.rejects(
            runRemote({ connection: { host: "192.0.2.10", privateKey: KEY }, command: "true" }),
            (err: Error) => err instanceof NotLabLocalError,
        );
        await assert.rejects(
            runRemote({ connection: { host: "example.com", privateKey: KEY }, command: "true" }),
            (err: Error) => err instanceof NotLabLocalError,
        );
    });

    it("runs delete with the create step's output in PULUMI_COMMAND_STDOUT/STDERR; a machine that does not answer fails it, as the provider's dial does", async () => {
        const record = {
            urn: urnOf("n1-daemon"),
            type: TYPE,
            name: "n1-daemon",
            parent: "",
            custom: true,
            provider: "",
            dependsOn: [],
            inputs: { connection, create: "install", delete: "restore" },
            outputs: { connection, create: "install", delete: "restore", stdout: "", stderr: "installed" },
            status: "created" as const,
            startedAt: "",
        };
        const runs: RemoteRun[] = [];
        const ok = new LabDeleter([record], { runRemote: async (run) => (runs.push(run), { code: 0, signal: null, stdout: "", stderr: "" }) });
        assert.equal(await ok.delete(record), "deleted");
        assert.deepEqual(runs, [{ connection, command: "restore", environment: { PULUMI_COMMAND_STDERR: "installed" }, stdin: undefined }]);

        const gone = new LabDeleter([record], {
            runRemote: async () => {
                throw new RemoteDialError("root@10.150.22.11:22", "ECONNREFUSED", "connect ECONNREFUSED 10.150.22.11:22 (after 10 attempts)");
            },
        });
        await assert.rejects(gone.delete(record), {
            message: `${TYPE} ${urnOf("n1-daemon")}: delete: ssh root@10.150.22.11:22: connect ECONNREFUSED 10.150.22.11:22 (after 10 attempts)`,
        });
        const denied = new LabDeleter([record], {
            runRemote: async () => {
                throw new RemoteDialError("root@10.150.22.11:22", undefined, "All configured authentication methods failed");
            },
        });
        await assert.rejects(denied.delete(record), {
            message: `${TYPE} ${urnOf("n1-daemon")}: delete: ssh root@10.150.22.11:22: All configured authentication methods failed`,
        });
        const failing = new LabDeleter([record], { runRemote: async () => ({ code: 1, signal: null, stdout: "", stderr: "service docker restart failed" }) });
        await assert.rejects(failing.delete(record), {
            message: `${TYPE} ${urnOf("n1-daemon")}: delete on 10.150.22.11 exited with code 1\n--- stderr (end) ---\nservice docker restart failed`,
        });
        assert.equal(await new LabDeleter([]).delete({ ...record, inputs: { connection, create: "install" } }), "nothing");
    });
});

describe("lab: docker over ssh://", () => {
    it("runs the system ssh with the docker CLI's connection-helper arguments", () => {
        assert.deepEqual(parseSshDockerHost("ssh://root@10.150.22.11:22"), { user: "root", host: "10.150.22.11", port: 22 });
        assert.deepEqual(parseSshDockerHost("ssh://10.150.22.11"), { user: "", host: "10.150.22.11", port: 22 });
        assert.deepEqual(dialStdioArgs({ user: "root", host: "10.150.22.11", port: 2222 }), [
            "-o",
            "ConnectTimeout=30",
            "-T",
            "-l",
            "root",
            "-p",
            "2222",
            "--",
            "10.150.22.11",
            "docker",
            "system",
            "dial-stdio",
        ]);
        assert.deepEqual(dialStdioArgs(parseSshDockerHost("ssh://u@[fd00::5]:22/run/user/1000/docker.sock")), [
            "-o",
            "ConnectTimeout=30",
            "-T",
            "-l",
            "u",
            "-p",
            "22",
            "--",
            "fd00::5",
            "docker",
            "--host",
            "unix:///run/user/1000/docker.sock",
            "system",
            "dial-stdio",
        ]);
        assert.throws(() => parseSshDockerHost("ssh://u:pw@10.150.22.11"), /password in an ssh:\/\/ docker host is not supported/);
        assert.equal(sshFailureCode("ssh: connect to host 10.150.22.11 port 22: Connection refused"), "ECONNREFUSED");
        assert.equal(sshFailureCode("Host key verification failed."), undefined);
    });

    it("refuses an ssh:// engine that is not one of the lab's machines", () => {
        assert.throws(
            () => dockerodeOptions({ host: "ssh://root@192.0.2.10:22" }),
            (err: Error) => err instanceof NotLabLocalError,
        );
        assert.throws(() => dockerodeOptions({ host: "npipe:////./pipe/docker_engine" }), /speaks unix:\/\/, tcp:\/\/ and ssh:\/\/ only/);
    });
});

describe("lab: secrets in the state file", () => {
    it("reads the program's secret config from the files the environment names", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lab-secret-env-"));
        try {
            const keyFile = path.join(dir, "id_ed25519");
            fs.writeFileSync(keyFile, KEY);
            assert.deepEqual(secretsFromEnvironment({ DOCKER_OVERLAY_SSH_PRIVATE_KEY_FILE: keyFile }), { sshPrivateKey: KEY });
            assert.deepEqual(secretsFromEnvironment({}), {});
            assert.throws(() => secretsFromEnvironment({ DOCKER_OVERLAY_SSH_PRIVATE_KEY_FILE: path.join(dir, "nope") }), {
                message: `DOCKER_OVERLAY_SSH_PRIVATE_KEY_FILE=${path.join(dir, "nope")}: cannot read it (ENOENT); it holds docker-overlay:sshPrivateKey`,
            });
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("reveals wire secrets at any depth and names the top-level inputs that held one", () => {
        const { inputs, secretKeys } = revealInputs({ connection: wireSecret({ host: "h", privateKey: KEY }), create: "x", env: { A: wireSecret("s") } });
        assert.deepEqual(inputs, { connection: { host: "h", privateKey: KEY }, create: "x", env: { A: "s" } });
        assert.deepEqual(secretKeys, ["connection", "env"]);
    });

    it("seals and opens values; a different key cannot open them", () => {
        const box = secretBox(Buffer.alloc(32, 7));
        const sealed = sealKeys({ connection: { privateKey: KEY }, create: "x" }, ["connection"], box);
        assert.equal(sealed["create"], "x");
        assert.ok(!JSON.stringify(sealed).includes("PRIVATE KEY"));
        assert.deepEqual(openKeys(sealed, box), { connection: { privateKey: KEY }, create: "x" });
        assert.throws(() => openKeys(sealed, secretBox(Buffer.alloc(32, 8))), /cannot decrypt a secret in the state file/);
    });

    it("writes secret inputs and outputs sealed (key file 0600 beside it) and reads them back in clear", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lab-secrets-"));
        try {
            const file = path.join(dir, "t.json");
            const w = world({ file });
            await w.applier.newResource({
                type: TYPE,
                name: "n1-daemon",
                custom: true,
                inputs: { connection: wireSecret(connection), create: "install", delete: "restore" },
            });
            const text = fs.readFileSync(file, "utf8");
            assert.ok(!text.includes("PRIVATE KEY"));
            assert.equal(fs.statSync(path.join(dir, ".secrets.key")).mode & 0o777, 0o600);
            const saved = readState(file)!;
            assert.deepEqual(saved.resources[0].inputs["connection"], connection);
            assert.deepEqual(saved.resources[0].outputs!["connection"], connection);
            assert.equal(saved.resources[0].inputs["create"], "install");
            fs.rmSync(path.join(dir, ".secrets.key"));
            assert.throws(() => readState(file), /holds secrets, but their key .*\.secrets\.key is gone/);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
