/**
 * TLS on every engine API that leaves a unix socket, as wired by the program
 * (update mocks, so secrets show as "[secret]"): a CA, per-host server
 * certificates for the names clients dial, one client certificate; engines
 * with --tlsverify; providers and scripts with the client material; private
 * keys secret everywhere and never in a script's text. Also the ssh driver's
 * TLS install script run against a scratch machine with a fake systemd.
 */
import * as assert from "node:assert/strict";
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { loadStackFile } from "../../lib/config/load";
import { renderSshDaemonJson, renderSshInstallScript, renderSshRestoreScript, sshTls } from "../../lib/drivers/ssh";
import { shQuote } from "../../lib/render/shell";
import { ProgramRun, Registration } from "../../runner/program";
import { applied } from "./appliedMocks";
import { devWith, find, netnsDaemonJsonOf, ofType, T } from "./helpers";

const ROOT = path.resolve(__dirname, "..", "..");
const KEY = "tls:index/privateKey:PrivateKey";
const SELF_SIGNED = "tls:index/selfSignedCert:SelfSignedCert";
const CSR = "tls:index/certRequest:CertRequest";
const SIGNED = "tls:index/locallySignedCert:LocallySignedCert";

/** Every input of every registration, as text: no private key may appear in clear anywhere. */
function noKeyInClear(run: ProgramRun): void {
    // The check means something only where the program made private keys.
    assert.ok(ofType(run, KEY).length > 0, "the run makes no private key: nothing to look for");
    for (const r of run.registrations) {
        const text = JSON.stringify(r.inputs);
        assert.ok(!text.includes("FAKE PRIVATE KEY"), `${r.type} ${r.name} carries a private key in clear`);
    }
}

