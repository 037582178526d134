/**
 * Swarm mode with several managers, node availability, and the swarm's
 * stability under change: adding a network leaves the init command's inputs
 * byte-identical (its delete leaves the swarm, so a changed init would
 * dissolve it); managers are 1, 3, 5 or 7 (quorum); the first manager
 * initialises and the others join with the sealed manager token, one at a
 * time; availability is a command of its own, updated in place.
 */
import * as assert from "node:assert/strict";
import { formatProblem } from "../../lib/config/validate/checker";
import { validateConfig } from "../../lib/config/validate/validateConfig";
import { RawConfig } from "../../lib/config/types";
import { ProgramRun } from "../../runner/program";
import { applied } from "./appliedMocks";
import { find, ofType, preview, T } from "./helpers";
import { SWARM_DEV } from "./fixtures/configs";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function swarmWith(edit: (raw: any) => void = () => undefined): RawConfig {
    const raw = structuredClone(SWARM_DEV);
    edit(raw);
    return raw;
}

const P = "docker-overlay:";
const problems = (raw: RawConfig) => validateConfig(raw, "dev").map(formatProblem);
const managers = (n: number, total = n) =>
    swarmWith((raw) => {
        raw.hosts = Array.from({ length: total }, (_, i) => ({ name: `h${i + 1}`, ...(i < n ? { role: "manager" } : {}) }));
        raw.containers = [];
    });

describe("swarm: adding a network does not touch the swarm", () => {
    const withNet2 = (raw: { networks: object[] }) => raw.networks.push({ name: "net2", subnet: "10.0.1.0/24" });

    it("the init command's inputs are byte-identical with and without a second network (outputs known)", async () => {
        const before = await applied(swarmWith());
        const after = await applied(swarmWith(withNet2));
        const init = (run: ProgramRun) => find(run, T.command, "swarm-init");
        assert.equal(JSON.stringify(init(after).inputs), JSON.stringify(init(before).inputs));
        assert.deepEqual(init(after).dependsOn, init(before).dependsOn);
        // Nor does anything of the swarm but one new check: tokens, joins and labels keep their inputs.
        const swarmCommands = (run: ProgramRun) =>
            Object.fromEntries(
                ofType(run, T.command)
                    .filter((c) => c.name.startsWith("swarm-"))
                    .map((c) => [c.name, JSON.stringify(c.inputs)]),
            );
        const a = swarmCommands(after);
        const b = swarmCommands(before);
        assert.deepEqual(Object.keys(a).sort(), [...Object.keys(b), "swarm-ingress-net2"].sort());
        for (const name of Object.keys(b)) {
            assert.equal(a[name], b[name], `${name} is unchanged`);
        }
        assert.match(String(find(after, T.command, "swarm-ingress-net2").inputs["create"]), /^SUBNET=10\.0\.1\.0\/24$/m);
    });

    it("the same in a preview (outputs unknown)", async () => {
        const before = await preview(swarmWith());
        const after = await preview(swarmWith(withNet2));
        assert.equal(JSON.stringify(find(after, T.command, "swarm-init").inputs), JSON.stringify(find(before, T.command, "swarm-init").inputs));
    });
});

