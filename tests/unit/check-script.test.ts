/**
 * lib/render/check.ts run for real (bash) against a fake docker CLI: the
 * script walks the pairs itself, in connectivityPairs' order, and its JSON is
 * exactly what the pairs and what is reachable say: pairs sharing a network
 * reach by IP and by name, pairs sharing none reach nothing, a broken name or
 * a leak between networks fails the check (exit 1). It asks each engine once
 * per container for addresses and execs once per container; its text grows
 * with the containers, not with the pairs.
 */
import * as assert from "node:assert/strict";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { CheckContainer, connectivityPairs } from "../../lib/check/pairs";
import { CHECK_CONVERGE_SECONDS, CHECK_CONVERGE_SECONDS_SWARM, CheckResult, renderCheckScript } from "../../lib/render/check";
import { waitUntilFunction } from "../../lib/render/script";

/**
 * `-H <host> inspect -f <template> <name>` prints "<net> <ip>" lines from
 * $FAKE/ip/<name> (the container must run on <host>: $FAKE/host/<name>);
 * `-H <host> exec <name> sh -c <script> sh <targets>` runs the script here with
 * a `ping` that succeeds when "<name> <target>" is a line of $FAKE/reach.
 */
const FAKE_DOCKER = `#!/usr/bin/env bash
set -u
[ "$1" = -H ] || exit 2
host=$2; shift 2
case "$1" in
  inspect) name=$4 ;;
  exec) name=$2 ;;
  version | info | node)
    # A manager: $FAKE/manager/<host, / and : as _> holds what its engine does: "active true"
    # (a manager), "active false" (a worker now), "down" (refuses), "hang" (never answers),
    # "leaderless" (its swarm lost its quorum, or it is cut off from the other managers:
    # version answers, info waits for the raft, node ls finds no leader), "stale-leader" (a
    # leader cut off from the rest: node ls answers from its own store, the others Unreachable).
    echo "$host $1 -" >>"$FAKE/calls"
    m="$FAKE/manager/$(printf '%s' "$host" | tr '/:' '__')"
    engine=$(cat "$m" 2>/dev/null || echo down)
    case "$1 $engine" in
      *" down") echo "Cannot connect to the Docker daemon at $host. Is the docker daemon running?" >&2; exit 1 ;;
      *" hang" | "info leaderless") exec sleep 60 ;;
      "node leaderless") echo "Error response from daemon: rpc error: code = Unknown desc = The swarm does not have a leader." >&2; exit 1 ;;
      "node active false") echo "Error response from daemon: This node is not a swarm manager." >&2; exit 1 ;;
      "node stale-leader") printf 'Leader\nUnreachable\nUnreachable\n' ;;
      "node "*) printf 'Leader\nReachable\nReachable\n' ;;
      "info stale-leader") echo "active true" ;;
      "version "*) echo 20.10.5+dfsg1 ;;
      *) echo "$engine" ;;
    esac
    exit 0 ;;
  *) echo "fake docker: unexpected $*" >&2; exit 2 ;;
esac
echo "$host $1 $name" >>"$FAKE/calls"
[ -f "$FAKE/host/$name" ] && [ "$(cat "$FAKE/host/$name")" = "$host" ] || { echo "Error: No such container: $name" >&2; exit 1; }
case "$1" in
  inspect) cat "$FAKE/ip/$name" ;;
  exec) shift 2; FROM=$name PATH="$FAKE/bin:$PATH" "$@" ;;
esac
`;
const FAKE_PING = `#!/bin/sh
for target; do :; done
size=small
case " $* " in *" -s "*) size=big ;; esac
# $FAKE/late: how many pings of each (from, target, size) go unanswered first (an overlay converging).
if [ -f "$FAKE/late" ]; then
  tries="$FAKE/tries.$(printf '%s' "$FROM $target $size" | tr ' /' '__')"
  n=$(( $(cat "$tries" 2>/dev/null || echo 0) + 1 )); echo "$n" >"$tries"
  [ "$n" -gt "$(cat "$FAKE/late")" ] || exit 1
fi
[ "$size" = small ] || ! grep -qxF "$FROM $target" "$FAKE/small" || exit 1
grep -qxF "$FROM $target" "$FAKE/reach"
`;
/** busybox ip as the check's full-size probe asks it: the route's device, then its MTU ($FAKE/mtu). */
const FAKE_IP = `#!/bin/sh
case "$1 $2" in
  "route get") echo "$3 dev eth0 src 10.0.0.254" ;;
  "link show") echo "2: eth0@if9: <BROADCAST,MULTICAST,UP,LOWER_UP,M-DOWN> mtu $(cat "$FAKE/mtu") qdisc noqueue" ;;
  *) exit 2 ;;
esac
`;