describe("TLS: netns hosts with engine.tls (dev stack)", () => {
    let run: ProgramRun;
    before(async () => {
        run = await applied(devWith((raw) => (raw.engine = { ...raw.engine, tls: true })));
    });

    it("makes one CA and one client certificate (ECDSA P-256), the keys secret", () => {
        assert.deepEqual(
            ofType(run, KEY).map((k) => [k.name, k.inputs]),
            [
                ["pki-ca-key", { algorithm: "ECDSA", ecdsaCurve: "P256" }],
                ["pki-client-key", { algorithm: "ECDSA", ecdsaCurve: "P256" }],
                ["swarm-manager-tls-key", { algorithm: "ECDSA", ecdsaCurve: "P256" }],
                ["swarm-node1-tls-key", { algorithm: "ECDSA", ecdsaCurve: "P256" }],
                ["swarm-node2-tls-key", { algorithm: "ECDSA", ecdsaCurve: "P256" }],
            ],
        );
        assert.deepEqual(find(run, SELF_SIGNED, "pki-ca").inputs, {
            allowedUses: ["cert_signing", "crl_signing", "digital_signature"],
            isCaCertificate: true,
            privateKeyPem: "[secret]",
            subject: { commonName: "docker-overlay dev CA", organization: "docker-overlay" },
            validityPeriodHours: 87600,
        });
        assert.deepEqual(find(run, SIGNED, "pki-client-cert").inputs, {
            allowedUses: ["client_auth", "digital_signature", "key_encipherment"],
            caCertPem: "FAKE CERTIFICATE pki-ca",
            caPrivateKeyPem: "[secret]",
            certRequestPem: "FAKE REQUEST pki-client-csr",
            earlyRenewalHours: 720,
            validityPeriodHours: 8760,
        });
        assert.equal(find(run, "docker-overlay:tls:ClusterPki", "pki").parent, find(run, T.cluster, "cluster").urn);
    });

    it("gives each engine a server certificate for its underlay address, under its host", () => {
        const csr = find(run, CSR, "swarm-node1-tls-csr");
        assert.deepEqual(csr.inputs, {
            dnsNames: ["swarm-node1"],
            ipAddresses: ["10.199.0.194"],
            privateKeyPem: "[secret]",
            subject: { commonName: "swarm-node1", organization: "docker-overlay dev" },
        });
        assert.equal(csr.parent, find(run, T.host, "swarm-node1").urn);
        assert.deepEqual(find(run, SIGNED, "swarm-node1-tls-cert").inputs["allowedUses"], ["server_auth", "digital_signature", "key_encipherment"]);
    });

    it("starts dockerd with --tlsverify on tcp://<address>:2376 besides its socket, the material through the environment", () => {
        const engine = find(run, T.command, "swarm-node1-engine");
        assert.deepEqual(engine.inputs["environment"], {
            DOCKER_OVERLAY_SERVER_CA: "FAKE CERTIFICATE pki-ca",
            DOCKER_OVERLAY_SERVER_CERT: "FAKE CERTIFICATE swarm-node1-tls-cert",
            DOCKER_OVERLAY_SERVER_KEY: "[secret]",
        });
        const create = String(engine.inputs["create"]);
        for (const flag of [
            "--host=unix:///run/docker-overlay/dev/swarm-node1/docker.sock",
            "--host=tcp://10.199.0.194:2376",
            "--tlsverify",
            "--tlscacert=/var/lib/docker-overlay/dev/swarm-node1/tls/ca.pem",
            "--tlscert=/var/lib/docker-overlay/dev/swarm-node1/tls/cert.pem",
            "--tlskey=/var/lib/docker-overlay/dev/swarm-node1/tls/key.pem",
        ]) {
            assert.ok(create.includes(flag), flag);
        }
        // write_tls (lib/drivers/sh/netns/create-begin.sh; run in netns.test.ts) writes $DOCKER_OVERLAY_SERVER_KEY to <dir>/key.pem.
        assert.ok(
            create.includes(
                "\nwrite_tls /var/lib/docker-overlay/dev/swarm-node1/tls DOCKER_OVERLAY_SERVER_CA DOCKER_OVERLAY_SERVER_CERT DOCKER_OVERLAY_SERVER_KEY ",
            ),
        );
    });

    it("points each docker provider at the TLS endpoint with the client material, the key secret", () => {
        assert.deepEqual(
            ofType(run, T.dockerProvider).map((p) => [p.name, p.inputs]),
            ["swarm-manager", "swarm-node1", "swarm-node2"].map((h, i) => [
                h,
                {
                    caMaterial: "FAKE CERTIFICATE pki-ca",
                    certMaterial: "FAKE CERTIFICATE pki-client-cert",
                    host: `tcp://10.199.0.${[13, 194, 71][i]}:2376`,
                    keyMaterial: "[secret]",
                },
            ]),
        );
    });

    it("gives the connectivity check the client material in its environment, and never a key in any text", () => {
        const check = find(run, T.command, "connectivity-ping");
        assert.deepEqual(check.inputs["environment"], {
            DOCKER_OVERLAY_CLIENT_CA: "FAKE CERTIFICATE pki-ca",
            DOCKER_OVERLAY_CLIENT_CERT: "FAKE CERTIFICATE pki-client-cert",
            DOCKER_OVERLAY_CLIENT_KEY: "[secret]",
        });
        assert.ok(String(check.inputs["create"]).includes("\nc c1 tcp://10.199.0.71:2376 net1\n"));
        noKeyInClear(run);
    });

    it("without engine.tls (the netns default) there is no PKI and providers use the unix sockets", async () => {
        const plain = await applied(devWith(() => undefined));
        assert.deepEqual(ofType(plain, KEY), []);
        assert.deepEqual(find(plain, T.dockerProvider, "swarm-node1").inputs, { host: "unix:///run/docker-overlay/dev/swarm-node1/docker.sock" });
        assert.equal(find(plain, T.command, "swarm-node1-engine").inputs["environment"], undefined);
    });
});