describe("swarm: managers", () => {
    it("takes 1, 3, 5 or 7 managers", () => {
        for (const n of [1, 3, 5, 7]) {
            assert.deepEqual(problems(managers(n, 8)), [], `${n} managers`);
        }
    });

    it("refuses an even count, saying why (quorum)", () => {
        assert.deepEqual(problems(managers(2, 3)), [
            `${P}hosts: 2 hosts have role manager (hosts[0], hosts[1]); a swarm needs an odd number of managers (1, 3, 5 or 7) for its quorum: a majority of 2 is 2, so 2 managers survive the loss of 0, no more than 1 would, and a network split in half leaves neither side a quorum; make one a worker or add one more manager`,
        ]);
        assert.deepEqual(problems(managers(4)), [
            `${P}hosts: 4 hosts have role manager (hosts[0], hosts[1], hosts[2], hosts[3]); a swarm needs an odd number of managers (1, 3, 5 or 7) for its quorum: a majority of 4 is 3, so 4 managers survive the loss of 1, no more than 3 would, and a network split in half leaves neither side a quorum; make one a worker or add one more manager`,
        ]);
    });

    it("refuses more than 7, saying why (quorum)", () => {
        assert.deepEqual(problems(managers(9)), [
            `${P}hosts: 9 hosts have role manager (hosts[0], hosts[1], hosts[2], hosts[3], hosts[4], hosts[5], hosts[6], hosts[7], hosts[8]); a swarm takes at most 7: every change waits for a quorum (a majority, here 5) of the managers, so more slow the swarm down without a useful gain in fault tolerance; make 2 of them workers (3 or 5 managers are usual)`,
        ]);
        assert.deepEqual(problems(managers(8)), [
            `${P}hosts: 8 hosts have role manager (hosts[0], hosts[1], hosts[2], hosts[3], hosts[4], hosts[5], hosts[6], hosts[7]); a swarm takes at most 7: every change waits for a quorum (a majority, here 5) of the managers, so more slow the swarm down without a useful gain in fault tolerance; make 1 of them workers (3 or 5 managers are usual)`,
        ]);
    });

    it("keeps cluster-store mode at one manager, with its message", () => {
        assert.deepEqual(
            problems(
                swarmWith((raw) => {
                    raw.engine = { mode: "cluster-store" };
                    raw.hosts[1].role = "manager";
                    raw.hosts[2].role = "manager";
                }),
            ),
            [
                `${P}hosts[1].role: hosts[0] is already the manager and a cluster has at most one; make this host a worker`,
                `${P}hosts[2].role: hosts[0] is already the manager and a cluster has at most one; make this host a worker`,
            ],
        );
    });

    describe("three managers and a worker (preview)", () => {
        let run: ProgramRun;
        const urn = (name: string) => find(run, T.command, name).urn;
        before(async () => {
            run = await preview(
                swarmWith((raw) => {
                    raw.hosts = [{ name: "m1", role: "manager" }, { name: "w1" }, { name: "m2", role: "manager" }, { name: "m3", role: "manager" }];
                    raw.containers = [];
                }),
            );
        });

        it("the first manager inits; the others join as managers with the manager token, one at a time; the worker with the worker token", () => {
            assert.match(String(find(run, T.command, "swarm-init").inputs["create"]), /^NAME=m1$/m);
            const join = (h: string) => find(run, T.command, `swarm-join-${h}`);
            assert.match(String(join("m2").inputs["create"]), /^JOIN_AS=manager$/m);
            assert.match(String(join("m3").inputs["create"]), /^JOIN_AS=manager$/m);
            assert.match(String(join("w1").inputs["create"]), /^JOIN_AS=worker$/m);
            assert.ok(join("m2").dependsOn.includes(urn("swarm-manager-token")));
            assert.ok(!join("m2").dependsOn.includes(urn("swarm-join-token")));
            assert.ok(join("m3").dependsOn.includes(urn("swarm-join-m2")), "managers join one at a time");
            assert.ok(join("w1").dependsOn.includes(urn("swarm-join-token")));
            assert.match(String(find(run, T.command, "swarm-manager-token").inputs["create"]), /^KIND=manager$/m);
            assert.match(String(find(run, T.command, "swarm-join-token").inputs["create"]), /^KIND=worker$/m);
            assert.deepEqual(find(run, T.command, "swarm-manager-token").inputs["triggers"], find(run, T.command, "swarm-join-token").inputs["triggers"]);
        });

        it("every script but init goes through the first manager that answers, in the managers' order", () => {
            const sock = (h: string) => `/run/docker-overlay/dev/${h}/docker.sock`;
            const list = `MANAGERS=(unix://${sock("m1")} unix://${sock("m2")} unix://${sock("m3")})`;
            for (const name of ["swarm-join-token", "swarm-manager-token", "swarm-join-w1", "swarm-join-m2", "swarm-ingress-net1"]) {
                assert.ok(
                    String(find(run, T.command, name).inputs["create"])
                        .split("\n")
                        .includes(list),
                    name,
                );
            }
            assert.ok(!String(find(run, T.command, "swarm-init").inputs["create"]).includes("MANAGERS="));
        });

        it("networks are created through the first manager's provider", () => {
            assert.equal(find(run, T.network, "net1-network").provider, find(run, T.dockerProvider, "m1").urn);
        });

        it("with no container the check still judges the managers (their engines, in the managers' order), through a manager's client", () => {
            const check = find(run, T.command, "connectivity-ping");
            const script = String(check.inputs["create"]);
            assert.match(script, /^MANAGER_NAMES=\(m1 m2 m3\)$/m);
            assert.match(script, /^N=\(\); H=\(\); NETS=\(\)$/m);
            assert.match(script, /^DOCKER_CLI=\/opt\/docker-overlay\/engine\/bin\/docker$/m);
            assert.deepEqual(check.dependsOn, []);
        });
    });

    it("cluster-store mode with one container: no check (no pair, no manager to judge)", async () => {
        const run = await preview(
            swarmWith((raw) => {
                raw.engine = {};
                raw.kvStore = { backend: "consul" };
                raw.containers = raw.containers.slice(0, 1);
            }),
        );
        assert.deepEqual(
            ofType(run, T.command).filter((c) => c.name === "connectivity-ping"),
            [],
        );
        assert.ok(ofType(run, T.container).length === 1, "the stack did not plan");
    });

    it("a single-manager swarm has no manager token", async () => {
        const run = await preview(swarmWith());
        assert.deepEqual(
            ofType(run, T.command).filter((c) => c.name === "swarm-manager-token"),
            [],
        );
    });
});

