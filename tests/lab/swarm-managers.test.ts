/**
 * Three swarm managers and a drained worker on real engines
 * (tests/lab/stacks/Pulumi.t-managers.yaml, bridge dovltm1): m1 inits, m2 and
 * m3 join as managers, w1 joins as a worker with availability drain. Every
 * manager sees three managers, one Leader, all Ready. Then m1's dockerd (the
 * leader) is stopped through its pidfile: m2 still answers `docker node ls`
 * once the other two elect a leader (the time is measured), an overlay is
 * created through m2 and containers on it reach each other, and the
 * program's connectivity check (its `connectivity-ping` script as the lab
 * recorded it) passes with a warning naming m1; m1 is started again as the
 * machine's create started it and rejoins. Then m1 and m2 are stopped: the check
 * fails at once naming the lost quorum, and `docker node ls` on m3 says what
 * Docker says without a leader; both started again, the cluster is whole and
 * the check passes. Then a manager that is not the leader is cut off from the
 * others (its management port dropped in its namespace, its engine up): the check
 * warns that it reaches no leader, the pairs still pass; the rules removed, it is back. Removing m3
 * while m2 is down is refused (quorum); `down` demotes, drains, leaves and
 * removes everything.
 */
import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import "./support/root-hooks";
import { runScript, ScriptResult } from "../../lab/clients/script";
import { CHECK_MANAGER_SECONDS, CheckResult } from "../../lib/render/check";
import { readState } from "../../lab/state";
import { netnsPath } from "../../lib/drivers/netns";
import { alive, describeRun, eventually, LabStack, labEngine, note, run, STACKS, statePathOf, UpJson } from "./support/lab";

const MANAGERS = ["m1", "m2", "m3"];
/** The check's line and `error` when only m3 of the three managers answers (lib/render/sh/check-quorum.sh). */
const LOST_QUORUM = "swarm has lost its quorum: 1 of 3 managers answer (m3); m1, m2 do not; a majority needs 2: start the stopped managers' engines";
/** What Docker 20.10's `docker node ls` says on a manager of a swarm without a leader (after its first call's 20 s deadline). */
const NO_LEADER =
    "Error response from daemon: rpc error: code = Unknown desc = The swarm does not have a leader. It's possible that too few managers are online. Make sure more than half of the managers are online.";