describe("TLS: the KV store with kvStore.tls (dev stack, consul)", () => {
    let run: ProgramRun;
    before(async () => {
        run = await applied(devWith((raw) => (raw.kvStore = { ...raw.kvStore, tls: true })));
    });

    it("makes the store a CA of its own (not the engines'), a server certificate for its address and one client certificate", () => {
        assert.deepEqual(
            ofType(run, KEY).map((k) => k.name),
            ["kv-pki-ca-key", "kv-pki-client-key", "kvstore-tls-key"],
            "no engine PKI without engine.tls",
        );
        assert.deepEqual(find(run, SELF_SIGNED, "kv-pki-ca").inputs["subject"], { commonName: "docker-overlay dev kv CA", organization: "docker-overlay" });
        assert.deepEqual(find(run, CSR, "kv-pki-client-csr").inputs["subject"], { commonName: "docker-overlay dev kv client", organization: "docker-overlay" });
        const csr = find(run, CSR, "kvstore-tls-csr");
        assert.deepEqual(csr.inputs, {
            dnsNames: ["kvstore"],
            ipAddresses: ["10.199.0.2"],
            privateKeyPem: "[secret]",
            subject: { commonName: "kvstore", organization: "docker-overlay dev" },
        });
        assert.equal(csr.parent, find(run, T.kv, "kvstore").urn);
        // The store owns its CA: it exists only because the store does.
        assert.equal(find(run, "docker-overlay:tls:ClusterPki", "kv-pki").parent, find(run, T.kv, "kvstore").urn);
        // The store's own readiness probe presents it as a client too.
        assert.deepEqual(find(run, SIGNED, "kvstore-tls-cert").inputs["allowedUses"], ["server_auth", "digital_signature", "key_encipherment", "client_auth"]);
        assert.equal(find(run, SIGNED, "kvstore-tls-cert").inputs["caCertPem"], "FAKE CERTIFICATE kv-pki-ca");
    });

    it("gives the KV machine its server material and the engines their client material through the environment, the keys secret", () => {
        const kv = find(run, T.command, "kvstore-machine");
        assert.deepEqual(kv.inputs["environment"], {
            DOCKER_OVERLAY_SERVER_CA: "FAKE CERTIFICATE kv-pki-ca",
            DOCKER_OVERLAY_SERVER_CERT: "FAKE CERTIFICATE kvstore-tls-cert",
            DOCKER_OVERLAY_SERVER_KEY: "[secret]",
        });
        assert.ok(String(kv.inputs["create"]).includes("'-hcl=ports { http = -1, https = 8501 }'"));
        for (const host of ["swarm-manager", "swarm-node1", "swarm-node2"]) {
            const engine = find(run, T.command, `${host}-engine`);
            assert.deepEqual(engine.inputs["environment"], {
                DOCKER_OVERLAY_KV_CA: "FAKE CERTIFICATE kv-pki-ca",
                DOCKER_OVERLAY_KV_CERT: "FAKE CERTIFICATE kv-pki-client-cert",
                DOCKER_OVERLAY_KV_KEY: "[secret]",
            });
            // The machine writes the files; its config command names them when it joins the store.
            const join = find(run, T.command, `${host}-engine-config`);
            const file = netnsDaemonJsonOf(String(join.inputs["create"]));
            assert.equal(file["cluster-store"], "consul://10.199.0.2:8501", host);
            assert.deepEqual(file["cluster-store-opts"], {
                "kv.cacertfile": `/var/lib/docker-overlay/dev/${host}/kv-tls/ca.pem`,
                "kv.certfile": `/var/lib/docker-overlay/dev/${host}/kv-tls/cert.pem`,
                "kv.keyfile": `/var/lib/docker-overlay/dev/${host}/kv-tls/key.pem`,
            });
            assert.ok(join.dependsOn.includes(kv.urn), `${host} does not wait for the store`);
        }
        noKeyInClear(run);
    });

    it("points the consul provider at HTTPS with the client certificate, the key secret", () => {
        assert.deepEqual(find(run, T.consulProvider, "cluster-record-consul").inputs, {
            address: "10.199.0.2:8501",
            caPem: "FAKE CERTIFICATE kv-pki-ca",
            certPem: "FAKE CERTIFICATE kv-pki-client-cert",
            keyPem: "[secret]",
            scheme: "https",
        });
        // The docker providers stay on the engines' unix sockets: the store's certificate opens nothing else.
        assert.deepEqual(find(run, T.dockerProvider, "swarm-node1").inputs, { host: "unix:///run/docker-overlay/dev/swarm-node1/docker.sock" });
    });

    it("with engine.tls too, the two CAs stay apart", async () => {
        const both = await applied(devWith((raw) => ((raw.kvStore = { ...raw.kvStore, tls: true }), (raw.engine = { ...raw.engine, tls: true }))));
        assert.equal(find(both, SIGNED, "swarm-node1-tls-cert").inputs["caCertPem"], "FAKE CERTIFICATE pki-ca");
        assert.equal(find(both, SIGNED, "kvstore-tls-cert").inputs["caCertPem"], "FAKE CERTIFICATE kv-pki-ca");
        assert.deepEqual(Object.keys(find(both, T.command, "swarm-node1-engine").inputs["environment"] as object).sort(), [
            "DOCKER_OVERLAY_KV_CA",
            "DOCKER_OVERLAY_KV_CERT",
            "DOCKER_OVERLAY_KV_KEY",
            "DOCKER_OVERLAY_SERVER_CA",
            "DOCKER_OVERLAY_SERVER_CERT",
            "DOCKER_OVERLAY_SERVER_KEY",
        ]);
    });
});