interface Fixture {
    containers: (CheckContainer & { host: string; ips: Record<string, string>; running?: boolean })[];
    /** "<from> <target>" pairs that answer a ping (target: an address or a name). */
    reach: string[];
    /** "<from> <address>" pairs where a full-size packet gets no answer (a path that carries less). */
    small?: string[];
    /** The containers' interface MTU. Default 1450. */
    mtu?: number;
    /** DOCKER_OVERLAY_CHECK_CONVERGE_SECONDS for the run; default "0" (one round). */
    converge?: string;
    /** How many pings of each (from, target, size) go unanswered before answering. */
    late?: number;
    /** Swarm mode: the managers and what their engines do when asked (see FAKE_DOCKER's info). */
    managers?: { name: string; host: string; engine: "active true" | "active false" | "down" | "hang" | "leaderless" | "stale-leader" }[];
    /** DOCKER_OVERLAY_CHECK_MANAGER_SECONDS for the run (unset: the rendered CHECK_MANAGER_SECONDS). */
    managerSeconds?: string;
}

function runCheck(f: Fixture): { code: number | null; result: CheckResult; calls: string[]; script: string; stderr: string; seconds: number } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "check-script-"));
    try {
        for (const d of ["ip", "host", "bin", "manager"]) {
            fs.mkdirSync(path.join(dir, d));
        }
        fs.writeFileSync(path.join(dir, "docker"), FAKE_DOCKER, { mode: 0o755 });
        fs.writeFileSync(path.join(dir, "bin", "ping"), FAKE_PING, { mode: 0o755 });
        fs.writeFileSync(path.join(dir, "bin", "ip"), FAKE_IP, { mode: 0o755 });
        fs.writeFileSync(path.join(dir, "reach"), f.reach.join("\n") + "\n");
        fs.writeFileSync(path.join(dir, "small"), (f.small ?? []).join("\n") + "\n");
        fs.writeFileSync(path.join(dir, "mtu"), String(f.mtu ?? 1450));
        if (f.late !== undefined) {
            fs.writeFileSync(path.join(dir, "late"), String(f.late));
        }
        for (const c of f.containers) {
            if (c.running !== false) {
                fs.writeFileSync(path.join(dir, "host", c.name), c.host);
                fs.writeFileSync(
                    path.join(dir, "ip", c.name),
                    Object.entries(c.ips)
                        .map(([n, ip]) => `${n} ${ip}\n`)
                        .join(""),
                );
            }
        }
        for (const m of f.managers ?? []) {
            fs.writeFileSync(path.join(dir, "manager", m.host.replace(/[/:]/g, "_")), m.engine);
        }
        const targets = Object.fromEntries(f.containers.map((c) => [c.name, { dockerHost: c.host }]));
        const script = renderCheckScript(
            f.containers.map((c) => ({ name: c.name, networks: c.networks })),
            targets,
            { cli: path.join(dir, "docker") },
            (f.managers ?? []).map((m) => ({ name: m.name, dockerHost: m.host })),
        );
        const env: NodeJS.ProcessEnv = { ...process.env, FAKE: dir, DOCKER_OVERLAY_CHECK_CONVERGE_SECONDS: f.converge ?? "0" };
        delete env["DOCKER_OVERLAY_CHECK_MANAGER_SECONDS"];
        if (f.managerSeconds !== undefined) {
            env["DOCKER_OVERLAY_CHECK_MANAGER_SECONDS"] = f.managerSeconds;
        }
        const started = Date.now();
        const r = spawnSync("/bin/bash", ["-c", script], { env, encoding: "utf8", timeout: 60_000 });
        const seconds = (Date.now() - started) / 1000;
        const calls = fs.existsSync(path.join(dir, "calls")) ? fs.readFileSync(path.join(dir, "calls"), "utf8").trim().split("\n") : [];
        return { code: r.status, result: JSON.parse(r.stdout) as CheckResult, calls, script, stderr: r.stderr, seconds };
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

/** What the check must report: connectivityPairs, with each probe answered by the fixture. */
function expected(f: Fixture): CheckResult {
    const byName = new Map(f.containers.map((c) => [c.name, c]));
    // A container that is gone pings nothing (its exec fails) and has no address.
    const reaches = (from: string, target: string) => byName.get(from)!.running !== false && target !== "" && f.reach.includes(`${from} ${target}`);
    const ipOf = (name: string, net: string) => (byName.get(name)!.running === false ? "" : (byName.get(name)!.ips[net] ?? ""));
    const pairs: CheckResult["pairs"] = [];
    for (const p of connectivityPairs(f.containers)) {
        for (const network of p.expect === "reach" ? [p.network] : p.networks) {
            const ip = ipOf(p.to, network);
            const byIp = reaches(p.from, ip);
            const byNm = reaches(p.from, p.to);
            if (p.expect === "reach") {
                // The full-size probe runs where the sender is up and the other has an address.
                const probed = byName.get(p.from)!.running !== false && ip !== "";
                const fullSize = probed ? byIp && !(f.small ?? []).includes(`${p.from} ${ip}`) : null;
                const ok = byIp && byNm && fullSize !== false;
                const mtu = probed ? (f.mtu ?? 1450) : null;
                pairs.push({ from: p.from, to: p.to, expect: p.expect, network, ip, byIp, byName: byNm, mtu, fullSize, ok });
            } else {
                const ok = !byIp && !byNm;
                pairs.push({ from: p.from, to: p.to, expect: p.expect, network, ip, byIp, byName: byNm, ok });
            }
        }
    }
    return { pairs, passed: pairs.filter((p) => p.ok).length, failed: pairs.filter((p) => !p.ok).length };
}

/** The result without the reasons (tests of reasons assert them on their own). */
function withoutReasons(r: CheckResult): CheckResult {
    return { ...r, pairs: r.pairs.map(({ reason: _reason, ...p }) => p) };
}

const H1 = "unix:///run/docker-overlay/t/node1/docker.sock";
const H2 = "unix:///run/docker-overlay/t/node2/docker.sock";
const H3 = "tcp://10.199.0.5:2376";

/** c1, c2, c4 on net1; c3, c4 on net2; every pair sharing a network reaches by IP and name. */
function fixture(): Fixture {
    const containers: Fixture["containers"] = [
        { name: "c3", networks: ["net2"], host: H3, ips: { net2: "10.0.1.2" } },
        { name: "c1", networks: ["net1"], host: H2, ips: { net1: "10.0.0.2" } },
        { name: "c4", networks: ["net2", "net1"], host: H1, ips: { net1: "10.0.0.4", net2: "10.0.1.4" } },
        { name: "c2", networks: ["net1"], host: H1, ips: { net1: "10.0.0.3" } },
    ];
    const reach: string[] = [];
    for (const a of containers) {
        for (const b of containers) {
            const shared = a.networks.filter((n) => b.networks.includes(n));
            if (a !== b && shared.length > 0) {
                reach.push(`${a.name} ${b.name}`, ...shared.map((n) => `${a.name} ${b.ips[n]}`));
            }
        }
    }
    return { containers, reach };
}

/**
 * What a bounded wait must stay under: the fake's hanging calls sleep 60 s, so any bound well
 * below that shows the check did not wait on them; a tight bound only measured the machine's load.
 */
const HANG_BOUND = 20;

describe("the connectivity check script (lib/render/check.ts, run against a fake docker)", () => {
    it("reports every pair in connectivityPairs' order and passes when the overlay works", () => {
        const f = fixture();
        const r = runCheck(f);
        assert.deepEqual(withoutReasons(r.result), expected(f));
        assert.equal(r.result.failed, 0);
        assert.equal(r.code, 0);
        // 4 containers: 12 ordered pairs; c1/c2 -> c3 and c3 -> c1/c2 share nothing (one record each, c3 and c1/c2 have one network).
        assert.equal(r.result.pairs.length, 12);
        assert.deepEqual(
            r.result.pairs.filter((p) => p.expect === "isolated").map((p) => `${p.from}->${p.to}`),
            ["c1->c3", "c2->c3", "c3->c1", "c3->c2"],
        );
        assert.deepEqual(
            r.result.pairs.find((p) => p.from === "c4" && p.to === "c3"),
            {
                from: "c4",
                to: "c3",
                expect: "reach",
                network: "net2",
                ip: "10.0.1.2",
                byIp: true,
                byName: true,
                mtu: 1450,
                fullSize: true,
                ok: true,
            },
        );
    });

    it("asks each engine once per container: one inspect, one exec, on the container's own host", () => {
        const r = runCheck(fixture());
        const expectedCalls = [
            [H2, "c1"],
            [H1, "c2"],
            [H3, "c3"],
            [H1, "c4"],
        ].flatMap(([h, c]) => [`${h} inspect ${c}`, `${h} exec ${c}`]);
        assert.deepEqual([...r.calls].sort(), expectedCalls.sort());
    });

    it("fails on a name that does not resolve, and on a leak between networks", () => {
        const f = fixture();
        f.reach = f.reach.filter((x) => x !== "c2 c1");
        f.reach.push("c3 10.0.0.3");
        const r = runCheck(f);
        assert.deepEqual(withoutReasons(r.result), expected(f));
        assert.equal(r.code, 1);
        assert.deepEqual(
            r.result.pairs.filter((p) => !p.ok).map((p) => `${p.from}->${p.to} ${p.expect} ip:${p.byIp} name:${p.byName}`),
            ["c2->c1 reach ip:true name:false", "c3->c2 isolated ip:true name:false"],
        );
    });

    it("gives a container that is gone no address and fails the pairs that must reach it", () => {
        const f = fixture();
        f.containers.find((c) => c.name === "c2")!.running = false;
        const r = runCheck(f);
        assert.deepEqual(withoutReasons(r.result), expected(f));
        assert.equal(r.code, 1);
        assert.deepEqual(
            r.result.pairs.find((p) => p.from === "c1" && p.to === "c2"),
            {
                from: "c1",
                to: "c2",
                expect: "reach",
                network: "net1",
                ip: "",
                byIp: false,
                byName: true,
                mtu: null,
                fullSize: null,
                ok: false,
                reason: "c2 has no address on net1 (not running?)",
            },
        );
    });

    it("checks a container sharing no network on each of the other's networks", () => {
        const f: Fixture = {
            containers: [
                { name: "a", networks: ["n1"], host: H1, ips: { n1: "10.0.0.2" } },
                { name: "b", networks: ["n3", "n2"], host: H2, ips: { n2: "10.0.2.2", n3: "10.0.3.2" } },
            ],
            reach: [],
        };
        const r = runCheck(f);
        assert.deepEqual(withoutReasons(r.result), expected(f));
        assert.deepEqual(
            r.result.pairs.map((p) => `${p.from}->${p.to} ${p.network} ${p.ip}`),
            ["a->b n2 10.0.2.2", "a->b n3 10.0.3.2", "b->a n1 10.0.0.2"],
        );
        assert.equal(r.code, 0);
    });

    it("fails a pair whose full-size packet gets no answer, naming the network's MTU and the reason", () => {
        const f = fixture();
        f.mtu = 1350;
        f.small = ["c1 10.0.0.3"];
        const r = runCheck(f);
        assert.deepEqual(withoutReasons(r.result), expected(f));
        assert.equal(r.code, 1);
        assert.deepEqual(
            r.result.pairs.filter((p) => !p.ok),
            [
                {
                    from: "c1",
                    to: "c2",
                    expect: "reach",
                    network: "net1",
                    ip: "10.0.0.3",
                    byIp: true,
                    byName: true,
                    mtu: 1350,
                    fullSize: false,
                    ok: false,
                    reason:
                        "a full-size packet (1350 bytes, do-not-fragment) got no answer while small ones did: the path between the hosts carries less than net1's MTU 1350 " +
                        "(VXLAN adds 50 bytes; set driver.underlayMtu or networks[].mtu to what the underlay carries)",
                },
            ],
        );
    });

    it("waits for an overlay that is still converging: pairs that go unanswered at first pass in a later round", () => {
        const f = { ...fixture(), late: 1, converge: "10" };
        const r = runCheck(f);
        assert.deepEqual(withoutReasons(r.result), expected(fixture()));
        assert.equal(r.result.failed, 0);
        assert.equal(r.code, 0);
        // A second exec for every container that had a pair to wait for; inspects once.
        const execs = r.calls.filter((c) => c.includes(" exec "));
        assert.ok(execs.length > 4, r.calls.join("\n"));
        assert.equal(r.calls.filter((c) => c.includes(" inspect ")).length, 4);
        // Without the window (one round) the same overlay fails: the wait is what passes it.
        const once = runCheck({ ...fixture(), late: 1, converge: "0" });
        assert.equal(once.code, 1);
        assert.ok(once.result.failed > 0);
    });

    it("keeps a full-size failure seen once small pings answered: the path, not convergence", () => {
        const f = { ...fixture(), late: 1, converge: "10", mtu: 1350, small: ["c1 10.0.0.3"] };
        const r = runCheck(f);
        assert.equal(r.code, 1);
        assert.deepEqual(
            r.result.pairs.filter((p) => !p.ok).map((p) => `${p.from}->${p.to} ${String(p.byIp)} ${String(p.byName)} ${String(p.fullSize)}`),
            ["c1->c2 true true false"],
        );
    });

    it("names what failed: no answer by address or name, or a leak across networks", () => {
        const f = fixture();
        f.reach = f.reach.filter((x) => x !== "c2 c1" && x !== "c1 10.0.0.3");
        f.reach.push("c3 10.0.0.3", "c3 c2");
        const r = runCheck(f);
        assert.deepEqual(
            r.result.pairs.filter((p) => !p.ok).map((p) => `${p.from}->${p.to}: ${p.reason}`),
            ["c1->c2: no answer from 10.0.0.3", "c2->c1: no answer from name c1", "c3->c2: reached 10.0.0.3 and name c2 across networks"],
        );
        assert.ok(r.result.pairs.filter((p) => p.ok).every((p) => p.reason === undefined));
    });

    it("skips the full-size probe (null) where the image has no ip to read the MTU with", () => {
        const f = fixture();
        const r = runCheck({ ...f, mtu: "" as unknown as number });
        assert.equal(r.code, 0);
        assert.ok(r.result.pairs.filter((p) => p.expect === "reach").every((p) => p.mtu === null && p.fullSize === null && p.ok));
    });

    describe("swarm mode: the managers first (lib/render/sh/check-quorum.sh)", () => {
        const M1 = "unix:///run/docker-overlay/t/m1/docker.sock";
        const M2 = "unix:///run/docker-overlay/t/m2/docker.sock";
        const M3 = "tcp://10.199.0.7:2376";
        type Engine = NonNullable<Fixture["managers"]>[number]["engine"];
        const swarm = (...engines: Engine[]): Fixture => ({
            ...fixture(),
            managers: engines.map((engine, i) => ({ name: `m${i + 1}`, host: [M1, M2, M3, `${M3}${i}`, `${M3}${i}`][i], engine })),
        });
        const managerCall = (c: string) => c.endsWith(" info -") || c.endsWith(" version -") || c.endsWith(" node -");
        const infoCalls = (calls: string[]) => calls.filter(managerCall);
        const pairCalls = (calls: string[]) => calls.filter((c) => !managerCall(c));

        it("quorum held: asks every manager's engine and role once, then checks the pairs as before; the result says who answered", () => {
            const r = runCheck(swarm("active true", "active true", "active true"));
            assert.equal(r.code, 0, r.stderr);
            assert.deepEqual(withoutReasons({ ...r.result, swarm: undefined }), { ...expected(fixture()), swarm: undefined });
            assert.deepEqual(r.result.swarm, { managers: 3, answering: ["m1", "m2", "m3"], notAnswering: [], majority: 2, quorum: true });
            assert.equal(r.result.warnings, undefined);
            assert.equal(r.result.error, undefined);
            assert.deepEqual(infoCalls(r.calls).sort(), [M1, M2, M3].flatMap((h) => [`${h} version -`, `${h} info -`, `${h} node -`]).sort());
            assert.equal(pairCalls(r.calls).length, 8);
            assert.doesNotMatch(r.stderr, /warning|quorum/);
        });

        it("one manager down, the quorum held: the pairs pass and a warning names it", () => {
            const r = runCheck(swarm("down", "active true", "active true"));
            assert.equal(r.code, 0, r.stderr);
            assert.equal(r.result.failed, 0);
            assert.equal(r.result.passed, 12);
            assert.deepEqual(r.result.swarm, { managers: 3, answering: ["m2", "m3"], notAnswering: ["m1"], majority: 2, quorum: true });
            const warning = "manager m1 does not answer; the swarm keeps its quorum: 2 of 3 managers answer (m2, m3), a majority needs 2";
            assert.deepEqual(r.result.warnings, [warning]);
            assert.ok(r.stderr.includes(`docker-overlay check: warning: ${warning}\n`), r.stderr);
        });

        it("quorum lost: fails at once with one line naming the managers, in the JSON too; no pair is probed", () => {
            const r = runCheck(swarm("down", "down", "active true"));
            assert.equal(r.code, 1);
            const error = "swarm has lost its quorum: 1 of 3 managers answer (m3); m1, m2 do not; a majority needs 2: start the stopped managers' engines";
            assert.deepEqual(r.result, {
                pairs: [],
                passed: 0,
                failed: 0,
                swarm: { managers: 3, answering: ["m3"], notAnswering: ["m1", "m2"], majority: 2, quorum: false },
                error,
            });
            assert.equal(r.stderr, `docker-overlay check: ${error}\n`);
            assert.deepEqual(pairCalls(r.calls), [], "no inspect, no exec");
            // Engines only: without a majority up, nobody's role is asked.
            assert.deepEqual(infoCalls(r.calls).sort(), [M1, M2, M3].map((h) => `${h} version -`).sort());
        });

        it("quorum lost, the one manager left waiting on its raft (info hangs): it still counts as answering, and the check does not wait", () => {
            const r = runCheck(swarm("down", "down", "leaderless"));
            assert.equal(r.code, 1);
            assert.equal(
                r.result.error,
                "swarm has lost its quorum: 1 of 3 managers answer (m3); m1, m2 do not; a majority needs 2: start the stopped managers' engines",
            );
            // Bounded: far below the fake's 60 s hang, with room for a loaded machine (a CI run took 4.7 s for a 2 s wait).
            assert.ok(r.seconds < HANG_BOUND, `took ${r.seconds} s`);
        });

        it("a manager that never answers counts as down after the bounded wait; one that is a worker now does not count", () => {
            const r = runCheck({ ...swarm("hang", "active false", "active true"), managerSeconds: "1" });
            assert.equal(r.code, 1);
            assert.equal(
                r.result.error,
                "swarm has lost its quorum: 1 of 3 managers answer (m3); m1, m2 do not; a majority needs 2: start the stopped managers' engines",
            );
            // Asked at once: one wait of 1 s, not one per manager, and never the fake's 60 s.
            assert.ok(r.seconds < HANG_BOUND, `took ${r.seconds} s`);
            assert.ok(r.seconds >= 1, `took ${r.seconds} s: the hanging manager was not waited for`);
        });

        it("a manager whose engine answers but that reaches no leader (cut off from the others): a warning naming it, the pairs still checked", () => {
            const r = runCheck({ ...swarm("active true", "active true", "leaderless"), managerSeconds: "2" });
            assert.equal(r.code, 0, r.stderr);
            assert.equal(r.result.failed, 0);
            assert.deepEqual(r.result.swarm, { managers: 3, answering: ["m1", "m2", "m3"], notAnswering: [], majority: 2, quorum: true, noLeader: ["m3"] });
            const warning =
                "manager m3 answers but reaches no leader (docker node ls): it is cut off from the other managers (is the swarm's management port open between them?); the swarm keeps its quorum through the rest";
            assert.deepEqual(r.result.warnings, [warning]);
            assert.ok(r.stderr.includes(`docker-overlay check: warning: ${warning}\n`), r.stderr);
            // node ls asked again until the bounded wait ends (an election takes seconds), at once for all.
            assert.ok(r.calls.filter((c) => c === `${M3} node -`).length >= 2, r.calls.join("\n"));
            assert.ok(r.seconds < HANG_BOUND, `took ${r.seconds} s`);
        });

        it("a leader cut off from the rest (its node ls answers from its own store, the others Unreachable): named like a manager that reaches no leader", () => {
            const r = runCheck({ ...swarm("active true", "active true", "stale-leader"), managerSeconds: "1" });
            assert.equal(r.code, 0, r.stderr);
            assert.deepEqual(r.result.swarm, { managers: 3, answering: ["m1", "m2", "m3"], notAnswering: [], majority: 2, quorum: true, noLeader: ["m3"] });
            assert.equal(r.result.warnings?.length, 1);
        });

        it("every manager's engine answers but none reaches a leader (a partition): fails naming it, no pair probed", () => {
            const r = runCheck({ ...swarm("leaderless", "leaderless", "leaderless"), managerSeconds: "1" });
            assert.equal(r.code, 1, r.stderr);
            const error =
                "swarm has no leader: 3 of 3 managers answer (m1, m2, m3), but none reaches a leader (docker node ls): they are cut off from the other managers (is the swarm's management port open between them?)";
            assert.equal(r.result.error, error);
            assert.deepEqual(r.result.swarm, {
                managers: 3,
                answering: ["m1", "m2", "m3"],
                notAnswering: [],
                majority: 2,
                quorum: false,
                noLeader: ["m1", "m2", "m3"],
            });
            assert.deepEqual(r.result.pairs, []);
            assert.deepEqual(pairCalls(r.calls), []);
        });

        it("no manager answers: 0 of n, every one named", () => {
            const r = runCheck(swarm("down", "down", "down"));
            assert.equal(r.code, 1);
            assert.equal(
                r.result.error,
                "swarm has lost its quorum: 0 of 3 managers answer; m1, m2, m3 do not; a majority needs 2: start the stopped managers' engines",
            );
        });

        it("five managers: two down is a warning naming both, three down loses the quorum (a majority needs 3)", () => {
            const two = runCheck(swarm("down", "active true", "down", "active true", "active true"));
            assert.equal(two.code, 0, two.stderr);
            assert.deepEqual(two.result.warnings, [
                "managers m1, m3 do not answer; the swarm keeps its quorum: 3 of 5 managers answer (m2, m4, m5), a majority needs 3",
            ]);
            const three = runCheck(swarm("down", "active true", "down", "down", "active true"));
            assert.equal(three.code, 1);
            assert.equal(
                three.result.error,
                "swarm has lost its quorum: 2 of 5 managers answer (m2, m5); m1, m3, m4 do not; a majority needs 3: start the stopped managers' engines",
            );
        });

        it("the result's warning does not hide failing pairs: a manager down and a pair failing fails the check", () => {
            const f = swarm("active true", "active true", "down");
            f.reach = f.reach.filter((x) => x !== "c2 c1");
            const r = runCheck(f);
            assert.equal(r.code, 1);
            assert.equal(r.result.failed, 1);
            assert.equal(r.result.warnings?.length, 1);
        });

        it("a swarm with no pair to check (one container, or none): the managers still judged, 0 pairs", () => {
            for (const containers of [[], fixture().containers.slice(0, 1)]) {
                const ok = runCheck({ ...swarm("active true", "down", "active true"), containers });
                assert.equal(ok.code, 0, ok.stderr);
                assert.deepEqual([ok.result.pairs, ok.result.passed, ok.result.failed], [[], 0, 0]);
                assert.deepEqual(ok.result.warnings, [
                    "manager m2 does not answer; the swarm keeps its quorum: 2 of 3 managers answer (m1, m3), a majority needs 2",
                ]);
                const lost = runCheck({ ...swarm("down", "down", "active true"), containers });
                assert.equal(lost.code, 1);
                assert.match(lost.result.error ?? "", /^swarm has lost its quorum: 1 of 3 managers answer \(m3\)/);
            }
        });

        it("cluster-store mode (no managers): nothing asked, no swarm field, the script has no quorum step", () => {
            const r = runCheck(fixture());
            assert.deepEqual(infoCalls(r.calls), []);
            assert.deepEqual(Object.keys(r.result).sort(), ["failed", "pairs", "passed"]);
            assert.doesNotMatch(r.script, /MANAGER_NAMES|quorum_seconds/);
        });
    });

    it("waits up to 30 s for an overlay to converge in cluster-store mode, 60 s in swarm mode (networkdb's bulk sync every 30 s)", () => {
        const containers = [{ name: "c1", networks: ["net1"] }];
        const targets = { c1: { dockerHost: H1 } };
        assert.equal(CHECK_CONVERGE_SECONDS, 30);
        assert.equal(CHECK_CONVERGE_SECONDS_SWARM, 60);
        assert.match(renderCheckScript(containers, targets), /^CONVERGE_SECONDS=30$/m);
        assert.match(renderCheckScript(containers, targets, { cli: "docker" }, [{ name: "m", dockerHost: H1 }]), /^CONVERGE_SECONDS=60$/m);
    });

    it("renders a script that grows with the containers, not the pairs", () => {
        const size = (n: number) =>
            renderCheckScript(
                Array.from({ length: n }, (_, i) => ({ name: `c${i}`, networks: ["net1"] })),
                Object.fromEntries(Array.from({ length: n }, (_, i) => [`c${i}`, { dockerHost: H1 }])),
            ).length;
        const fixed = size(0);
        const per100 = size(100) - fixed;
        assert.ok(size(1000) - fixed < 11 * per100, `1000 containers: ${size(1000)} bytes, 100: ${size(100)}`);
    });
});

describe("wait_until, the one poll every rendered script uses (lib/render/sh/wait-until.sh)", () => {
    /** Runs `body` after wait_until in `shell` (sh is dash on Debian: the ssh scripts' shell). */
    const run = (shell: string, body: string) => spawnSync(shell, ["-c", `${waitUntilFunction()}\n${body}`], { encoding: "utf8" });

    for (const shell of ["sh", "bash"]) {
        it(`${shell}: returns 0 as soon as the command succeeds, retrying at the interval`, () => {
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "wait-until-"));
            try {
                // Succeeds on the third try.
                const r = run(shell, `n=0; third() { n=$((n + 1)); echo "try $n" >>${dir}/tries; [ "$n" -ge 3 ]; }\nwait_until 10 0.05 third && echo done`);
                assert.equal(r.status, 0, r.stderr);
                assert.equal(r.stdout, "done\n");
                assert.equal(fs.readFileSync(path.join(dir, "tries"), "utf8"), "try 1\ntry 2\ntry 3\n");
            } finally {
                fs.rmSync(dir, { recursive: true, force: true });
            }
        });

        it(`${shell}: returns 1 once the seconds have passed, and passes arguments through`, () => {
            const started = Date.now();
            const r = run(shell, `wait_until 1 0.1 test -e "/nonexistent dir/x" || echo "gave up"`);
            const took = Date.now() - started;
            assert.equal(r.status, 0, r.stderr);
            assert.equal(r.stdout, "gave up\n");
            assert.ok(took >= 1000 && took < 5000, `gave up after ${took} ms, not at least 1 s`);
            assert.equal(run(shell, `wait_until 1 0.1 test -d /tmp && echo found`).stdout, "found\n");
        });

        it(`${shell}: a command that exits ends the script (a daemon that died)`, () => {
            const r = run(shell, `died() { echo "the daemon exited" >&2; exit 3; }\nwait_until 10 0.1 died\necho not-reached`);
            assert.equal(r.status, 3);
            assert.equal(r.stdout, "");
            assert.match(r.stderr, /the daemon exited/);
        });
    }
});
