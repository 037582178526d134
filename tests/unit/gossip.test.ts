/**
 * Cluster-store engines count as started once their overlay gossip listens
 * (lib/engine/gossip.ts: libnetwork can otherwise leave an engine out of the
 * gossip for good): the probe's pattern and shell function in every driver.
 * The order they start in: tests/unit/start-order.test.ts.
 */
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { GOSSIP_LISTEN_PATTERN, GOSSIP_PORT } from "../../lib/engine/gossip";
import { gossipListeningFunction } from "../../lib/render/script";
import { dindEngineContainer, renderDindEngineConfigScript } from "../../lib/drivers/dind";
import { cluster, DIND } from "./fixtures/configs";

/** /proc/net/tcp as the kernel writes it ("%4d: %08X:%04X %08X:%04X %02X ..."), one line per socket. */
const HEAD = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode";
const tcp = (sl: number, local: string, remote: string, state: string) =>
    `${String(sl).padStart(4)}: ${local} ${remote} ${state} 00000000:00000000 00:00000000 00000000     0        0 41302 1 0000000000000000 100 0 0 10 0`;
const API_LISTEN = tcp(0, "032FB40A:0948", "00000000:0000", "0A");
const GOSSIP_LISTEN = tcp(1, "032FB40A:1F0A", "00000000:0000", "0A");
/** This engine's connection to a neighbour's gossip port: remote 1F0A, ESTABLISHED (01). */
const TO_NEIGHBOUR = tcp(2, "032FB40A:A1C4", "042FB40A:1F0A", "01");
/** Someone listening on 17946 (0x461A), and a socket on local port 7946 that does not listen (TIME_WAIT 06). */
const OTHER_PORT = tcp(3, "032FB40A:461A", "00000000:0000", "0A");
const NOT_LISTENING = tcp(4, "032FB40A:1F0A", "042FB40A:A1C4", "06");

describe("engine gossip listening (lib/engine/gossip.ts)", () => {
    it("the pattern matches a listener on 7946 and nothing else", () => {
        assert.equal(GOSSIP_PORT, 7946);
        const re = new RegExp(GOSSIP_LISTEN_PATTERN);
        assert.equal(re.test(GOSSIP_LISTEN), true);
        for (const line of [HEAD, API_LISTEN, TO_NEIGHBOUR, OTHER_PORT, NOT_LISTENING]) {
            assert.equal(re.test(line), false, line);
        }
    });

    describe("gossip_listening (lib/render/sh/gossip-listening.sh)", () => {
        // Made in a hook, not when the file loads: a run that filters these tests out runs no `after` either.
        let dir = "";
        before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "gossip-"))));
        after(() => fs.rmSync(dir, { recursive: true, force: true }));
        const table = (name: string, lines: string[]) => {
            const file = path.join(dir, name);
            fs.writeFileSync(file, [HEAD, ...lines, ""].join("\n"));
            return file;
        };
        const run = (shell: string, call: string, env: Record<string, string> = {}) =>
            spawnSync(shell, ["-c", `set -eu\n${gossipListeningFunction()}\n${call}`], {
                encoding: "utf8",
                stdio: ["ignore", "pipe", "pipe"],
                env: { PATH: process.env.PATH, ...env },
            });

        it("is true only when the table shows the listener, in sh and in bash with pipefail", () => {
            const listening = table("listening", [API_LISTEN, TO_NEIGHBOUR, GOSSIP_LISTEN]);
            const quiet = table("quiet", [API_LISTEN, TO_NEIGHBOUR, OTHER_PORT, NOT_LISTENING]);
            for (const [shell, call] of [
                ["sh", "if gossip_listening; then echo yes; else echo no; fi"],
                ["bash", "set -o pipefail; if gossip_listening; then echo yes; else echo no; fi"],
            ]) {
                assert.equal(run(shell, call, { PROC_NET_TCP: listening }).stdout, "yes\n", shell);
                assert.equal(run(shell, call, { PROC_NET_TCP: quiet }).stdout, "no\n", shell);
                assert.equal(run(shell, call, { PROC_NET_TCP: path.join(dir, "absent") }).stdout, "no\n", shell);
            }
        });

        it("runs `cat` behind the prefix it is given (a namespace, a VM)", () => {
            const listening = table("prefixed", [GOSSIP_LISTEN]);
            const r = run("bash", `inside() { echo "inside $*" >&2; shift; "$@"; }\ngossip_listening inside --net=/var/run/netns/x && echo yes`, {
                PROC_NET_TCP: listening,
            });
            assert.equal(r.stdout, "yes\n", r.stderr);
            assert.equal(r.stderr, `inside --net=/var/run/netns/x cat ${listening}\n`);
        });
    });

    it("dind engines are healthy once the engine answers, in both modes: a cluster-store engine joins its store later, and its config command waits for the gossip", () => {
        for (const mode of ["cluster-store", "swarm"] as const) {
            const c = cluster(DIND);
            const spec = dindEngineContainer({ ...c, engine: { ...c.engine, mode } }, c.hosts[0], "172.30.0.4");
            assert.deepEqual(spec.healthcheck.tests, ["CMD", "docker", "version", "--format", "{{.Server.Version}}"], mode);
        }
        const engine = { clusterStore: "consul://172.30.0.2:8500", clusterAdvertise: "eth1:2376", clusterStoreOpts: {}, labels: {} };
        assert.match(renderDindEngineConfigScript(cluster(DIND), cluster(DIND).hosts[0], "172.30.0.4", engine), /^gossip_listening\(\) \{$/m);
    });
});