describe("TLS: the shipped dind and ssh stacks plan with TLS everywhere", () => {
    let dind: ProgramRun;
    let ssh: ProgramRun;
    before(async () => {
        dind = await applied(loadStackFile(path.join(ROOT, "examples", "Pulumi.dind.yaml")).raw, "dind");
        ssh = await applied(loadStackFile(path.join(ROOT, "examples", "Pulumi.ssh.yaml")).raw, "ssh");
    });

    it("dind: engines verify clients, their files uploaded into the container (key secret), certificates for 127.0.0.1 and the fabric address", () => {
        const c = find(dind, T.container, "swarm-node1-engine-container");
        assert.deepEqual((c.inputs["command"] as string[]).slice(0, 7), [
            "dockerd",
            "--host=unix:///var/run/docker.sock",
            "--host=tcp://0.0.0.0:2376",
            "--tlsverify",
            "--tlscacert=/docker-overlay/tls/ca.pem",
            "--tlscert=/docker-overlay/tls/cert.pem",
            "--tlskey=/docker-overlay/tls/key.pem",
        ]);
        assert.deepEqual(c.inputs["uploads"], [
            { content: "FAKE CERTIFICATE pki-ca", file: "/docker-overlay/tls/ca.pem" },
            { content: "FAKE CERTIFICATE swarm-node1-tls-cert", file: "/docker-overlay/tls/cert.pem" },
            { content: "[secret]", file: "/docker-overlay/tls/key.pem" },
        ]);
        assert.deepEqual(find(dind, CSR, "swarm-node1-tls-csr").inputs["ipAddresses"], ["127.0.0.1", "172.30.0.194"]);
        assert.deepEqual(find(dind, CSR, "swarm-node1-tls-csr").inputs["dnsNames"], ["localhost", "swarm-node1"]);
        assert.deepEqual(find(dind, T.dockerProvider, "swarm-node1").inputs, {
            caMaterial: "FAKE CERTIFICATE pki-ca",
            certMaterial: "FAKE CERTIFICATE pki-client-cert",
            host: "tcp://127.0.0.1:2377",
            keyMaterial: "[secret]",
        });
        noKeyInClear(dind);
    });

    it("ssh: the engine's material goes in on stdin (secret), daemon.json opens the TLS listener, providers use it", () => {
        const daemon = find(ssh, "command:remote:Command", "swarm-node1-engine-daemon");
        assert.equal(daemon.inputs["stdin"], "[secret]");
        const create = String(daemon.inputs["create"]);
        assert.ok(create.includes('"tlsverify": true'));
        assert.ok(create.includes('"tcp://0.0.0.0:2376"'));
        assert.ok(create.includes("/etc/systemd/system/docker.service.d/docker-overlay.conf"));
        assert.deepEqual(find(ssh, T.dockerProvider, "swarm-node1").inputs, {
            caMaterial: "FAKE CERTIFICATE pki-ca",
            certMaterial: "FAKE CERTIFICATE pki-client-cert",
            host: "tcp://192.0.2.11:2376",
            keyMaterial: "[secret]",
        });
        assert.deepEqual(find(ssh, CSR, "swarm-node1-tls-csr").inputs["ipAddresses"], ["192.0.2.11"]);
        noKeyInClear(ssh);
    });

    it("ssh: swarm joins go through the TLS endpoints, advertising the configured interface", () => {
        const join = find(ssh, T.command, "swarm-join-swarm-node1");
        const create = String(join.inputs["create"]);
        assert.match(create, /^WORKER=tcp:\/\/192\.0\.2\.11:2376$/m);
        assert.match(create, /^ADVERTISE=eth1:2377$/m);
        assert.equal((join.inputs["environment"] as Record<string, string>)["DOCKER_OVERLAY_CLIENT_KEY"], "[secret]");
    });
});

