/** The pure parts of `lab diagnose` (lab/diagnose.ts): counters, tcp reasons, serf replay, overlay views. */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { spawnSync } from "child_process";
import * as assert from "node:assert/strict";
import { normalizeConfig } from "../../lib/config/validate";
import { loadStackFile } from "../../lib/config/load";
import { failedCheckHints } from "../../lab/check";
import {
    expectedOverlayViews,
    gossipFailures,
    overlayFailures,
    parseWatchCounts,
    renderDiagnoseText,
    scriptProbeResults,
    serfHistory,
    settledGossip,
    tcpFailure,
} from "../../lab/diagnose";
import { Probe } from "../../lib/plan/probes";
import { NO_ENGINE_LOG_EXIT, serfLogArgv } from "../../lib/engine/gossip";
import { NO_ENGINE_EXIT, parseStrandedThreads, STRANDED_THREADS_SCRIPT, strandedLine, strandedThreadsArgv } from "../../lib/engine/strandedThreads";
import { SWARM_DEV } from "./fixtures/configs";
import { devRaw } from "./helpers";

describe("lab diagnose: pure parts", () => {
    it("reads the counters of its own tagged rules only", () => {
        const text = [
            "-P INPUT ACCEPT -c 0 0",
            '-A INPUT -s 10.180.61.3/32 -d 10.180.61.4/32 -p udp -m udp --dport 7946 -m comment --comment "docker-overlay probe T1 10.180.61.3 udp 7946" -c 3 156',
            '-A INPUT -s 10.180.61.5/32 -d 10.180.61.4/32 -p udp -m udp --dport 4789 -m comment --comment "docker-overlay probe T1 10.180.61.5 udp 4789" -c 0 0',
            '-A INPUT -s 10.180.61.5/32 -d 10.180.61.4/32 -p udp -m udp --dport 4789 -m comment --comment "docker-overlay probe T2 10.180.61.5 udp 4789" -c 9 90',
        ].join("\n");
        assert.deepEqual(
            [...parseWatchCounts(text, "T1")],
            [
                ["10.180.61.3 udp 7946", 3],
                ["10.180.61.5 udp 4789", 0],
            ],
        );
    });

    it("names why a tcp probe failed", () => {
        assert.equal(tcpFailure(124, "", 7946), "no answer");
        assert.equal(
            tcpFailure(1, "probe: connect: Connection refused\nprobe: line 1: /dev/tcp/10.1.1.1/7946: Connection refused\n", 7946),
            "connection refused (nothing listens on tcp/7946)",
        );
        assert.equal(tcpFailure(1, "probe: line 1: /dev/tcp/10.1.1.1/7946: No route to host\n", 7946), "No route to host");
    });

    it("reads a probe command's result (dind): the pairs it names did not arrive, the others did; a failure naming none fails each with its last line", () => {
        const probes: Probe[] = [
            { from: "swarm-node1", to: "swarm-manager", protocol: "udp", port: 4789, why: "VXLAN" },
            { from: "swarm-node1", to: "swarm-manager", protocol: "tcp", port: 7946, why: "gossip" },
            { from: "swarm-node1", to: "kvstore", protocol: "tcp", port: 8500, why: "the KV store" },
        ];
        const view = (code: number | null, stderr: string) => scriptProbeResults(probes, code, stderr).map((r) => [r.ok, r.reason]);
        assert.deepEqual(view(0, "docker-overlay: the underlay carries 3 probe(s) of the pairs of swarm-node1\n"), [
            [true, undefined],
            [true, undefined],
            [true, undefined],
        ]);
        assert.deepEqual(
            view(
                1,
                "swarm-node1 -> swarm-manager udp/4789: no answer\n" +
                    "docker-overlay: 1 of 3 probe(s) of the pairs of swarm-node1 did not arrive within 30 s\n" +
                    "docker-overlay: 2 call(s) of the probe on swarm-manager in its container x on y failed; the last, reading its counters: OCI runtime exec failed\n",
            ),
            [
                [false, "no answer"],
                [true, undefined],
                [true, undefined],
            ],
        );
        const why = "docker-overlay: swarm-manager: cannot set the probe's rules (iptables in the privileged machine container)";
        assert.deepEqual(view(1, `${why}\n`), [
            [false, why],
            [false, why],
            [false, why],
        ]);
        assert.deepEqual(view(null, ""), [
            [false, "exit null"],
            [false, "exit null"],
            [false, "exit null"],
        ]);
    });

    it("replays serf events; the engine's own join starts over; a failure names what the log says of each missing node", () => {
        const line = (event: string, name: string, at = "18:55:57") =>
            `time="2026-11-30T${at}.438116942Z" level=info msg="2026/11/30 ${at} [INFO] serf: EventMember${event}: ${name} 10.0.0.9\\n"`;
        const refused = `time="2026-11-30T18:56:01.1Z" level=error msg="joining serf neighbor 10.0.0.7 failed: Failed to join the cluster at neigh IP 10.0.0.7: 1 error occurred:\\n\\t* Failed to join 10.0.0.7: dial tcp 10.0.0.7:7946: connect: connection refused\\n\\n"`;
        const log = [
            line("Join", "a"),
            line("Join", "b"),
            line("Join", "c"),
            line("Failed", "c"),
            "unrelated",
            line("Join", "a", "18:56:00"),
            refused,
            line("Join", "b"),
            line("Failed", "b", "18:56:09"),
        ].join("\n");
        assert.deepEqual(serfHistory(log, "a"), {
            members: ["a"],
            last: { a: "joined at 18:56:00", b: "failed at 18:56:09" },
            joinFailed:
                "its join of 10.0.0.7 at 18:56:01 failed: Failed to join the cluster at neigh IP 10.0.0.7: 1 error occurred: * Failed to join 10.0.0.7: dial tcp 10.0.0.7:7946: connect: connection refused",
        });
        assert.equal(serfHistory("no serf here", "a"), undefined);
        assert.deepEqual(
            gossipFailures(
                [
                    { host: "a", members: ["a", "b"], last: { b: "joined at 18:55:57", c: "failed at 18:56:09" } },
                    { host: "b" },
                    { host: "c", members: ["a", "b", "c"] },
                    { host: "d", members: ["d"], last: {}, joinFailed: "its join of 10.0.0.7 at 18:56:01 failed: connection refused" },
                ],
                ["a", "b", "c", "d"],
            ),
            [
                "gossip: a has a, b, not c, d (c failed at 18:56:09; d never joined)",
                "gossip: b's engine log has no serf lines (its overlay gossip never started)",
                "gossip: c has a, b, c, not d (d never joined)",
                "gossip: d has d, not a, b, c (a never joined; b never joined; c never joined; its join of 10.0.0.7 at 18:56:01 failed: connection refused)",
            ],
        );
    });

    it("re-reads an incomplete serf membership until it is complete or the wait is over; a complete one is not read again", async () => {
        const hosts = ["h1", "h2"];
        const partial = [
            { host: "h1", members: ["h1", "h2"] },
            { host: "h2", members: ["h2"] },
        ];
        const whole = [
            { host: "h1", members: ["h1", "h2"] },
            { host: "h2", members: ["h1", "h2"] },
        ];
        let reads = 0;
        const reread = () => {
            reads++;
            return Promise.resolve(whole);
        };
        assert.deepEqual(await settledGossip(whole, reread, hosts), whole);
        assert.equal(reads, 0);
        assert.deepEqual(await settledGossip(partial, reread, hosts), whole);
        assert.equal(reads, 1);
        // No time to wait: the first read is the verdict.
        assert.deepEqual(await settledGossip(partial, reread, hosts, 0), partial);
        assert.equal(reads, 1);
    });

    it("cluster-store: every engine must see every endpoint; swarm: each engine with a container, every peer", () => {
        const status = [
            { name: "c1", host: "swarm-node2", networks: ["net1"] },
            { name: "c2", host: "swarm-node1", networks: ["net1"] },
        ];
        const cs = normalizeConfig(devRaw(), "dev");
        const expected = expectedOverlayViews(cs, status, cs.networks[0]);
        assert.deepEqual(expected, { "swarm-manager": ["c1", "c2"], "swarm-node1": ["c1", "c2"], "swarm-node2": ["c1", "c2"] });
        assert.deepEqual(overlayFailures({ network: "net1", seen: { "swarm-manager": ["c1", "c2"], "swarm-node1": ["c2"] } }, expected), [
            "overlay net1: swarm-node1 does not see c1",
            "overlay net1: swarm-node2's engine does not have it",
        ]);
        const swarm = normalizeConfig(structuredClone(SWARM_DEV), "dev");
        assert.deepEqual(expectedOverlayViews(swarm, status, swarm.networks[0]), {
            "swarm-node1": ["swarm-node1", "swarm-node2"],
            "swarm-node2": ["swarm-node1", "swarm-node2"],
        });
    });

    it("renders failures one per line and a summary", () => {
        const text = renderDiagnoseText({
            stack: "s",
            probes: [
                { from: "a", to: "b", protocol: "udp", port: 4789, why: "w", ok: false, reason: "no answer" },
                { from: "b", to: "a", protocol: "udp", port: 4789, why: "w", ok: true },
            ],
            notProbed: [],
            overlays: [],
            gossip: [],
            failures: ["a -> b udp/4789: no answer"],
            warnings: ["a: 1 engine thread (7) in a deleted network namespace"],
            seconds: 1,
        });
        assert.equal(
            text,
            "probes: 1 of 2 hold\nwarning a: 1 engine thread (7) in a deleted network namespace\nFAILED a -> b udp/4789: no answer\ndiagnose: 1 failure (1.0s)\n",
        );
    });

    it("a failed lab check names the engines with stranded threads and where to look next; a host whose threads cannot be read says so", () => {
        const config = normalizeConfig(devRaw(), "dev");
        const [a, b, c] = config.hosts.map((h) => h.name);
        const stranded: Record<string, () => number[] | undefined> = {
            [a]: () => [4242],
            [b]: () => undefined,
            [c]: () => {
                throw new Error("stranded-threads.sh for " + c + ": exit 1: nsenter: cannot open");
            },
        };
        assert.deepEqual(
            failedCheckHints(config, "Pulumi.dev.yaml", (h) => (stranded[h] ?? (() => []))()),
            [
                strandedLine(a, [4242]),
                `${c}: its engine's threads could not be read (stranded-threads.sh for ${c}: exit 1: nsenter: cannot open)`,
                "`npm run lab -- diagnose Pulumi.dev.yaml` probes the underlay and shows each overlay's peers and the gossip as every engine sees them",
            ],
        );
        assert.match(strandedLine(a, [4242]), /in a deleted network namespace .*moby\/libnetwork#1113/);
        // No stranded thread: only the pointer. ssh points at `npm run diagnose`, dind at nothing.
        const ssh = normalizeConfig(loadStackFile(path.join(__dirname, "..", "..", "examples", "Pulumi.ssh.yaml")).raw, "ssh");
        assert.deepEqual(
            failedCheckHints(ssh, "examples/Pulumi.ssh.yaml", () => []),
            ["`npm run diagnose -- examples/Pulumi.ssh.yaml` probes the underlay and shows each overlay's peers and the gossip as every engine sees them"],
        );
        const dind = normalizeConfig(loadStackFile(path.join(__dirname, "..", "..", "examples", "Pulumi.dind.yaml")).raw, "dind");
        assert.deepEqual(
            failedCheckHints(dind, "examples/Pulumi.dind.yaml", () => undefined),
            ["`npm run lab -- diagnose examples/Pulumi.dind.yaml` probes the underlay and shows each overlay's peers and the gossip as every engine sees them"],
        );
    });

    describe("engine threads stranded in a deleted namespace: lib/engine/sh/stranded-threads.sh against a made-up /proc", () => {
        let dir = "";
        /** A /proc with one engine (pid 123) whose threads are in the namespaces given, `self` in `own`; sandboxes under its exec-root. */
        function fakeProc(threads: Record<string, string>, sandboxes: string[], cmdline: string[]): string {
            dir = fs.mkdtempSync(path.join(os.tmpdir(), "stranded-"));
            for (const ns of ["own", "live", "dead1", "dead2"]) {
                fs.writeFileSync(path.join(dir, ns), ns); // a namespace: a file, its inode what stat -L sees
            }
            fs.mkdirSync(path.join(dir, "proc/self/ns"), { recursive: true });
            fs.symlinkSync(path.join(dir, "own"), path.join(dir, "proc/self/ns/net"));
            for (const [tid, ns] of Object.entries(threads)) {
                fs.mkdirSync(path.join(dir, `proc/123/task/${tid}/ns`), { recursive: true });
                fs.symlinkSync(path.join(dir, ns), path.join(dir, `proc/123/task/${tid}/ns/net`));
            }
            fs.writeFileSync(path.join(dir, "proc/123/cmdline"), cmdline.map((a) => a.replace("EXEC", path.join(dir, "exec")) + "\0").join(""));
            fs.mkdirSync(path.join(dir, "exec/netns"), { recursive: true });
            for (const ns of sandboxes) {
                fs.symlinkSync(path.join(dir, ns), path.join(dir, "exec/netns", `sb-${ns}`));
            }
            fs.writeFileSync(path.join(dir, "docker.pid"), "123\n");
            return dir;
        }
        function runScript(pidFile: string): { status: number | null; stdout: string; stderr: string } {
            const r = spawnSync("bash", [STRANDED_THREADS_SCRIPT, pidFile], { encoding: "utf8", env: { ...process.env, PROC: path.join(dir, "proc") } });
            return { status: r.status, stdout: r.stdout, stderr: r.stderr };
        }
        afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

        it("prints the threads in neither the engine's namespace nor a live sandbox, one per line", () => {
            fakeProc({ 123: "own", 124: "live", 125: "dead1", 126: "own", 127: "dead2" }, ["live"], ["dockerd", "--exec-root=EXEC", "--debug"]);
            const r = runScript(path.join(dir, "docker.pid"));
            assert.equal(r.status, 0, r.stderr);
            assert.deepEqual(parseStrandedThreads(r.stdout), [125, 127]);
        });

        it("takes `--exec-root X` as well as `--exec-root=X`; with every namespace live, none", () => {
            fakeProc({ 123: "own", 124: "live", 125: "dead1" }, ["live", "dead1"], ["dockerd", "--exec-root", "EXEC"]);
            const r = runScript(path.join(dir, "docker.pid"));
            assert.equal(r.status, 0, r.stderr);
            assert.deepEqual(parseStrandedThreads(r.stdout), []);
        });

        it("counts the main thread when it is the one left in a dead namespace: the engine's namespace is where the script runs", () => {
            fakeProc({ 123: "dead1", 124: "own" }, [], ["dockerd", "--exec-root=EXEC"]);
            assert.deepEqual(parseStrandedThreads(runScript(path.join(dir, "docker.pid")).stdout), [123]);
        });

        it(`exits ${NO_ENGINE_EXIT} when no engine runs: no pidfile, or a pid that is gone`, () => {
            fakeProc({ 123: "own" }, [], ["dockerd"]);
            const none = runScript(path.join(dir, "nope.pid"));
            assert.equal(none.status, NO_ENGINE_EXIT);
            assert.match(none.stderr, /^no engine: cannot read .*nope\.pid$/m);
            fs.writeFileSync(path.join(dir, "docker.pid"), "999\n");
            const gone = runScript(path.join(dir, "docker.pid"));
            assert.equal(gone.status, NO_ENGINE_EXIT);
            assert.match(gone.stderr, /^no engine: pid 999 from .* does not run$/m);
        });

        it("over ssh: the same script as one command line, the pidfile its argument", () => {
            const argv = strandedThreadsArgv("/run/docker.pid");
            assert.deepEqual([argv[0], argv[1], argv[3], argv[4]], ["bash", "-c", "stranded-threads", "/run/docker.pid"]);
            assert.match(argv[2], /for t in "\$proc\/\$pid"\/task\/\*/);
            assert.deepEqual(strandedThreadsArgv(), ["bash", "-c", argv[2], "stranded-threads"]);
        });
    });

    it("engine threads: one line naming the host, the threads, the bug and the way out; none when there are none", () => {
        assert.equal(strandedLine("h2", []), "");
        assert.equal(
            strandedLine("h2", [31, 40]),
            "h2: 2 engine threads (31, 40) in a deleted network namespace (dockerd 20.10's overlay driver, moby/libnetwork#1113): " +
                "store calls run on them fail with `network is unreachable`; restart the engine to clear it",
        );
        assert.match(strandedLine("h1", [5]), /^h1: 1 engine thread \(5\) .* run on it fail/);
    });

    describe("an engine's serf lines on an ssh host: lib/engine/sh/serf-log.sh", () => {
        let dir = "";
        beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "serf-log-"))));
        afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
        const LOG = [
            'time="2026-12-02T01:31:24.9Z" level=info msg="Daemon has completed initialization"',
            'time="2026-12-02T01:31:24.98Z" level=info msg="2026/12/02 01:31:24 [INFO] serf: EventMemberJoin: h1 10.0.0.1\\n"',
            'time="2026-12-02T01:31:29.99Z" level=error msg="joining serf neighbor 10.0.0.2 failed: ... connection refused"',
            'time="2026-12-02T01:31:30.00Z" level=info msg="2026/12/02 01:31:30 [INFO] serf: EventMemberJoin: h2 10.0.0.2\\n"',
        ];
        function run(env: Record<string, string>, logFile?: string) {
            const argv = serfLogArgv(logFile);
            const r = spawnSync(argv[0], argv.slice(1), { encoding: "utf8", env: { PATH: `${dir}:/usr/bin:/bin`, ...env } });
            return { status: r.status, stdout: r.stdout, stderr: r.stderr };
        }

        it("without systemd: the serf lines of the log file, which serfHistory replays into the members", () => {
            fs.writeFileSync(path.join(dir, "docker.log"), LOG.join("\n") + "\n");
            const r = run({ SYSTEMD_RUN: path.join(dir, "none") }, path.join(dir, "docker.log"));
            assert.equal(r.status, 0, r.stderr);
            assert.deepEqual(r.stdout.trim().split("\n"), LOG.slice(1));
            assert.deepEqual(serfHistory(r.stdout, "h1")?.members, ["h1", "h2"]);
        });

        it("with systemd: the docker unit's journal of this boot, not the file", () => {
            fs.mkdirSync(path.join(dir, "systemd"));
            fs.writeFileSync(
                path.join(dir, "journalctl"),
                `#!/bin/sh\necho "$*" > "${dir}/journal-args"\nprintf '%s\\n' ${LOG.map((l) => `'${l}'`).join(" ")}\n`,
                { mode: 0o755 },
            );
            fs.writeFileSync(path.join(dir, "docker.log"), "serf: EventMemberJoin: other 10.9.9.9 \n");
            const r = run({ SYSTEMD_RUN: path.join(dir, "systemd") }, path.join(dir, "docker.log"));
            assert.equal(r.status, 0, r.stderr);
            assert.equal(fs.readFileSync(path.join(dir, "journal-args"), "utf8").trim(), "-u docker -b -o cat --no-pager");
            assert.deepEqual(serfHistory(r.stdout, "h1")?.members, ["h1", "h2"]);
        });

        it("exit NO_ENGINE_LOG_EXIT when neither can be read; no serf line is no failure of the script", () => {
            const none = run({ SYSTEMD_RUN: path.join(dir, "none") }, path.join(dir, "missing.log"));
            assert.equal(none.status, NO_ENGINE_LOG_EXIT);
            fs.writeFileSync(path.join(dir, "docker.log"), "nothing of serf\n");
            const quiet = run({ SYSTEMD_RUN: path.join(dir, "none") }, path.join(dir, "docker.log"));
            assert.equal(quiet.status, 0, quiet.stderr);
            assert.equal(quiet.stdout, "");
        });
    });
});
