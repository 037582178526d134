/**
 * TLS on every engine API, on real engines (tests/lab/stacks/Pulumi.lab-swarm-tls.yaml,
 * bridge dovls2): each namespace host's dockerd also serves tcp://<address>:2376
 * with --tlsverify and a certificate from the CA the program made (the lab
 * performs the @pulumi/tls resources with openssl). The program's docker
 * providers, swarm scripts and connectivity check go through that endpoint
 * with the program's client certificate, and it all comes up; an engine
 * refuses a client without a certificate, or with one from another CA; no
 * private key is in the lab's state file in clear.
 */
import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import "./support/root-hooks";
import { readState } from "../../lab/state";
import { describeRun, DOCKER_BIN, LabStack, run, STACKS, statePathOf, UpJson } from "./support/lab";

describe("lab: TLS on every engine API (swarm mode, netns hosts on tcp:// with --tlsverify)", function () {
    const stack = new LabStack(path.join(STACKS, "Pulumi.lab-swarm-tls.yaml"));
    let up: UpJson;
    let dir: string;
    const MANAGER = "tcp://10.160.2.174:2376";

    before(async function () {
        up = await stack.upOk();
        // The client material the program's providers used, from the lab's state (sealed there).
        const state = readState(statePathOf(stack.info));
        const provider = state?.resources.find((r) => r.type === "pulumi:providers:docker" && r.name === "swarm-manager");
        assert.ok(provider !== undefined);
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "lab-tls-client-"));
        fs.writeFileSync(path.join(dir, "ca.pem"), String(provider.inputs["caMaterial"]));
        fs.writeFileSync(path.join(dir, "cert.pem"), String(provider.inputs["certMaterial"]));
        fs.writeFileSync(path.join(dir, "key.pem"), String(provider.inputs["keyMaterial"]), { mode: 0o600 });
    });

    after(async function () {
        if (dir !== undefined) {
            fs.rmSync(dir, { recursive: true, force: true });
        }
        await stack.teardown();
    });

    const docker = (args: readonly string[]) =>
        run(DOCKER_BIN, ["-H", MANAGER, "--tlsverify", `--tlscacert=${dir}/ca.pem`, `--tlscert=${dir}/cert.pem`, `--tlskey=${dir}/key.pem`, ...args]);

    it("the program's providers point at the TLS endpoints, and everything was created through them", async function () {
        assert.deepEqual(
            (up.exports?.["hosts"] as { dockerHost: string }[]).map((h) => h.dockerHost),
            ["tcp://10.160.2.174:2376", "tcp://10.160.2.50:2376", "tcp://10.160.2.46:2376"],
        );
        for (const name of [
            "pki-ca",
            "pki-client-cert",
            "swarm-node1-tls-cert",
            "swarm-init",
            "swarm-join-swarm-node1",
            "net1-network",
            "c1-container",
            "c2-container",
            "connectivity-ping",
        ]) {
            assert.equal(up.resources.find((r) => r.name === name)?.status, "created", name);
        }
        const r = await docker(["node", "ls", "--format", "{{.Hostname}}"]);
        assert.equal(r.code, 0, describeRun(r));
        assert.deepEqual(r.stdout.trim().split("\n").sort(), ["swarm-manager", "swarm-node1", "swarm-node2"]);
    });

    it("check over TLS: c1 and c2 ping each other by IP and by name", async function () {
        const r = await stack.check();
        assert.equal(r.code, 0, describeRun(r));
        assert.equal(r.json?.passed, 2);
    });

    it("an engine refuses a client without a certificate", async function () {
        const plain = await run(DOCKER_BIN, ["-H", MANAGER, "version", "--format", "{{.Server.Version}}"]);
        assert.notEqual(plain.code, 0);
        assert.match(plain.stderr, /Client sent an HTTP request to an HTTPS server/);
        // TLS without a client certificate: the handshake is refused (TLS 1.2, where the
        // refusal is part of the handshake; with 1.3 it comes as an alert after it).
        const anon = await run("curl", ["-sS", "--tls-max", "1.2", "--max-time", "5", "--cacert", `${dir}/ca.pem`, "https://10.160.2.174:2376/version"]);
        assert.notEqual(anon.code, 0);
        assert.match(anon.stderr, /alert bad certificate/, anon.stderr);
        // With the program's client certificate the same request is answered.
        const ok = await run("curl", [
            "-sS",
            "--max-time",
            "5",
            "--cacert",
            `${dir}/ca.pem`,
            "--cert",
            `${dir}/cert.pem`,
            "--key",
            `${dir}/key.pem`,
            "https://10.160.2.174:2376/version",
        ]);
        assert.equal(ok.code, 0, describeRun(ok));
        assert.equal(JSON.parse(ok.stdout).Version, "20.10.5+dfsg1");
    });

    it("an engine refuses a certificate from another CA", async function () {
        const other = fs.mkdtempSync(path.join(os.tmpdir(), "lab-tls-other-"));
        try {
            const sh = (cmd: string) => run("/bin/sh", ["-c", cmd], { cwd: other });
            assert.equal(
                (
                    await sh(
                        "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout key.pem -out cert.pem -subj /CN=stranger -days 1 2>/dev/null",
                    )
                ).code,
                0,
            );
            const r = await run("curl", [
                "-sS",
                "--tls-max",
                "1.2",
                "--max-time",
                "5",
                "--cacert",
                `${dir}/ca.pem`,
                "--cert",
                `${other}/cert.pem`,
                "--key",
                `${other}/key.pem`,
                "https://10.160.2.174:2376/version",
            ]);
            assert.notEqual(r.code, 0);
            assert.match(r.stderr, /alert bad certificate/, r.stderr);
        } finally {
            fs.rmSync(other, { recursive: true, force: true });
        }
    });

    it("the engine's server certificate names its address, signed by the program's CA", async function () {
        const r = await run("/bin/sh", [
            "-c",
            `openssl s_client -connect 10.160.2.50:2376 -CAfile ${dir}/ca.pem -cert ${dir}/cert.pem -key ${dir}/key.pem -verify_ip 10.160.2.50 -verify_return_error </dev/null 2>&1`,
        ]);
        assert.match(r.stdout, /Verify return code: 0 \(ok\)/, r.stdout.slice(-800));
    });

    it("keeps every private key out of the lab's state file in clear, and out of its output", async function () {
        const text = fs.readFileSync(statePathOf(stack.info), "utf8");
        assert.equal(/PRIVATE KEY/.test(text), false);
        assert.equal(/PRIVATE KEY/.test(stack.upResult?.stdout ?? ""), false);
        assert.ok(text.includes("BEGIN CERTIFICATE"), "certificates are no secret");
        // The engine's own copy is readable by root only.
        assert.equal(fs.statSync(`/var/lib/docker-overlay/${stack.stack}/swarm-node1/tls/key.pem`).mode & 0o777, 0o600);
    });
});
