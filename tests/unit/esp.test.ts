/**
 * The encryption probe (lib/swarm/esp.ts): run against a fake `ip` it passes
 * when the kernel takes the ESP AES-GCM state (and removes it again), names the
 * host and the network when the kernel lacks it, and says it cannot tell on any
 * other failure. The wiring: one probe per host, in the host's namespace,
 * before every encrypted network and only those. (The lab test runs the probe
 * on this machine's real kernel, which lacks the algorithm.)
 */
import * as assert from "node:assert/strict";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { netnsName } from "../../lib/drivers/netns";
import { ESP_AEAD, espMissingMessage, renderEspProbeScript } from "../../lib/swarm/esp";
import { devWith, find, ofType, preview, T } from "./helpers";

/** Runs the probe with an `ip` that logs its arguments and answers `add` with `addExit` / `addSays`. */
function probeWith(addExit: number, addSays: string) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "esp-"));
    try {
        const ip = path.join(dir, "ip");
        fs.writeFileSync(
            ip,
            `#!/bin/sh\necho "$*" >> "${dir}/calls"\ncase "$3" in add) printf '%s\\n' ${JSON.stringify(addSays)}; exit ${addExit} ;; esac\nexit 0\n`,
            { mode: 0o755 },
        );
        const script = renderEspProbeScript({ host: "swarm-node1", networks: ["net2", "net3"], runIp: `${ip} "$@"` });
        const r = spawnSync("sh", ["-c", script], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
        const calls = fs.readFileSync(path.join(dir, "calls"), "utf8").trim().split("\n");
        return { status: r.status, stderr: r.stderr.trim(), calls };
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

const SA = "src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x0d0e5a01";

describe("encryption probe: the script", () => {
    it("passes when the kernel takes the state, and deletes it again (also any left by an earlier probe)", () => {
        const r = probeWith(0, "");
        assert.equal(r.status, 0);
        assert.deepEqual(r.calls, [
            `xfrm state delete ${SA}`,
            `xfrm state add ${SA} reqid 0x0d0e5a01 mode transport aead ${ESP_AEAD} 0x0123456789abcdef0123456789abcdef01234567 128`,
            `xfrm state delete ${SA}`,
        ]);
        assert.equal(r.stderr, "docker-overlay: swarm-node1's kernel has IPsec ESP rfc4106(gcm(aes)): encrypted overlays (net2, net3) can run there");
    });

    it("fails naming the host and the networks when the kernel lacks the algorithm or ESP itself", () => {
        for (const says of ["Error: Requested AEAD algorithm not found.", "Error: Requested type not found."]) {
            const r = probeWith(2, says);
            assert.equal(r.status, 1);
            assert.equal(r.stderr, espMissingMessage("swarm-node1", ["net2", "net3"], says));
            assert.equal(
                r.stderr,
                `docker-overlay: host swarm-node1 cannot carry encrypted overlays: its kernel has no IPsec ESP AES-GCM (rfc4106(gcm(aes))) (ip xfrm: ${says}), which swarm needs to encrypt overlay traffic; the engine would create the network anyway and drop its traffic silently; set encrypted: false on net2, net3 or use hosts whose kernel has it`,
            );
        }
    });

    it("does not blame the kernel for other failures (no permission, no namespace)", () => {
        const r = probeWith(2, "RTNETLINK answers: Operation not permitted");
        assert.equal(r.status, 1);
        assert.equal(
            r.stderr,
            "docker-overlay: cannot tell whether host swarm-node1's kernel has IPsec ESP rfc4106(gcm(aes)) (needed by the encrypted overlays net2, net3): ip xfrm failed: RTNETLINK answers: Operation not permitted",
        );
    });
});

describe("encryption probe: wiring (swarm mode, netns)", () => {
    it("probes every host in its namespace before the encrypted network, and only before it", async () => {
        const run = await preview(
            devWith((raw) => {
                raw.engine = { mode: "swarm" };
                delete raw.kvStore;
                raw.networks.push({ name: "net2", subnet: "10.0.1.0/24", encrypted: true });
            }),
        );
        const probes = ofType(run, T.command).filter((c) => c.name.endsWith("-esp-probe"));
        assert.deepEqual(
            probes.map((p) => p.name),
            ["swarm-manager-esp-probe", "swarm-node1-esp-probe", "swarm-node2-esp-probe"],
        );
        for (const host of ["swarm-manager", "swarm-node1", "swarm-node2"]) {
            const probe = find(run, T.command, `${host}-esp-probe`);
            assert.ok(String(probe.inputs["create"]).includes(`run_ip() { nsenter --net=/var/run/netns/${netnsName({ stack: "dev", name: host })} ip "$@"; }`));
            assert.ok(String(probe.inputs["create"]).includes("set encrypted: false on net2 or use hosts whose kernel has it"));
            assert.deepEqual(probe.dependsOn, [find(run, T.command, `${host}-engine`).urn]);
            assert.equal(probe.parent, find(run, T.host, host).urn);
        }
        const net2 = find(run, T.network, "net2-network");
        for (const p of probes) {
            assert.ok(net2.dependsOn.includes(p.urn), `net2 waits for ${p.name}`);
            assert.ok(!find(run, T.network, "net1-network").dependsOn.includes(p.urn), `net1 does not wait for ${p.name}`);
        }
        // No MTU option on a 1500 underlay: Docker assumes 1500 and gives containers 1424 (lib/plan/mtu.ts).
        assert.deepEqual(net2.inputs["options"], { encrypted: "" });
        assert.equal(net2.inputs["attachable"], true);
    });

    it("makes no probe when no network is encrypted", async () => {
        const run = await preview(devWith((raw) => (raw.engine = { mode: "swarm" })));
        assert.deepEqual(
            ofType(run, T.command).filter((c) => c.name.endsWith("-esp-probe")),
            [],
        );
    });
});