describe("lab: swarm with three managers and a drained worker", function () {
    const stack = new LabStack(path.join(STACKS, "Pulumi.t-managers.yaml"));
    let up: UpJson;
    /** Engines a test stopped and did not start again yet: `after` starts them, so that down finds every engine. */
    const stopped = new Map<string, { pid: number }>();
    /** The DROP rules a test put in a manager's namespace (the partition), removed in `after` if it failed. */
    let cut = "";
    const cutOff = async (action: "-I" | "-D", host: string) => {
        for (const chain of ["INPUT", "OUTPUT"]) {
            const rule = [chain, "-p", "tcp", "--dport", "2377", "-m", "comment", "--comment", `docker-overlay lab test: ${host} cut off`, "-j", "DROP"];
            const r = await run("nsenter", [`--net=${netnsPath({ stack: stack.stack, name: host })}`, "iptables", "-w", action, ...rule]);
            assert.equal(r.code, 0, describeRun(r));
        }
        cut = action === "-I" ? host : "";
    };
    /** What the test itself made on the swarm, removed before `down`. */
    const made = { containers: [] as { host: string; name: string }[], network: "", service: "" };

    before(async function () {
        up = await stack.upOk();
    });

    after(async function () {
        if (cut !== "") {
            const host = cut;
            await cutOff("-D", host).catch((e: unknown) => note(`could not remove ${host}'s DROP rules: ${String(e)}`));
        }
        // Engines stopped by a failed test: start them again so that down finds every engine.
        for (const host of [...stopped.keys()]) {
            try {
                await startEngine(host);
            } catch (e) {
                note(`could not restart ${host}'s dockerd: ${String(e)}`);
            }
        }
        if (made.service !== "") {
            await stack.docker("m2", ["service", "rm", made.service]).catch(() => undefined);
        }
        for (const c of made.containers) {
            await stack.docker(c.host, ["rm", "-f", c.name]).catch(() => undefined);
        }
        if (made.network !== "") {
            await stack.docker("m2", ["network", "rm", made.network]).catch(() => undefined);
        }
        await stack.teardown();
    });

    /** Stops a machine's dockerd as a user of the lab does (`npm run lab -- engine stop`); the seconds until it exited. */
    const stopEngine = async (host: string) => {
        const r = await labEngine("stop", host, stack.info.file);
        assert.equal(r.code, 0, describeRun(r));
        const daemon = r.json!;
        stopped.set(host, { pid: daemon.pid });
        return { daemon, seconds: daemon.seconds };
    };
    /** Starts it again as the machine's create started it (`npm run lab -- engine start`, which waits until it answers); its pid. */
    const startEngine = async (host: string) => {
        assert.ok(stopped.has(host), `${host}'s engine was not stopped`);
        const r = await labEngine("start", host, stack.info.file);
        assert.equal(r.code, 0, describeRun(r));
        stopped.delete(host);
        return r.json!.pid;
    };

    /** A command's script as the lab recorded it (the program's text, interpreter and environment), run now. */
    const recorded = (name: string, field: "create" | "delete"): Promise<ScriptResult> => {
        const state = readState(statePathOf(stack.info));
        const r = state?.resources.find((x) => x.name === name);
        assert.ok(r !== undefined, `${name} in the lab state`);
        const inputs = r.inputs as { create: string; delete?: string; interpreter: string[]; environment?: Record<string, string> };
        const script = inputs[field];
        assert.ok(script !== undefined, `${name} has a ${field} script`);
        const out = r.outputs?.["stdout"];
        const stdout = typeof out === "string" ? out : "";
        return runScript({
            script,
            interpreter: inputs.interpreter,
            environment: { ...(inputs.environment ?? {}), PULUMI_COMMAND_STDOUT: stdout },
        });
    };
    /** The program's connectivity check, as `pulumi up` runs it: its exit, its JSON, its stderr, its time. */
    const programCheck = async () => {
        const started = Date.now();
        const r = await recorded("connectivity-ping", "create");
        const seconds = (Date.now() - started) / 1000;
        return { code: r.code, result: JSON.parse(r.stdout) as CheckResult, stderr: r.stderr, seconds };
    };

    const nodeLs = async (host: string, timeoutMs = 20_000) => {
        const r = await stack.docker(host, ["node", "ls", "--format", "{{.Hostname}} {{.Status}} {{.Availability}} {{.ManagerStatus}}"], timeoutMs);
        assert.equal(r.code, 0, describeRun(r));
        return r.stdout
            .trim()
            .split("\n")
            .map((l) => l.trimEnd())
            .sort();
    };

    /** Until m1's node ls shows `host` Unreachable. */
    const unreachableAtM1 = (host: string, timeoutMs: number) =>
        eventually(
            `m1 sees ${host} unreachable`,
            timeoutMs,
            async () => {
                const lines = await nodeLs("m1", 10_000);
                assert.ok(
                    lines.some((l) => l.startsWith(`${host} `) && l.endsWith(" Unreachable")),
                    lines.join(" | "),
                );
            },
            1000,
        );
    /** The managers node ls lines show Ready and in the raft (Leader or Reachable). */
    const readyManagers = (lines: string[]) => lines.filter((l) => / (Leader|Reachable)$/.test(l) && l.split(" ")[1] === "Ready").map((l) => l.split(" ")[0]);

    it("brings the swarm up: init on m1, m2 and m3 join as managers, w1 as a worker, w1's availability set", function () {
        const created = up.resources.filter((r) => r.status === "created").map((r) => r.name);
        for (const name of [
            "swarm-init",
            "swarm-join-token",
            "swarm-manager-token",
            "swarm-join-m2",
            "swarm-join-m3",
            "swarm-join-w1",
            "swarm-availability-w1",
            "swarm-ingress-net1",
        ]) {
            assert.ok(created.includes(name), `${name} created`);
        }
        note(`up in ${up.seconds.toFixed(1)}s`);
    });

    it("docker node ls on each manager shows three managers, one Leader, all Ready; w1 drained", async function () {
        for (const m of MANAGERS) {
            const lines = await nodeLs(m);
            assert.equal(lines.length, 4, lines.join("\n"));
            assert.deepEqual(
                lines.filter((l) => / (Leader|Reachable)$/.test(l)).map((l) => l.split(" ")[0]),
                MANAGERS,
                `${m}: ${lines.join(" | ")}`,
            );
            assert.equal(lines.filter((l) => l.endsWith(" Leader")).length, 1, `${m}: one leader`);
            assert.ok(
                lines.every((l) => l.split(" ")[1] === "Ready"),
                lines.join(" | "),
            );
            assert.ok(lines.includes("w1 Ready Drain"), lines.join(" | "));
            assert.ok(
                lines.filter((l) => !l.startsWith("w1 ")).every((l) => l.split(" ")[2] === "Active"),
                lines.join(" | "),
            );
        }
    });

    it("a global service runs a task on every active node and none on the drained w1", async function () {
        made.service = "tm-global";
        // The image is imported into each engine, not in a registry: no digest to resolve.
        const svc = await stack.docker("m1", [
            "service",
            "create",
            "--detach",
            "--mode",
            "global",
            "--no-resolve-image",
            "--name",
            made.service,
            "busybox:latest",
            "top",
        ]);
        assert.equal(svc.code, 0, describeRun(svc));
        await eventually(
            "a running task of tm-global on m1, m2, m3",
            90_000,
            async () => {
                const ps = await stack.docker("m1", [
                    "service",
                    "ps",
                    made.service,
                    "--filter",
                    "desired-state=running",
                    "--format",
                    "{{.Node}} {{.CurrentState}}",
                ]);
                assert.equal(ps.code, 0, describeRun(ps));
                const running = ps.stdout
                    .trim()
                    .split("\n")
                    .filter((l) => / Running/.test(l))
                    .map((l) => l.split(" ")[0])
                    .sort();
                assert.deepEqual(running, MANAGERS, ps.stdout);
            },
            2000,
        );
        const tasks = await stack.docker("m1", ["node", "ps", "w1", "-q"]);
        assert.equal(tasks.code, 0, describeRun(tasks));
        assert.equal(tasks.stdout.trim(), "", "no tasks on the drained worker");
        const rm = await stack.docker("m1", ["service", "rm", made.service]);
        assert.equal(rm.code, 0, describeRun(rm));
        made.service = "";
    });

    it("c1 (m2) and c2 (m3) reach each other on net1", async function () {
        for (const [from, to] of [
            ["c1", "c2"],
            ["c2", "c1"],
        ]) {
            const p = await stack.ping(from, to);
            assert.ok(p.ok, `${from} -> ${to}: ${p.output}`);
        }
    });

    it("the program's check with every manager up: three answer, no warning, every pair passes (time per pair measured)", async function () {
        for (let i = 0; i < 3; i++) {
            const r = await programCheck();
            assert.equal(r.code, 0, r.stderr);
            assert.deepEqual(r.result.swarm, { managers: 3, answering: MANAGERS, notAnswering: [], majority: 2, quorum: true });
            assert.equal(r.result.warnings, undefined);
            assert.equal(r.result.failed, 0);
            assert.equal(r.result.passed, 2);
            note(`check ${i + 1}: ${r.seconds.toFixed(2)}s for ${r.result.pairs.length} pairs (${(r.seconds / r.result.pairs.length).toFixed(2)}s per pair)`);
        }
    });

    it("stopping m1's engine (the leader): m2 answers node ls after re-electing a leader (measured)", async function () {
        const leader = (await nodeLs("m2")).find((l) => l.endsWith(" Leader"));
        assert.equal(leader?.split(" ")[0], "m1", "m1, which initialised, leads");
        const { daemon, seconds } = await stopEngine("m1");
        // When it got SIGTERM: the command's own start (a node process) is not the cluster's time.
        const stoppedAt = Date.now() - seconds * 1000;
        assert.match(daemon.argv0, /\/dockerd$/);
        assert.equal(daemon.hostname, "m1");
        note(`m1's dockerd stopped in ${seconds.toFixed(1)}s`);
        const lines = await eventually(
            "a new leader among m2 and m3",
            60_000,
            async () => {
                // A short timeout: without a leader node ls hangs, and the poll would measure its own waits.
                const l = await nodeLs("m2", 2_000);
                const lead = l.find((x) => x.endsWith(" Leader"));
                assert.ok(lead !== undefined && !lead.startsWith("m1 "), l.join(" | "));
                return l;
            },
            200,
        );
        const reelect = (Date.now() - stoppedAt) / 1000;
        note(`leader re-elected ${reelect.toFixed(1)}s after m1's dockerd got SIGTERM (${(reelect - seconds).toFixed(1)}s after it exited)`);
        assert.ok(lines.some((l) => l.startsWith("m1 ") && / (Unreachable)$/.test(l)) || lines.some((l) => l.startsWith("m1 Down")), lines.join(" | "));
        const m3 = await nodeLs("m3", 10_000);
        assert.equal(m3.filter((l) => l.endsWith(" Leader")).length, 1, m3.join(" | "));
    });

    it("with m1 down, an overlay is created through m2 and containers on it (m2, m3) reach each other", async function () {
        const m1 = stopped.get("m1");
        assert.ok(m1 !== undefined && !alive(m1.pid), "m1 is not stopped");
        made.network = "tm-net2";
        const net = await stack.docker("m2", ["network", "create", "-d", "overlay", "--attachable", "--subnet", "10.31.1.0/24", made.network]);
        assert.equal(net.code, 0, describeRun(net));
        for (const host of ["m2", "m3"]) {
            const name = `tm-${host}`;
            made.containers.push({ host, name });
            const r = await stack.docker(host, ["run", "-d", "--name", name, "--network", made.network, "busybox:latest", "top"], 90_000);
            assert.equal(r.code, 0, describeRun(r));
        }
        await eventually(
            "tm-m2 <-> tm-m3 on tm-net2",
            60_000,
            async () => {
                for (const [host, to] of [
                    ["m2", "tm-m3"],
                    ["m3", "tm-m2"],
                ]) {
                    const p = await stack.docker(host, ["exec", `tm-${host}`, "ping", "-c", "1", "-W", "2", to], 20_000);
                    assert.equal(p.code, 0, describeRun(p));
                }
            },
            2000,
        );
        for (const c of made.containers) {
            assert.equal((await stack.docker(c.host, ["rm", "-f", c.name])).code, 0);
        }
        made.containers = [];
        assert.equal((await stack.docker("m2", ["network", "rm", made.network])).code, 0);
        made.network = "";
    });

    it("with m1 down, the program's check passes and warns that m1 does not answer", async function () {
        assert.ok(stopped.has("m1"), "m1 is not stopped");
        const r = await programCheck();
        assert.equal(r.code, 0, r.stderr);
        const warning = "manager m1 does not answer; the swarm keeps its quorum: 2 of 3 managers answer (m2, m3), a majority needs 2";
        assert.deepEqual(r.result.warnings, [warning]);
        assert.ok(r.stderr.includes(`docker-overlay check: warning: ${warning}\n`), r.stderr);
        assert.deepEqual(r.result.swarm, { managers: 3, answering: ["m2", "m3"], notAnswering: ["m1"], majority: 2, quorum: true });
        assert.equal(r.result.failed, 0);
        assert.equal(r.result.passed, 2);
        note(`check with m1 down: ${r.seconds.toFixed(2)}s`);
        // `lab check` says the same of the managers: the program's own judgement, one place.
        const l = await stack.check();
        assert.deepEqual(
            { swarm: l.json?.swarm, warnings: l.json?.warnings, error: l.json?.error },
            { swarm: r.result.swarm, warnings: [warning], error: undefined },
            describeRun(l),
        );
    });

    it("m1 started again as its machine started it rejoins: three managers Ready, one Leader", async function () {
        const log = `${stack.info.stateDir}/m1/dockerd.log`;
        const pid = await startEngine("m1");
        note(`m1's dockerd started again as pid ${pid}`);
        await eventually(
            "m1 back in the raft",
            120_000,
            async () => {
                assert.ok(alive(pid), `dockerd pid ${pid} exited; see ${log}`);
                const lines = await nodeLs("m2", 10_000);
                assert.deepEqual(readyManagers(lines), MANAGERS, lines.join(" | "));
            },
            1000,
        );
        const m1 = await nodeLs("m1");
        assert.equal(m1.filter((l) => l.endsWith(" Leader")).length, 1);
    });

    it("stopping a second manager (m1, then m2): the check fails at once naming the lost quorum; m3's node ls errors as Docker does", async function () {
        await stopEngine("m1");
        const { seconds } = await stopEngine("m2");
        const stoppedAt = Date.now();
        const r = await programCheck();
        const took = (Date.now() - stoppedAt) / 1000;
        note(`m2's dockerd stopped in ${seconds.toFixed(1)}s; the check reported the lost quorum ${took.toFixed(2)}s after it exited`);
        assert.equal(r.code, 1, r.stderr);
        assert.equal(r.result.error, LOST_QUORUM);
        assert.deepEqual(r.result.swarm, { managers: 3, answering: ["m3"], notAnswering: ["m1", "m2"], majority: 2, quorum: false });
        assert.deepEqual(r.result.pairs, [], "no pair probed");
        assert.ok(r.stderr.includes(`docker-overlay check: ${LOST_QUORUM}\n`), r.stderr);
        // `lab check` fails with the same line.
        const l = await stack.check();
        assert.equal(l.code, 1, describeRun(l));
        assert.equal(l.json?.error, LOST_QUORUM, describeRun(l));
        // Bounded: every manager is asked at once, for at most CHECK_MANAGER_SECONDS.
        assert.ok(took < CHECK_MANAGER_SECONDS + 5, `the check took ${took.toFixed(1)}s`);
        // Docker's own answer: the first node ls may wait out its 20 s deadline ("context deadline exceeded").
        const firstAt = Date.now();
        /** What m3's node ls answered on the way, in order, each once. */
        const seen: string[] = [];
        const ls = await eventually(
            "m3's node ls says the swarm has no leader",
            90_000,
            async () => {
                const x = await stack.docker("m3", ["node", "ls"], 30_000);
                const said = x.stderr.trim();
                if (!seen.some((y) => y.endsWith(`: ${said}`))) {
                    seen.push(`exit ${x.code} in ${x.seconds.toFixed(1)}s: ${said}`);
                }
                assert.notEqual(x.code, 0, describeRun(x));
                assert.equal(x.stderr.trim(), NO_LEADER, describeRun(x));
                return x;
            },
            1000,
        );
        note(
            `m3's node ls: exit ${ls.code} with Docker's no-leader error ${((Date.now() - firstAt) / 1000).toFixed(1)}s after the first try; on the way: ${seen.join(" | ")}`,
        );
    });

    it("m1 and m2 started again: node ls shows three managers Ready, one Leader, and the check passes", async function () {
        // m1 first, m2 once m1 and m3 have a leader again. Started together, c1 (on m2) came
        // back once in four runs without its address on net1 (the check: "c1 has no address on
        // net1 (not running?)"); two more runs of that order did not show it, so the cause is
        // not established (a standalone container's overlay attachment made while the swarm
        // has no leader is the suspect). A failure here says what became of c1.
        const startedAt = Date.now();
        await startEngine("m1");
        await eventually(
            "a leader again (m1 and m3)",
            120_000,
            async () => {
                const lines = await nodeLs("m3", 10_000);
                assert.equal(lines.filter((l) => l.endsWith(" Leader")).length, 1, lines.join(" | "));
            },
            1000,
        );
        note(`quorum back ${((Date.now() - startedAt) / 1000).toFixed(1)}s after m1 was started`);
        await startEngine("m2");
        await eventually(
            "three managers Ready with one Leader",
            120_000,
            async () => {
                const lines = await nodeLs("m3", 10_000);
                assert.deepEqual(readyManagers(lines), MANAGERS, lines.join(" | "));
                assert.equal(lines.filter((l) => l.endsWith(" Leader")).length, 1, lines.join(" | "));
            },
            1000,
        );
        note(`whole again ${((Date.now() - startedAt) / 1000).toFixed(1)}s after m1 was started`);
        const r = await programCheck();
        if (r.code !== 0) {
            // What became of c1 on m2, and what m2's engine logged of it.
            const c1 = await stack.docker("m2", ["inspect", "-f", "{{.State.Status}} {{.State.Error}}", "c1"]);
            const log = fs.readFileSync(`${stack.info.stateDir}/m2/dockerd.log`, "utf8").split("\n");
            note(
                `c1 on m2: ${describeRun(c1)}\nm2's dockerd.log: ${log
                    .filter((l) => /c1|[Ff]ailed to start|attach/.test(l))
                    .slice(-10)
                    .join("\n")}`,
            );
        }
        assert.equal(r.code, 0, r.stderr);
        assert.deepEqual(r.result.swarm, { managers: 3, answering: MANAGERS, notAnswering: [], majority: 2, quorum: true });
        assert.equal(r.result.warnings, undefined);
        assert.equal(r.result.failed, 0);
        assert.equal(r.result.passed, 2);
        note(`check after the restart: ${r.seconds.toFixed(2)}s`);
    });

    it("a manager that is not the leader cut off from the others (its management port dropped, its engine up): the check warns that it reaches no leader, the pairs still pass; back once the rules go", async function () {
        // A follower, so that what is measured is the same every run (a leader cut off answers node
        // ls from its own store for a while: check-quorum.sh counts the managers it sees in the raft).
        const leader = (await nodeLs("m1")).find((l) => l.endsWith(" Leader"))?.split(" ")[0];
        const victim = leader === "m3" ? "m2" : "m3";
        note(`leader ${leader}; cutting off ${victim}`);
        await cutOff("-I", victim);
        try {
            const cutAt = Date.now();
            await unreachableAtM1(victim, 120_000);
            note(`${victim} unreachable at m1 ${((Date.now() - cutAt) / 1000).toFixed(1)}s after the DROP rules`);
            const warning = `manager ${victim} answers but reaches no leader (docker node ls): it is cut off from the other managers (is the swarm's management port open between them?); the swarm keeps its quorum through the rest`;
            const r = await eventually(
                `the check names ${victim} cut off`,
                60_000,
                async () => {
                    const x = await programCheck();
                    note(`check with ${victim} cut off: exit ${x.code} in ${x.seconds.toFixed(1)}s; warnings ${JSON.stringify(x.result.warnings ?? [])}`);
                    assert.equal(x.code, 0, x.stderr);
                    assert.deepEqual(x.result.warnings, [warning]);
                    return x;
                },
                1000,
            );
            assert.deepEqual(r.result.swarm, { managers: 3, answering: MANAGERS, notAnswering: [], majority: 2, quorum: true, noLeader: [victim] });
            assert.equal(r.result.failed, 0);
            assert.equal(r.result.passed, 2);
            // Bounded: the leader is looked for at most CHECK_MANAGER_SECONDS on each manager, all at once.
            assert.ok(r.seconds < 2 * CHECK_MANAGER_SECONDS + 5, `the check took ${r.seconds.toFixed(1)}s`);
        } finally {
            await cutOff("-D", victim);
        }
        await eventually(
            "every manager reachable again",
            120_000,
            async () => {
                const lines = await nodeLs("m1", 10_000);
                assert.deepEqual(readyManagers(lines), MANAGERS, lines.join(" | "));
            },
            1000,
        );
        // Rejoining with a higher term, the cut-off manager can make the leader step down: the
        // check may warn while that election runs (seconds: measured up to ~15 s above), then not.
        await eventually(
            "the check without warnings",
            60_000,
            async () => {
                const again = await programCheck();
                assert.equal(again.code, 0, again.stderr);
                assert.equal(again.result.warnings, undefined, again.stderr);
            },
            1000,
        );
    });

    /** m3's join command as the lab recorded it: its delete is what removing m3 from the stack runs. */
    const m3Delete = () => recorded("swarm-join-m3", "delete");

    it("removing m3 while m2's engine is down is refused before anything changes: the rest would lose their quorum", async function () {
        await stopEngine("m2");
        try {
            await unreachableAtM1("m2", 60_000);
            const r = await m3Delete();
            assert.equal(r.code, 1, r.stderr);
            assert.match(
                r.stderr,
                /docker-overlay swarm join m3: removing manager m3 would leave 1 of 2 managers reachable, fewer than a majority \(2\): the swarm would lose its quorum; bring the unreachable managers back \(or remove them first\) and retry/,
            );
            // Still a manager. Its status may read Unknown for a while after m2 went away
            // (the leader has not heard every heartbeat since), so only the manager column counts.
            const lines = await nodeLs("m1", 10_000);
            assert.ok(
                lines.some((l) => /^m3 \S+ Active (Leader|Reachable)$/.test(l)),
                `m3 is still a manager: ${lines.join(" | ")}`,
            );
        } finally {
            await startEngine("m2");
        }
        await eventually(
            "m2 back in the raft",
            120_000,
            async () => {
                const lines = await nodeLs("m1", 10_000);
                assert.equal(lines.filter((l) => / (Leader|Reachable)$/.test(l) && l.split(" ")[1] === "Ready").length, 3, lines.join(" | "));
            },
            1000,
        );
    });

    it("removing m3 (its join's delete) demotes it, then it leaves, then its node is removed", async function () {
        const r = await m3Delete();
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stderr, /demoted to worker[\s\S]*left the swarm[\s\S]*removed node [a-z0-9]+ from the swarm/);
        const lines = await nodeLs("m1");
        assert.deepEqual(
            lines.map((l) => l.split(" ")[0]),
            ["m1", "m2", "w1"],
        );
        assert.equal(lines.filter((l) => / (Leader|Reachable)$/.test(l)).length, 2, lines.join(" | "));
        const state = await stack.docker("m3", ["info", "--format", "{{.Swarm.LocalNodeState}}"]);
        assert.equal(state.stdout.trim(), "inactive");
    });

    it("`down` leaves nothing behind (the swarm's scripts are deleted with the bridge: the machines, swarm state and all, go)", async function () {
        await stack.downClean();
    });
});