describe("swarm: availability", () => {
    /** swarm-node2 with that availability, and c1 (pinned to it in the dev stack) placed elsewhere: a paused host takes no new container. */
    const node2 = (availability: string) =>
        swarmWith((raw) => {
            raw.hosts[2].availability = availability;
            raw.containers[0].constraints = ["node!=swarm-node2"];
        });
    it("is active, pause or drain, and swarm mode only", () => {
        assert.deepEqual(problems(node2("drain")), []);
        assert.deepEqual(problems(swarmWith((raw) => (raw.hosts[2].availability = "off"))), [
            `${P}hosts[2].availability: must be one of active | pause | drain, got the string "off"`,
        ]);
        assert.deepEqual(
            problems(
                swarmWith((raw) => {
                    raw.engine = { mode: "cluster-store" };
                    raw.hosts[2].availability = "drain";
                }),
            ),
            [
                `${P}hosts[2].availability: is a swarm mode setting (docker node update --availability), and engine.mode cluster-store has no nodes to drain or pause; remove it or set engine.mode: swarm`,
            ],
        );
    });

    it("a container on an overlay is never placed on a paused or drained host: swarm would not start its attachment", () => {
        assert.deepEqual(problems(swarmWith((raw) => (raw.hosts[2].availability = "pause"))), [
            `${P}containers[0].constraints: these constraints match only hosts where swarm starts no new task (swarm-node2: availability pause), and the container's overlay attachment is such a task: set their availability to active, or relax a constraint`,
        ]);
        assert.deepEqual(
            problems(
                swarmWith((raw) => {
                    raw.hosts[2].availability = "drain";
                    raw.containers[0].constraints = ["node!=swarm-manager"];
                }),
            ),
            [],
        );
    });

    it("is a command of its own after the host's join, without replaceOnChanges: a change is an update (re-runs create), no rebuild", async () => {
        const drained = await preview(node2("drain"));
        const paused = await preview(node2("pause"));
        const cmd = find(drained, T.command, "swarm-availability-swarm-node2");
        assert.match(String(cmd.inputs["create"]), /^AVAILABILITY=drain$/m);
        assert.ok(String(cmd.inputs["create"]).includes(`node_update --availability "$AVAILABILITY" "$NODE"`));
        assert.match(String(find(paused, T.command, "swarm-availability-swarm-node2").inputs["create"]), /^AVAILABILITY=pause$/m);
        // The engine through the machine's id in its environment: a replaced machine gets its availability again.
        assert.deepEqual(
            cmd.dependsOn,
            [
                find(drained, T.command, "swarm-init").urn,
                find(drained, T.command, "swarm-join-swarm-node2").urn,
                find(drained, T.command, "swarm-node2-engine").urn,
            ].sort(),
        );
        // Only the availability command differs between the two.
        const inputs = (run: ProgramRun) =>
            Object.fromEntries(
                ofType(run, T.command)
                    .filter((c) => c.name !== "swarm-availability-swarm-node2")
                    .map((c) => [c.name, JSON.stringify(c.inputs)]),
            );
        assert.deepEqual(inputs(paused), inputs(drained));
        assert.deepEqual(
            ofType(await preview(swarmWith()), T.command).filter((c) => c.name.includes("availability")),
            [],
            "unset: not managed",
        );
    });
});