// ------------------------------------------------------- ssh install with TLS

/** A machine under a scratch root with systemd (a fake systemctl) and a fake docker. */
function systemdMachine() {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "tls-ssh-"));
    fs.mkdirSync(path.join(root, "etc/docker"), { recursive: true });
    fs.mkdirSync(path.join(root, "run/systemd/system"), { recursive: true });
    fs.mkdirSync(path.join(root, "sys/class/net/eth1"), { recursive: true });
    const bin = path.join(root, "bin");
    fs.mkdirSync(bin);
    const stub = (name: string, body: string) => fs.writeFileSync(path.join(bin, name), `#!/bin/sh\n${body}\n`, { mode: 0o755 });
    stub("id", "echo 0");
    stub("sleep", "exit 0");
    stub("hostname", 'if [ $# -eq 0 ]; then cat "$ROOT/hostname" 2>/dev/null || echo old; else echo "$1" > "$ROOT/hostname"; fi');
    stub("hostnamectl", 'echo "$2" > "$ROOT/hostname"'); // hostnamectl set-hostname NAME
    stub(
        "systemctl",
        [
            'echo "systemctl $*" >> "$ROOT/calls"',
            'if [ "$1" = show ]; then echo "{ path=/usr/bin/dockerd ; argv[]=/usr/bin/dockerd -H fd:// --containerd=/run/containerd/containerd.sock ; ignore_errors=no ; start_time=[n/a] }"; fi',
        ].join("\n"),
    );
    // `docker info` lists the labels the stand-in daemon last took (reloadingDaemon), one a line.
    stub("docker", 'case "$1" in version) echo 24.0.7 ;; info) case "$*" in *Labels*) cat "$ROOT/labels" 2>/dev/null ;; esac ;; esac');
    stub("dockerd", 'echo "Docker version 24.0.7, build 0"');
    return {
        root,
        run: (script: string, stdin = "") => {
            // The scripts address absolute paths under `root`, and systemd's /run/systemd/system there.
            const r = spawnSync("sh", ["-c", script], { input: stdin, encoding: "utf8", env: { PATH: `${bin}:${process.env["PATH"]}`, ROOT: root } });
            return { status: r.status, stdout: r.stdout, stderr: r.stderr };
        },
        read: (p: string) => fs.readFileSync(path.join(root, p), "utf8"),
        exists: (p: string) => fs.existsSync(path.join(root, p)),
        calls: () => (fs.existsSync(path.join(root, "calls")) ? fs.readFileSync(path.join(root, "calls"), "utf8").trim().split("\n") : []),
        cleanup: () => fs.rmSync(root, { recursive: true, force: true }),
    };
}

