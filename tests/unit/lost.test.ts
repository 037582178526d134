/**
 * A host marked lost in cluster-store mode (lib/change/lost.ts): which overlay endpoints
 * it leaves in the store, and the script that removes them through an engine that
 * answers, run against a stub docker CLI.
 */
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { endpointsOn, renderForgetEndpointsScript } from "../../lib/change/lost";
import { normalizeConfig } from "../../lib/config/validate";
import { planCluster } from "../../lib/plan/cluster";
import { devWith } from "./helpers";

describe("lost host (cluster-store): its overlay endpoints leave the store", () => {
    it("the endpoints of the containers placed on it, one per overlay they attach to", () => {
        const config = normalizeConfig(
            devWith((raw) => {
                raw.networks.push({ name: "net2", subnet: "10.0.1.0/24" });
                raw.containers[0].networks = ["net1", "net2"];
            }),
            "dev",
        );
        const placements = planCluster(config).placements;
        assert.deepEqual(endpointsOn(config, placements, "swarm-node2"), [
            { network: "net1", container: "c1" },
            { network: "net2", container: "c1" },
        ]);
        assert.deepEqual(endpointsOn(config, placements, "swarm-manager"), []);
    });

    describe("the script, against a stub docker", () => {
        let dir: string;
        beforeEach(() => {
            dir = fs.mkdtempSync(path.join(os.tmpdir(), "lost-endpoints-"));
            // Logs its argv; `network disconnect` answers as $ANSWER_<container> says (ok | gone | refuse).
            fs.writeFileSync(
                path.join(dir, "docker"),
                [
                    "#!/usr/bin/env bash",
                    'echo "$*" >> "$DIR/calls"',
                    'ctr=${*: -1}; var="ANSWER_$ctr"; case "${!var:-ok}" in',
                    "  ok) ;;",
                    '  gone) echo "Error response from daemon: endpoint $ctr not found" >&2; exit 1 ;;',
                    '  refuse) echo "Error response from daemon: cannot connect to the store" >&2; exit 1 ;;',
                    "esac",
                    "",
                ].join("\n"),
                { mode: 0o755 },
            );
        });
        afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

        const script = renderForgetEndpointsScript({
            stack: "dev",
            host: "swarm-node2",
            via: "ssh://root@192.0.2.11:22",
            endpoints: [
                { network: "net1", container: "c1" },
                { network: "net2", container: "c3" },
            ],
            access: { cli: "docker" },
        });
        const run = (env: Record<string, string> = {}) =>
            spawnSync("/bin/bash", ["-c", script], {
                encoding: "utf8",
                stdio: ["ignore", "pipe", "pipe"],
                env: { PATH: `${dir}:/usr/bin:/bin`, DIR: dir, ...env },
            });
        const calls = () => fs.readFileSync(path.join(dir, "calls"), "utf8").trim().split("\n");

        it("disconnects each by force through the engine that answers; one already gone is fine", () => {
            const r = run({ ANSWER_c3: "gone" });
            assert.equal(r.status, 0, r.stderr);
            assert.deepEqual(calls(), [
                "-H ssh://root@192.0.2.11:22 network disconnect --force net1 c1",
                "-H ssh://root@192.0.2.11:22 network disconnect --force net2 c3",
            ]);
            assert.equal(
                r.stderr,
                "docker-overlay forget swarm-node2: c1's endpoint on net1 removed\n" +
                    "docker-overlay forget swarm-node2: c3 has no endpoint on net2 (already gone)\n",
            );
        });

        it("any other refusal fails, naming the endpoint, the engine and the daemon's words", () => {
            const r = run({ ANSWER_c1: "refuse" });
            assert.equal(r.status, 1);
            assert.equal(
                r.stderr,
                "docker-overlay forget swarm-node2: cannot remove c1's endpoint on net1 through ssh://root@192.0.2.11:22: Error response from daemon: cannot connect to the store\n",
            );
            assert.deepEqual(calls(), ["-H ssh://root@192.0.2.11:22 network disconnect --force net1 c1"]);
        });
    });
});
