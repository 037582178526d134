/**
 * The lab's part of TLS: `@pulumi/tls` resources performed for real (node's
 * crypto and Debian's openssl) make a chain that verifies, with the names and
 * uses asked for; private keys come back as secrets; unknown inputs are
 * refused. And a container's `uploads` become a tar the engine extracts at `/`.
 */
import * as assert from "node:assert/strict";
import { spawnSync } from "child_process";
import { createPrivateKey, X509Certificate } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { tarOf } from "../../lab/clients/tar";
import { containerPlan } from "../../lab/resources/containerRequest";
import { SECRET_SIG, SIG_KEY } from "../../runner/wire";
import { CERT_REQUEST_TYPE, LOCALLY_SIGNED_CERT_TYPE, markSecrets, performTls, PRIVATE_KEY_TYPE, SELF_SIGNED_CERT_TYPE } from "../../lab/resources/tls";

describe("lab: tls resources performed for real", function () {
    this.timeout(20_000);
    let ca: { key: string; cert: string };
    let server: { key: string; cert: string };

    before(async () => {
        const caKey = (await performTls(PRIVATE_KEY_TYPE, "u:ca-key", { algorithm: "ECDSA", ecdsaCurve: "P256" })).state;
        const caCert = (
            await performTls(SELF_SIGNED_CERT_TYPE, "u:ca", {
                privateKeyPem: caKey["privateKeyPem"],
                subject: { commonName: "docker-overlay t CA", organization: "docker-overlay" },
                isCaCertificate: true,
                validityPeriodHours: 87600,
                allowedUses: ["cert_signing", "crl_signing", "digital_signature"],
            })
        ).state;
        const key = (await performTls(PRIVATE_KEY_TYPE, "u:key", { algorithm: "ECDSA", ecdsaCurve: "P256" })).state;
        const csr = (
            await performTls(CERT_REQUEST_TYPE, "u:csr", {
                privateKeyPem: key["privateKeyPem"],
                subject: { commonName: "swarm-node1", organization: "docker-overlay t" },
                dnsNames: ["swarm-node1"],
                ipAddresses: ["10.160.3.3"],
            })
        ).state;
        const cert = (
            await performTls(LOCALLY_SIGNED_CERT_TYPE, "u:cert", {
                certRequestPem: csr["certRequestPem"],
                caCertPem: caCert["certPem"],
                caPrivateKeyPem: caKey["privateKeyPem"],
                validityPeriodHours: 8760,
                earlyRenewalHours: 720,
                allowedUses: ["server_auth", "digital_signature", "key_encipherment"],
            })
        ).state;
        ca = { key: String(caKey["privateKeyPem"]), cert: String(caCert["certPem"]) };
        server = { key: String(key["privateKeyPem"]), cert: String(cert["certPem"]) };
    });

    it("keys in the provider's formats: ECDSA as SEC1, RSA as PKCS#1, with their public halves", async () => {
        assert.match(ca.key, /^-----BEGIN EC PRIVATE KEY-----\n/);
        const rsa = (await performTls(PRIVATE_KEY_TYPE, "u:rsa", { algorithm: "RSA", rsaBits: 2048 })).state;
        assert.match(String(rsa["privateKeyPem"]), /^-----BEGIN RSA PRIVATE KEY-----\n/);
        assert.match(String(rsa["publicKeyPem"]), /^-----BEGIN PUBLIC KEY-----\n/);
        assert.equal(createPrivateKey(String(rsa["privateKeyPem"])).asymmetricKeyDetails?.modulusLength, 2048);
    });

    it("a CA that signed the server certificate, which carries the names and uses asked for", () => {
        const caCert = new X509Certificate(ca.cert);
        const cert = new X509Certificate(server.cert);
        assert.equal(caCert.ca, true);
        assert.equal(cert.ca, false);
        assert.ok(cert.checkIssued(caCert));
        assert.ok(cert.verify(caCert.publicKey));
        assert.equal(cert.subjectAltName, "DNS:swarm-node1, IP Address:10.160.3.3");
        assert.equal(cert.subject, "CN=swarm-node1\nO=docker-overlay t");
        assert.deepEqual(cert.keyUsage, ["1.3.6.1.5.5.7.3.1"]);
        assert.ok(cert.checkPrivateKey(createPrivateKey(server.key)));
        const days = (Date.parse(cert.validTo) - Date.parse(cert.validFrom)) / 86_400_000;
        assert.equal(Math.round(days), 365);
    });

    it("openssl agrees: the chain verifies for TLS server use", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lab-tls-"));
        try {
            fs.writeFileSync(path.join(dir, "ca.pem"), ca.cert);
            fs.writeFileSync(path.join(dir, "cert.pem"), server.cert);
            const r = spawnSync("openssl", ["verify", "-purpose", "sslserver", "-CAfile", "ca.pem", "cert.pem"], { cwd: dir, encoding: "utf8" });
            assert.equal(r.stdout.trim(), "cert.pem: OK", r.stderr);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("marks private keys secret in the state it returns, and refuses inputs it does not translate", async () => {
        const r = await performTls(PRIVATE_KEY_TYPE, "u:k", { algorithm: "ECDSA", ecdsaCurve: "P384" });
        assert.deepEqual(r.secretOutputs, ["privateKeyPem", "privateKeyPemPkcs8", "privateKeyOpenssh"]);
        const marked = markSecrets(r.state, r.secretOutputs);
        assert.deepEqual(Object.keys(marked["privateKeyPem"] as object), [SIG_KEY, "value"]);
        assert.equal((marked["privateKeyPem"] as Record<string, unknown>)[SIG_KEY], SECRET_SIG);
        assert.equal(typeof marked["publicKeyPem"], "string");
        await assert.rejects(
            performTls(CERT_REQUEST_TYPE, "urn:x", { privateKeyPem: "k", uris: ["spiffe://x"] }),
            new Error('tls:index/certRequest:CertRequest urn:x: the lab applier does not translate input(s) "uris"; refusing to create it without them'),
        );
    });
});

describe("lab: container uploads", () => {
    it("become files put in before start, from content or base64, executable or not", () => {
        const plan = containerPlan("urn:c", {
            name: "m1",
            image: "dind",
            uploads: [
                { file: "/docker-overlay/tls/key.pem", content: "KEY" },
                { file: "/usr/local/bin/x", contentBase64: Buffer.from("#!/bin/sh").toString("base64"), executable: true },
            ],
        });
        assert.deepEqual(plan.uploads, [
            { path: "/docker-overlay/tls/key.pem", content: Buffer.from("KEY"), mode: 0o644 },
            { path: "/usr/local/bin/x", content: Buffer.from("#!/bin/sh"), mode: 0o755 },
        ]);
        assert.throws(
            () => containerPlan("urn:c", { name: "m1", image: "i", uploads: [{ file: "rel/path", content: "x" }] }),
            /uploads\[0\]\.file must be an absolute path/,
        );
    });

    it("tar: the paths under /, their modes and contents, as tar itself reads them", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lab-tar-"));
        try {
            fs.writeFileSync(path.join(dir, "a.tar"), tarOf([{ path: "/docker-overlay/tls/ca.pem", content: Buffer.from("x".repeat(700)), mode: 0o644 }]));
            const list = spawnSync("tar", ["-tvf", "a.tar"], { cwd: dir, encoding: "utf8" });
            assert.match(list.stdout, /^-rw-r--r-- 0\/0 +700 .* docker-overlay\/tls\/ca\.pem\n$/);
            spawnSync("tar", ["-xf", "a.tar"], { cwd: dir });
            assert.equal(fs.readFileSync(path.join(dir, "docker-overlay/tls/ca.pem"), "utf8"), "x".repeat(700));
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