describe("the ssh driver's install in swarm mode, and with engine.tls", () => {
    const tls = sshTls(2376);
    const engine = { clusterStoreOpts: {}, labels: { storage: "ssd" } };
    const PEMS =
        "-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n-----BEGIN CERTIFICATE-----\nCERT\n-----END CERTIFICATE-----\n-----BEGIN EC PRIVATE KEY-----\nKEY\n-----END EC PRIVATE KEY-----\n";

    it("daemon.json: the TLS keys and both listeners, the engine's socket kept", () => {
        assert.deepEqual(JSON.parse(renderSshDaemonJson(engine, tls)), {
            labels: ["storage=ssd"],
            tlsverify: true,
            tlscacert: "/etc/docker/docker-overlay-tls/ca.pem",
            tlscert: "/etc/docker/docker-overlay-tls/cert.pem",
            tlskey: "/etc/docker/docker-overlay-tls/key.pem",
            hosts: ["unix:///var/run/docker.sock", "tcp://0.0.0.0:2376"],
        });
    });

    it("writes the files from stdin (key 0600), drops -H fd:// from dockerd's unit by a drop-in, and restore removes both", () => {
        const m = systemdMachine();
        try {
            const install = renderSshInstallScript({ daemonJson: renderSshDaemonJson(engine, tls), hostname: "swarm-node1", tls, root: m.root });
            assert.ok(!install.includes("BEGIN EC PRIVATE KEY"));
            const r = m.run(install, PEMS);
            assert.equal(r.status, 0, r.stderr);
            assert.equal(m.read("/etc/docker/docker-overlay-tls/ca.pem"), "-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n");
            assert.equal(m.read("/etc/docker/docker-overlay-tls/key.pem"), "-----BEGIN EC PRIVATE KEY-----\nKEY\n-----END EC PRIVATE KEY-----\n");
            assert.equal(fs.statSync(path.join(m.root, "/etc/docker/docker-overlay-tls/key.pem")).mode & 0o777, 0o600);
            assert.equal(
                m.read("/etc/systemd/system/docker.service.d/docker-overlay.conf"),
                "# docker-overlay: dockerd takes its listeners (tcp://0.0.0.0:2376) from daemon.json\n[Service]\nExecStart=\nExecStart=/usr/bin/dockerd --containerd=/run/containerd/containerd.sock\n",
            );
            assert.deepEqual(m.calls(), [
                "systemctl show -p ExecStart --value docker",
                "systemctl daemon-reload",
                "systemctl reset-failed docker",
                "systemctl restart docker",
            ]);
            const restore = m.run(renderSshRestoreScript({ root: m.root }));
            assert.equal(restore.status, 0, restore.stderr);
            assert.equal(m.exists("/etc/systemd/system/docker.service.d/docker-overlay.conf"), false);
            assert.equal(m.exists("/etc/docker/docker-overlay-tls"), false);
        } finally {
            m.cleanup();
        }
    });

    it("with the same material and drop-in, an install again restarts nothing and a label change is a reload; new material, a restart", () => {
        const m = systemdMachine();
        // A running dockerd stand-in (its pidfile): on SIGHUP it takes the file's labels, as dockerd does.
        const onHup = `grep -o '"[a-z]*=[^"]*"' "$ROOT/etc/docker/daemon.json" | tr -d '"' >"$ROOT/labels"; echo HUP >>"$ROOT/calls"`;
        const daemon = spawn("sh", ["-c", `trap ${shQuote(onHup)} HUP; while :; do sleep 0.05; done`], {
            env: { ...process.env, ROOT: m.root },
            stdio: "ignore",
        });
        try {
            fs.mkdirSync(path.join(m.root, "var/run"), { recursive: true });
            fs.writeFileSync(path.join(m.root, "var/run/docker.pid"), `${daemon.pid}\n`);
            const install = (labels: Record<string, string>, pems = PEMS) =>
                m.run(
                    renderSshInstallScript({ daemonJson: renderSshDaemonJson({ ...engine, labels }, tls), hostname: "swarm-node1", tls, root: m.root }),
                    pems,
                );
            let r = install({ storage: "ssd" });
            assert.equal(r.status, 0, r.stderr);
            const first = [
                "systemctl show -p ExecStart --value docker",
                "systemctl daemon-reload",
                "systemctl reset-failed docker",
                "systemctl restart docker",
            ];
            assert.deepEqual(m.calls(), first);
            // The same install again (the program upgraded): the drop-in is not rewritten, nothing restarts.
            r = install({ storage: "ssd" });
            assert.equal(r.status, 0, r.stderr);
            assert.deepEqual(m.calls().slice(4), ["systemctl show -p ExecStart --value docker"]);
            assert.match(r.stderr, /the engine on swarm-node1 already runs with this configuration \(no restart\)/);
            // Only a label changed: a reload, the files as they were.
            r = install({ storage: "hdd", zone: "a" });
            assert.equal(r.status, 0, r.stderr);
            assert.deepEqual(m.calls().slice(5), ["systemctl show -p ExecStart --value docker", "HUP"]);
            assert.match(r.stderr, /the engine on swarm-node1 reloaded its labels \(no restart\)/);
            assert.equal(m.read("/etc/docker/docker-overlay-tls/cert.pem"), "-----BEGIN CERTIFICATE-----\nCERT\n-----END CERTIFICATE-----\n");
            // A renewed certificate: dockerd reads it only at start, so a restart, whatever else changed.
            r = install({ storage: "ssd" }, PEMS.replace("\nCERT\n", "\nRENEWED\n"));
            assert.equal(r.status, 0, r.stderr);
            assert.deepEqual(m.calls().slice(7), ["systemctl show -p ExecStart --value docker", "systemctl reset-failed docker", "systemctl restart docker"]);
            assert.equal(m.read("/etc/docker/docker-overlay-tls/cert.pem"), "-----BEGIN CERTIFICATE-----\nRENEWED\n-----END CERTIFICATE-----\n");
            assert.equal(fs.statSync(path.join(m.root, "/etc/docker/docker-overlay-tls/key.pem")).mode & 0o777, 0o600);
            assert.deepEqual(fs.readdirSync(path.join(m.root, "/etc/docker/docker-overlay-tls")).sort(), ["ca.pem", "cert.pem", "key.pem"]);
        } finally {
            daemon.kill("SIGKILL");
            m.cleanup();
        }
    });

    it("swarm mode without TLS: labels only, and a current engine (24.0) is welcome", () => {
        const m = systemdMachine();
        try {
            const daemonJson = renderSshDaemonJson(engine);
            assert.equal(daemonJson, '{\n  "labels": [\n    "storage=ssd"\n  ]\n}\n');
            const r = m.run(renderSshInstallScript({ daemonJson, hostname: "swarm-node1", root: m.root }));
            assert.equal(r.status, 0, r.stderr);
            assert.equal(m.read("/etc/docker/daemon.json"), daemonJson);
            assert.match(r.stderr, /docker-overlay: swarm-node1 runs Docker Engine 24\.0\.7 for swarm mode/);
            assert.equal(m.exists("/etc/systemd/system/docker.service.d/docker-overlay.conf"), false);
            assert.deepEqual(m.calls(), ["systemctl reset-failed docker", "systemctl restart docker"]);
        } finally {
            m.cleanup();
        }
    });

    it("refuses, before changing anything, a machine without systemd or without the three PEM blocks", () => {
        const m = systemdMachine();
        try {
            const install = renderSshInstallScript({ daemonJson: renderSshDaemonJson(engine, tls), hostname: "swarm-node1", tls, root: m.root });
            let r = m.run(install, "-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n");
            assert.equal(r.status, 1);
            assert.equal(r.stderr.trim(), "docker-overlay: swarm-node1: expected the CA, certificate and key (three PEM blocks) on stdin");
            fs.rmSync(path.join(m.root, "run/systemd"), { recursive: true });
            r = m.run(install, PEMS);
            assert.equal(r.status, 1);
            assert.equal(
                r.stderr.trim(),
                "docker-overlay: swarm-node1 does not run systemd; engine.tls on ssh hosts adds a systemd drop-in so dockerd takes its TLS listener from daemon.json. Set engine.tls: false (the program then reaches the engine over ssh://)",
            );
            assert.equal(m.exists("/etc/docker/daemon.json"), false);
            assert.equal(m.exists("/etc/docker/daemon.json.docker-overlay.none"), false);
        } finally {
            m.cleanup();
        }
    });
});

