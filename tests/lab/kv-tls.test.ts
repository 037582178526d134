/**
 * `kvStore.tls` on real daemons: the seed's cluster with a consul
 * (tests/lab/stacks/Pulumi.t-kvtls.yaml) and an etcd
 * (Pulumi.t-kvtls-etcd.yaml) that speak TLS only, to clients with a
 * certificate of the store's own CA. The engines reach the store through
 * cluster-store-opts kv.cacertfile/kv.certfile/kv.keyfile (files the program
 * wrote on each host), the program's consul provider with its client
 * certificate; the store refuses plain HTTP and TLS without a certificate.
 * Requests go with curl (Debian's) to the stack's own KV machine.
 */
import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import "./support/root-hooks";
import { LabStack, run, STACKS, statePathOf, UpJson } from "./support/lab";

interface Case {
    file: string;
    backend: "consul" | "etcd";
    url: string;
    /** Where the store lists the engines libkv registered. */
    nodesPath: string;
    /** The engines' `<ip>:2376` from the store's answer there. */
    registered: (body: string) => string[];
}

const CASES: Case[] = [
    {
        file: "Pulumi.t-kvtls.yaml",
        backend: "consul",
        url: "https://10.180.8.2:8501",
        nodesPath: "/v1/kv/docker/nodes/?keys",
        registered: (body) => (JSON.parse(body) as string[]).map((k) => k.replace(/^docker\/nodes\//, "")).filter((k) => k !== ""),
    },
    {
        file: "Pulumi.t-kvtls-etcd.yaml",
        backend: "etcd",
        url: "https://10.180.9.2:2379",
        nodesPath: "/v2/keys/docker/nodes",
        registered: (body) =>
            ((JSON.parse(body) as { node?: { nodes?: { key: string }[] } }).node?.nodes ?? []).map((n) => n.key.replace(/^\/docker\/nodes\//, "")),
    },
];

for (const c of CASES) {
    describe(`lab: kvStore.tls with ${c.backend}, a store that speaks TLS only (${c.file})`, function () {
        const stack = new LabStack(path.join(STACKS, c.file));
        let up: UpJson;
        /** An engine's client material for the store, as the program wrote it on swarm-node1. */
        const kvTls = (f: string) => path.join(stack.info.stateDir, "swarm-node1", "kv-tls", f);
        const curl = (args: string[]) => run("curl", ["-sS", "--noproxy", "*", "--max-time", "5", ...args]);

        before(async function () {
            up = await stack.upOk();
        });

        after(async function () {
            await stack.teardown();
        });

        it("comes up with the engines on the TLS store and the program's connectivity check passing", function () {
            assert.deepEqual(
                up.resources.filter((r) => r.status !== "created"),
                [],
            );
            assert.deepEqual(up.exports?.["kv"], { backend: c.backend, url: c.url.replace(/^https/, c.backend) });
            assert.equal(up.exports?.["connectivity"]?.failed, 0);
            assert.equal(up.exports?.["connectivity"]?.passed, 2);
            // The store's CA is its own, apart from any the engines' API would use.
            const names = up.resources.map((r) => r.name);
            for (const n of ["kv-pki-ca", "kv-pki-client-cert", "kvstore-tls-cert"]) {
                assert.ok(names.includes(n), `no ${n}`);
            }
        });

        it("every engine registered in the store over TLS (and, with consul, the program read them back with its client certificate)", async function () {
            const status = await stack.status();
            const expected = status.hosts.map((h) => `${h.address}:2376`).sort();
            assert.equal(expected.length, 3);
            const r = await curl(["--cacert", kvTls("ca.pem"), "--cert", kvTls("cert.pem"), "--key", kvTls("key.pem"), `${c.url}${c.nodesPath}`]);
            assert.equal(r.code, 0, r.stderr);
            assert.deepEqual(c.registered(r.stdout).sort(), expected);
            if (c.backend === "consul") {
                assert.deepEqual(up.exports?.["registeredEngines"], expected);
            }
            for (const h of status.hosts) {
                const info = await stack.docker(h.name, ["info", "--format", "{{.ClusterStore}}"]);
                assert.equal(info.stdout.trim(), c.url.replace(/^https/, c.backend), `${h.name}: ${info.stderr}`);
            }
        });

        it("refuses plain HTTP and TLS clients without a certificate of its CA", async function () {
            const plain = await curl(["-f", `${c.url.replace(/^https/, "http")}${c.nodesPath}`]);
            assert.notEqual(plain.code, 0, `plain HTTP answered: ${plain.stdout}`);
            const anonymous = await curl(["-f", "--cacert", kvTls("ca.pem"), `${c.url}${c.nodesPath}`]);
            assert.notEqual(anonymous.code, 0, `a client without a certificate got: ${anonymous.stdout}`);
            // The store's certificate is for its address, signed by the store's CA: without that CA, no trust.
            const untrusted = await curl(["-f", "--cert", kvTls("cert.pem"), "--key", kvTls("key.pem"), `${c.url}${c.nodesPath}`]);
            assert.notEqual(untrusted.code, 0);
            assert.match(untrusted.stderr, /certificate/i);
        });

        it("keeps the client key on each host readable by root only, and out of the state file in clear", function () {
            assert.equal(fs.statSync(kvTls("key.pem")).mode & 0o077, 0);
            const key = fs.readFileSync(kvTls("key.pem"), "utf8").split("\n")[1];
            assert.ok(key.length > 20);
            const state = fs.readFileSync(statePathOf(stack.info), "utf8");
            assert.ok(!state.includes(key), "the KV client key is in the state file in clear");
        });

        it("`down` removes everything: lab-clean finds nothing of the stack", async function () {
            await stack.downClean();
        });
    });
}
