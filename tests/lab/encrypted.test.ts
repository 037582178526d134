/**
 * An encrypted overlay on this machine (tests/lab/stacks/Pulumi.lab-encrypted.yaml,
 * bridge dovls3). Its kernel has no IPsec ESP AES-GCM, and an engine would
 * create the network anyway and drop its traffic silently; the program's
 * probe must stop the update first, with a message naming a host and the
 * network, before the network or any container on it exists. The kernel's
 * lack is shown independently too (so this test cannot pass on a kernel that
 * has the algorithm: there it would have to be changed, not ignored).
 */
import * as assert from "node:assert/strict";
import * as path from "path";
import "./support/root-hooks";
import { describeRun, LabStack, run, STACKS, UpJson } from "./support/lab";

describe("lab: an encrypted overlay on a kernel without IPsec ESP AES-GCM", function () {
    const stack = new LabStack(path.join(STACKS, "Pulumi.lab-encrypted.yaml"));
    let up: UpJson;

    before(async function () {
        const r = await stack.up();
        assert.ok(r.json !== undefined, describeRun(r));
        up = r.json;
    });

    after(async function () {
        await stack.teardown();
    });

    it("this kernel indeed lacks rfc4106(gcm(aes)) for ESP (checked in a throwaway namespace)", async function () {
        const r = await run("unshare", [
            "--net",
            "ip",
            "xfrm",
            "state",
            "add",
            "src",
            "192.0.2.1",
            "dst",
            "192.0.2.2",
            "proto",
            "esp",
            "spi",
            "0x101",
            "mode",
            "transport",
            "aead",
            "rfc4106(gcm(aes))",
            "0x" + "11".repeat(20),
            "128",
        ]);
        assert.notEqual(r.code, 0, "this kernel has ESP AES-GCM: the expectations below no longer hold here");
        assert.match(r.stderr, /Requested (AEAD algorithm|type) not found/);
    });

    it("up fails early, naming a host and the network, with the reason", function () {
        assert.equal(up.ok, false);
        // Both hosts' probes run at once, as `pulumi up` runs them: one or
        // both may have failed before the update stopped, never anything else.
        const failed = up.resources.filter((r) => r.status === "failed");
        assert.ok(failed.length >= 1 && failed.length <= 2, JSON.stringify(failed));
        for (const f of failed) {
            assert.match(f.name, /^swarm-(manager|node1)-esp-probe$/, JSON.stringify(failed));
        }
        const hosts = failed.map((f) => f.name.replace(/-esp-probe$/, ""));
        assert.equal(new Set(hosts).size, hosts.length, "a probe failed twice");
        const reason = (host: string): string =>
            `docker-overlay: host ${host} cannot carry encrypted overlays: its kernel has no IPsec ESP AES-GCM (rfc4106(gcm(aes))) (ip xfrm: Error: Requested AEAD algorithm not found.), which swarm needs to encrypt overlay traffic; the engine would create the network anyway and drop its traffic silently; set encrypted: false on secure or use hosts whose kernel has it`;
        for (const f of failed) {
            const host = f.name.replace(/-esp-probe$/, "");
            assert.ok(f.error?.includes(reason(host)), f.error);
        }
        // The update reports the first failure, which is one of these.
        assert.ok(
            hosts.some((host) => up.error?.includes(reason(host))),
            up.error,
        );
    });

    it("creates neither the encrypted network nor a container on it", async function () {
        const names = up.resources.map((r) => r.name);
        for (const name of ["secure-network", "c1-container", "c2-container"]) {
            assert.equal(names.includes(name), false, `${name} was started`);
        }
        const nets = await stack.docker("swarm-manager", ["network", "ls", "--format", "{{.Name}}"]).catch(() => undefined);
        if (nets !== undefined && nets.code === 0) {
            assert.equal(nets.stdout.split("\n").includes("secure"), false);
        }
    });

    it("down removes what the failed update made", async function () {
        await stack.downClean();
    });
});