describe("TLS: registrations a test can rely on", () => {
    it("every @pulumi/tls resource of the dev stack with TLS has the cluster or a host as its ancestor", async () => {
        const run = await applied(devWith((raw) => (raw.engine = { ...raw.engine, tls: true })));
        const byUrn = new Map(run.registrations.map((r) => [r.urn, r] as const));
        const ancestors = (r: Registration): string[] => (r.parent === "" ? [] : [r.parent, ...ancestors(byUrn.get(r.parent)!)]);
        const tlsResources = run.registrations.filter((x) => x.type.startsWith("tls:"));
        assert.deepEqual(tlsResources.map((r) => r.name).sort(), [
            "pki-ca",
            "pki-ca-key",
            "pki-client-cert",
            "pki-client-csr",
            "pki-client-key",
            "swarm-manager-tls-cert",
            "swarm-manager-tls-csr",
            "swarm-manager-tls-key",
            "swarm-node1-tls-cert",
            "swarm-node1-tls-csr",
            "swarm-node1-tls-key",
            "swarm-node2-tls-cert",
            "swarm-node2-tls-csr",
            "swarm-node2-tls-key",
        ]);
        for (const r of tlsResources) {
            assert.ok(ancestors(r).includes(find(run, T.cluster, "cluster").urn), r.name);
        }
    });
});
