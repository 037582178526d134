/**
 * The ssh driver on real machines: "existing machines" made of namespaces
 * (tests/lab/fixtures/sshMachines.ts: own sshd, /etc, hostname, a docker
 * 20.10.5 engine under a sysvinit-style init script, one with a daemon.json of
 * its own) and a consul. The lab applies tests/lab/stacks/Pulumi.ssh-lab.yaml:
 * command.remote reconfigures each engine over ssh (daemon.json with
 * cluster-store / cluster-advertise, `service docker restart`, wait until it
 * answers), then the overlay and containers go through ssh:// docker
 * providers. `check` pings across the machines; `down` must put each
 * machine's daemon.json and hostname back exactly; the fixture's teardown must
 * leave nothing. swarm-node2's link has MTU 1400 (the other's 1500): each host
 * reports its own (lib/drivers/underlayMtu.ts) and the overlay takes the
 * smallest, so its containers get 1350 and the check's full-size packets cross.
 * Root only; needs scripts/lab-deps.sh.
 *
 * Every lab command runs as a child process (`tools/lab.ts <cmd> --json`), as
 * lab/stack.ts recommends, with the fixture's environment: the private key
 * file for the `sshPrivateKey` secret and the fixture's ssh client first on PATH.
 */
import * as assert from "node:assert/strict";
import { spawnSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { fixtureLeftovers, pinHostKeys, PRESEEDED_DAEMON_JSON, SshLab, sshLabSpecFromStack } from "./fixtures/sshMachines";
import "./support/root-hooks";
import type { HostSummary } from "../../components/cluster";
import type { CheckResult } from "../../lib/render/check";
import { containerOn } from "./support/changes";
import { loadStackFile } from "../../lib/config/load";
import { normalizeConfig } from "../../lib/config/validate";
import { formationProbes, probeOwners } from "../../lib/plan/probes";
import { probeTables, renderProbeScript } from "../../lib/probe/underlay";
import { dockerMachineAccess } from "../../lab/remoteDiagnose";
import { shQuote } from "../../lib/render/shell";
import { renderDockerMachineEngineConfigScript } from "../../lib/drivers/dockerMachine";
import { bridgesUsed, CheckJson, DownJson, stacksUsed, timings as suiteTimings, UpJson } from "./support/lab";

/** An `up` the lab refused: it says why. */
type RefusedUp = UpJson & { error: string };

/** A finished `up` of this stack: the outputs the assertions read. */
type FinishedUp = Omit<UpJson, "exports"> & {
    exports: { placements: Record<string, string>; hosts: HostSummary[]; connectivity: CheckResult; registeredEngines: string[] };
};

const REPO = path.resolve(__dirname, "..", "..");
const STACK_FILE = path.join(REPO, "tests", "lab", "stacks", "Pulumi.ssh-lab.yaml");
const TS_NODE = path.join(REPO, "node_modules", ".bin", "ts-node");
/** swarm-node2's underlay (its veth, both ends); swarm-node1 keeps the kernel's 1500. */
const NODE2_MTU = 1400;
const BACKUP_FILES = ["daemon.json.docker-overlay.bak", "daemon.json.docker-overlay.none", "daemon.json.docker-overlay.base", "hostname.docker-overlay.bak"];

/** Measured durations: printed by the suite's root hook (tests/lab/support/root-hooks.ts). */
function timing(what: string, seconds: number): void {
    suiteTimings.push({ what: `ssh: ${what}`, seconds });
}

function timed<T>(what: string, f: () => T): T {
    const t0 = Date.now();
    try {
        return f();
    } finally {
        timing(what, (Date.now() - t0) / 1000);
    }
}

describe("ssh driver on namespace machines with sshd (lab, root)", function () {
    this.timeout(600_000);

    let lab: SshLab;
    let stateDir: string;
    let env: NodeJS.ProcessEnv;
    const upState: { daemonJson: Record<string, string | undefined>; hostnames: Record<string, string> } = { daemonJson: {}, hostnames: {} };

    /** `tools/lab.ts <cmd> <stack> --json`, its JSON output and exit code. */
    /** STACK_FILE with each machine's host key pinned (hosts[].ssh.hostKey): the keys are made per run. */
    let pinnedStack: string;

    /** STACK_FILE with these host keys pinned, by machine address: one per machine of the stack. */
    function withHostKeys(file: string, keys: Record<string, string>): string {
        assert.deepEqual(Object.keys(keys).sort(), ["10.150.22.11", "10.150.22.12"], "a host key per machine of the stack");
        return pinHostKeys(STACK_FILE, keys, file);
    }

    /** `tools/lab.ts <cmd> <stack> --json`; `T`: the document the command prints. */
    function labCommand<T>(cmd: string, stackFile = pinnedStack): { code: number | null; doc: T; stderr: string } {
        const r = spawnSync(TS_NODE, ["--transpile-only", path.join(REPO, "tools", "lab.ts"), cmd, stackFile, "--json"], {
            cwd: REPO,
            env,
            encoding: "utf8",
            timeout: 300_000,
            maxBuffer: 64 * 1024 * 1024,
        });
        let doc: unknown;
        try {
            doc = JSON.parse(r.stdout);
        } catch {
            throw new Error(`lab ${cmd}: no JSON on stdout (exit ${String(r.status)})\n--- stdout ---\n${r.stdout}\n--- stderr ---\n${r.stderr}`);
        }
        return { code: r.status, doc: doc as T, stderr: r.stderr };
    }

    /** `npm run diagnose -- <stackFile> --json` (tools/diagnose.ts) with the fixture's environment (and `more`). */
    function diagnoseCommand(stackFile: string, more: NodeJS.ProcessEnv = {}) {
        const r = spawnSync(TS_NODE, ["--transpile-only", path.join(REPO, "tools", "diagnose.ts"), stackFile, "--json"], {
            cwd: REPO,
            env: { ...env, ...more },
            encoding: "utf8",
            timeout: 120_000,
        });
        return {
            code: r.status,
            doc: JSON.parse(r.stdout || "{}") as {
                failures?: string[];
                warnings?: string[];
                overlays?: { network: string; seen: Record<string, string[]> }[];
                gossip?: { host: string; members?: string[] }[];
            },
            stderr: r.stderr,
        };
    }

    /** A refused `up` configured no engine (the underlay probe comes first on ssh hosts, components/cluster.ts): both machines as they were. */
    function assertNoEngineConfigured(up: RefusedUp): void {
        assert.deepEqual(
            up.resources.filter((x) => x.status === "created" && x.name.endsWith("-engine-daemon")),
            [],
            JSON.stringify(up.resources),
        );
        assertUntouched();
    }

    /** Both machines' daemon.json and hostname as before the first `up`, and none of the program's backups left. */
    function assertUntouched(): void {
        // The fixture's own two machines, none missing.
        assert.deepEqual(
            lab.machines.map((m) => m.spec.host),
            ["swarm-node1", "swarm-node2"],
        );
        for (const m of lab.machines) {
            assert.equal(lab.readFile(m.spec.host, "/etc/docker/daemon.json"), upState.daemonJson[m.spec.host]);
            assert.equal(lab.exec(m.spec.host, ["hostname"]).trim(), upState.hostnames[m.spec.host]);
            assert.deepEqual(
                lab
                    .exec(m.spec.host, ["ls", "/etc/docker"])
                    .split("\n")
                    .filter((f) => BACKUP_FILES.includes(f)),
                [],
            );
        }
    }

    /** `f` with udp/4789 (VXLAN) dropped in swarm-node2's INPUT; the rule goes again whatever happens. */
    function withVxlanDropped(f: () => void): void {
        const drop = ["INPUT", "-p", "udp", "--dport", "4789", "-m", "comment", "--comment", "docker-overlay lab test: drop VXLAN", "-j", "DROP"];
        lab.exec("swarm-node2", ["iptables", "-w", "-I", ...drop]);
        try {
            f();
        } finally {
            lab.exec("swarm-node2", ["iptables", "-w", "-D", ...drop]);
        }
    }

    /**
     * `diagnose` (timed as `what`) on the running cluster: every pair passes, net1 holds c1 and c2 on
     * both engines, each engine's gossip has both hosts; then, with udp/4789 dropped on swarm-node2, it
     * fails naming exactly that pair; no probe rule is left.
     */
    function assertDiagnoseOfTheCluster(what: string, diagnose: () => ReturnType<typeof diagnoseCommand>): void {
        const ok = timed(what, diagnose);
        assert.equal(ok.code, 0, JSON.stringify(ok.doc) + ok.stderr);
        assert.deepEqual(ok.doc.failures, []);
        // Each engine's threads were read (a stranded one is a warning naming the engine bug, not a failure).
        assert.ok(Array.isArray(ok.doc.warnings), JSON.stringify(ok.doc));
        assert.deepEqual(
            ok.doc.warnings.filter((w) => !/^swarm-node[12]: \d+ engine threads? \(.*\) in a deleted network namespace/.test(w)),
            [],
        );
        // The cluster store's overlay: every endpoint on every engine.
        assert.deepEqual(ok.doc.overlays, [{ network: "net1", seen: { "swarm-node1": ["c1", "c2"], "swarm-node2": ["c1", "c2"] } }]);
        // Each engine's serf gossip, replayed from its /var/log/docker.log (no systemd here): both hosts on both.
        assert.deepEqual(
            ok.doc.gossip?.map((g) => [g.host, g.members]),
            [
                ["swarm-node1", ["swarm-node1", "swarm-node2"]],
                ["swarm-node2", ["swarm-node1", "swarm-node2"]],
            ],
            JSON.stringify(ok.doc),
        );
        withVxlanDropped(() => {
            const cut = timed(`${what} (a port dropped)`, diagnose);
            assert.equal(cut.code, 1, JSON.stringify(cut.doc) + cut.stderr);
            assert.deepEqual(cut.doc.failures, ["swarm-node1 -> swarm-node2 udp/4789: no answer"]);
        });
        assertNoProbeRules();
    }

    /** No underlay probe's counting rule on either machine (each probe removes its own before it ends, passed or failed). */
    function assertNoProbeRules(): void {
        for (const m of lab.machines) {
            assert.doesNotMatch(
                lab.exec(m.spec.host, ["iptables", "-w", "-t", "security", "-S", "INPUT"]),
                /docker-overlay probe/,
                `${m.spec.host} keeps probe rules`,
            );
        }
    }

    /**
     * The environment that puts a stand-in `docker-machine` first on PATH. This machine has no
     * docker-machine (Debian does not package it), but these machines are what its generic driver
     * makes: the stand-in does the two calls the probe, diagnose and the engine's config command make
     * as docker/machine does them. `ip NAME`: the machine's IP. `ssh NAME ARG...`:
     * ExternalClient.Shell, the first ssh on PATH with baseSSHArgs, user@host, -o IdentitiesOnly=yes,
     * -i KEY, -p PORT and then ARG... (libmachine/ssh/client.go:63-74, 335-376, 392-403; OpenSSH
     * takes options after the host); a failure is "exit status N" and exit 1 (commands/commands.go:163-176).
     */
    function dockerMachineStandIn(): NodeJS.ProcessEnv {
        const bin = fs.mkdtempSync(path.join(stateDir, "docker-machine-"));
        const table = lab.machines.map((m) => `${m.spec.host} ${m.spec.address}`).join("\n");
        fs.writeFileSync(
            path.join(bin, "docker-machine"),
            [
                "#!/usr/bin/env bash",
                `addr=$(awk -v h="$2" '$1 == h { print $2 }' <<<${shQuote(table)})`,
                '[ -n "$addr" ] || { echo "Host does not exist: \\"$2\\"" >&2; exit 1; }',
                'case "$1" in',
                'ip) echo "$addr" ;;',
                "ssh)",
                "    shift 2",
                "    ssh -F /dev/null -o ConnectionAttempts=3 -o ConnectTimeout=10 -o ControlMaster=no -o ControlPath=none -o LogLevel=quiet \\",
                "        -o PasswordAuthentication=no -o ServerAliveInterval=60 -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \\",
                `        "root@$addr" -o IdentitiesOnly=yes -i ${shQuote(lab.privateKeyFile)} -p 22 "$@" || { rc=$?; echo "exit status $rc" >&2; exit 1; }`,
                "    ;;",
                "esac",
                "",
            ].join("\n"),
            { mode: 0o755 },
        );
        return { PATH: `${bin}:${env["PATH"] ?? ""}` };
    }

    function stateFile(): string {
        return path.join(stateDir, "ssh-lab.json");
    }

    before(function () {
        if (process.getuid?.() !== 0) {
            throw new Error("the ssh lab test needs root (namespaces, bridge, iptables)");
        }
        for (const bin of [
            "/usr/sbin/sshd",
            "/opt/docker-overlay/engine/bin/dockerd",
            "/opt/docker-overlay/kv/bin/consul",
            "/var/lib/docker-overlay/images/busybox-rootfs.tar",
        ]) {
            assert.ok(fs.existsSync(bin), `${bin} is missing: run scripts/lab-deps.sh`);
        }
        lab = new SshLab(sshLabSpecFromStack(STACK_FILE, { daemonJson: PRESEEDED_DAEMON_JSON, mtu: { "swarm-node2": NODE2_MTU } }));
        // What scripts/lab-clean.sh --check must find gone at the end: the fabric's stack and bridge, the fixture's directories.
        stacksUsed.add(lab.spec.name);
        stacksUsed.add("fixtures");
        bridgesUsed.add(lab.spec.bridge);
        stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "dovl-ssh-lab-state-"));
        const fixture = timed("fixture up", () => lab.up());
        for (const [k, v] of Object.entries(fixture.seconds)) {
            timing(`  fixture ${k}`, v);
        }
        env = { ...lab.labEnv(process.env), DOCKER_OVERLAY_LAB_STATE_DIR: stateDir };
        pinnedStack = withHostKeys(path.join(stateDir, "Pulumi.ssh-lab.yaml"), lab.hostKeys());
        for (const m of lab.machines) {
            upState.daemonJson[m.spec.host] = lab.readFile(m.spec.host, "/etc/docker/daemon.json");
            upState.hostnames[m.spec.host] = lab.exec(m.spec.host, ["hostname"]).trim();
        }
    });

    after(function () {
        // Whatever happened above: the program's resources, then the machines.
        if (lab !== undefined) {
            if (fs.existsSync(stateFile())) {
                const r = labCommand<DownJson>("down");
                if (r.code !== 0) {
                    process.stderr.write(`ssh lab: down in after() failed:\n${JSON.stringify(r.doc, null, 2)}\n${r.stderr}\n`);
                }
            }
            const failures = lab.down();
            for (const f of failures) {
                process.stderr.write(`ssh lab: fixture teardown: ${f}\n`);
            }
        }
        if (stateDir !== undefined) {
            fs.rmSync(stateDir, { recursive: true, force: true });
        }
    });

    it("starts from machines the program has not touched (own hostnames, one daemon.json, one none)", function () {
        assert.deepEqual(upState.hostnames, { "swarm-node1": "sshlab-m1", "swarm-node2": "sshlab-m2" });
        assert.deepEqual(upState.daemonJson, { "swarm-node1": PRESEEDED_DAEMON_JSON, "swarm-node2": undefined });
        for (const m of lab.machines) {
            // The machine's own view, not this machine's: its interface and hostname file.
            assert.match(lab.exec(m.spec.host, ["ls", "/sys/class/net"]), /^eth1$/m);
            assert.equal(lab.readFile(m.spec.host, "/etc/hostname"), `${m.spec.hostname}\n`);
        }
        assert.notEqual(os.hostname(), "sshlab-m1");
    });

    it("a machine that cannot take the config is refused before anything on it changes; down after the failed up leaves both as they were", function () {
        // Same machines, but engines told to advertise an interface they do not have.
        const bad = path.join(stateDir, "Pulumi.ssh-lab-noif.yaml");
        fs.writeFileSync(bad, fs.readFileSync(STACK_FILE, "utf8").replace("advertiseInterface: eth1", "advertiseInterface: eth9"));
        const up = timed("lab up (refused)", () => labCommand<RefusedUp>("up", bad));
        assert.equal(up.code, 1);
        // The underlay probe logs in first (components/cluster.ts: ssh hosts exist before the stack) and
        // reads the interface's address there: no engine is configured.
        assert.match(
            up.doc.error,
            /docker-overlay: cannot read the address of eth9 \(engine\.advertiseInterface\) on swarm-node[12] over ssh \(root@10\.150\.22\.1[12] port 22\): it has no interface eth9 \(it has: [^)\n]*\beth1\b[^)\n]*\)/,
        );
        assertNoEngineConfigured(up.doc);
        const down = timed("lab down (after refused up)", () => labCommand<DownJson>("down", bad));
        assert.equal(down.code, 0, JSON.stringify(down.doc, null, 2));
        assertUntouched();
    });

    it("a machine that presents another host key than the pinned one is refused before anything runs on either; down leaves both as they were", function () {
        // swarm-node1 pinned to swarm-node2's key: what a man in the middle (or a reinstalled machine) looks like.
        const [m1, m2] = lab.machines;
        const swapped = withHostKeys(path.join(stateDir, "Pulumi.ssh-lab-hostkey.yaml"), { [m1.spec.address]: m2.hostKey, [m2.spec.address]: m2.hostKey });
        const up = timed("lab up (host key mismatch)", () => labCommand<RefusedUp>("up", swapped));
        assert.equal(up.code, 1, JSON.stringify(up.doc, null, 2));
        const fp = (key: string) =>
            `SHA256:${crypto
                .createHash("sha256")
                .update(Buffer.from(key.split(" ")[1], "base64"))
                .digest("base64")
                .replace(/=+$/, "")}`;
        // The underlay probe is the first to log in (components/cluster.ts), with the pinned key as the only one accepted.
        assert.ok(
            up.doc.error.includes(
                `docker-overlay: cannot read the address of eth1 (engine.advertiseInterface) on swarm-node1 over ssh (root@${m1.spec.address} port 22): it presented the ED25519 key ${fp(m1.hostKey)}, not the pinned hosts[].ssh.hostKey: refusing to log in`,
            ),
            up.doc.error,
        );
        // So no engine was configured, swarm-node2's (its key right) neither.
        assertNoEngineConfigured(up.doc);
        const down = timed("lab down (after host key mismatch)", () => labCommand<DownJson>("down", swapped));
        assert.equal(down.code, 0, JSON.stringify(down.doc, null, 2));
        assertUntouched();
    });

    it("a networks[].mtu that one machine's underlay cannot carry is refused by that host's MTU reader, naming it, before any network exists; down leaves both as they were", function () {
        // net1 asks for 1400 in its containers: 1450 on the underlay, which swarm-node2's 1400 link cannot carry.
        const bad = path.join(stateDir, "Pulumi.ssh-lab-mtu.yaml");
        const text = fs.readFileSync(STACK_FILE, "utf8");
        assert.ok(text.includes("      subnet: 10.0.0.0/24\n"), `${STACK_FILE} has no net1 subnet line`);
        fs.writeFileSync(bad, text.replace("      subnet: 10.0.0.0/24\n", "      subnet: 10.0.0.0/24\n      mtu: 1400\n"));
        const up = timed("lab up (networks[].mtu too large)", () => labCommand<RefusedUp>("up", bad));
        assert.equal(up.code, 1, JSON.stringify(up.doc, null, 2));
        assert.match(up.doc.error, /command:remote:Command .*swarm-node2-engine-underlay-mtu: create on 10\.150\.22\.12 exited with code 1/);
        assert.ok(
            up.doc.error.includes(
                `docker-overlay: networks[0].mtu 1400 (network net1) is more than host swarm-node2's underlay carries: eth1 has MTU ${NODE2_MTU}, which leaves at most ${NODE2_MTU - 50} (50 bytes of VXLAN); use at most ${NODE2_MTU - 50}, or raise the MTU of eth1`,
            ),
            up.doc.error,
        );
        for (const m of lab.machines) {
            assert.doesNotMatch(lab.exec(m.spec.host, ["docker", "network", "ls", "--format", "{{.Name}}"]), /^net1$/m, `${m.spec.host} has net1`);
        }
        const down = timed("lab down (after networks[].mtu refused)", () => labCommand<DownJson>("down", bad));
        assert.equal(down.code, 0, JSON.stringify(down.doc, null, 2));
        assertUntouched();
    });

    it("a port the underlay drops between the machines stops up by name before any engine is configured (the underlay probe over ssh); down leaves both as they were", function () {
        // VXLAN into swarm-node2 dropped in its own firewall, as a closed cloud security group would.
        withVxlanDropped(() => {
            const up = timed("lab up (underlay probe fails)", () => labCommand<RefusedUp>("up"));
            assert.equal(up.code, 1, JSON.stringify(up.doc, null, 2));
            const lines = up.doc.error.split("\n").filter((l) => l.endsWith(": no answer"));
            assert.deepEqual(lines, ["swarm-node1 -> swarm-node2 udp/4789: no answer"], up.doc.error);
            const failed = up.doc.resources.filter((x) => x.status === "failed").map((x) => x.name);
            // The pair's probe is the later host's (lib/plan/probes.ts probeOwners); the first host of a swarm has none.
            assert.deepEqual(failed, ["underlay-probe-swarm-node2"], JSON.stringify(up.doc.resources));
            // The hosts exist before the stack, so the probe ran first: no engine was configured, none
            // joined the store (components/cluster.ts), and no network exists.
            assertNoEngineConfigured(up.doc);
            for (const m of lab.machines) {
                assert.equal(
                    lab.exec(m.spec.host, ["docker", "info", "--format", "{{.ClusterStore}}"]).trim(),
                    "",
                    `${m.spec.host}'s engine has a cluster store`,
                );
                assert.doesNotMatch(lab.exec(m.spec.host, ["docker", "network", "ls", "--format", "{{.Name}}"]), /^net1$/m, `${m.spec.host} has net1`);
            }
            // It removed the counting rules it had set on both machines, failed as it is.
            assertNoProbeRules();
        });
        const down = timed("lab down (after the probe failed)", () => labCommand<DownJson>("down"));
        assert.equal(down.code, 0, JSON.stringify(down.doc, null, 2));
        assertUntouched();
    });

    it("up: command.remote reconfigures each engine over ssh (host keys pinned), then the overlay and containers are created through ssh://", function () {
        const r = timed("lab up", () => labCommand<FinishedUp>("up"));
        assert.equal(r.code, 0, `up failed: ${r.doc.error ?? ""}\n${r.stderr}`);
        const resources = r.doc.resources as { type: string; name: string; status: string; seconds?: number }[];
        for (const x of resources) {
            timing(`  up ${x.type.split(":").pop()} ${x.name}`, x.seconds ?? 0);
        }
        const remote = resources
            .filter((x) => x.type === "command:remote:Command")
            .map((x) => x.name)
            .sort();
        assert.deepEqual(remote, [
            "swarm-node1-engine-daemon",
            "swarm-node1-engine-underlay-mtu",
            "swarm-node2-engine-daemon",
            "swarm-node2-engine-underlay-mtu",
        ]);
        assert.ok(resources.every((x) => x.status === "created"));
        const exports = r.doc.exports;
        assert.deepEqual(exports.placements, { c1: "swarm-node2", c2: "swarm-node1" });
        // Each host's underlay MTU as read on the machine (eth1, engine.advertiseInterface).
        assert.deepEqual(
            exports.hosts.map((h) => [h.name, h.dockerHost, h.underlayMtu]),
            [
                ["swarm-node1", "ssh://root@10.150.22.11:22", 1500],
                ["swarm-node2", "ssh://root@10.150.22.12:22", NODE2_MTU],
            ],
        );
        // The overlay spans both: the smallest underlay, so containers get 1400 - 50, and one
        // do-not-fragment packet of that size crossed in each direction.
        assert.deepEqual(exports.connectivity.pairs.map((p) => `${p.from}->${p.to} mtu:${String(p.mtu)} full:${String(p.fullSize)}`).sort(), [
            `c1->c2 mtu:${NODE2_MTU - 50} full:true`,
            `c2->c1 mtu:${NODE2_MTU - 50} full:true`,
        ]);
        // The program's own connectivity check (a local command: docker -H ssh://... exec ... ping).
        assert.equal(exports.connectivity.failed, 0);
        assert.equal(exports.connectivity.passed, 2);
        // Both engines registered in consul under docker/nodes by their advertised eth1 address.
        assert.deepEqual([...exports.registeredEngines].sort(), ["10.150.22.11:2376", "10.150.22.12:2376"]);
    });

    it("each machine now runs its engine with the cluster store, under its host name, with its old config kept aside", function () {
        assert.deepEqual(
            lab.machines.map((m) => m.spec.host),
            ["swarm-node1", "swarm-node2"],
        );
        for (const m of lab.machines) {
            const host = m.spec.host;
            const daemonJson = JSON.parse(lab.readFile(host, "/etc/docker/daemon.json") ?? "null");
            assert.deepEqual(daemonJson, { "cluster-store": "consul://10.150.22.2:8500", "cluster-advertise": "eth1:2376" });
            assert.equal(lab.exec(host, ["hostname"]).trim(), host);
            assert.equal(lab.readFile(host, "/etc/hostname"), `${host}\n`);
            assert.equal(
                lab.exec(host, ["docker", "info", "--format", "{{.Name}} {{.ClusterStore}} {{.ClusterAdvertise}}"]).trim(),
                `${host} consul://10.150.22.2:8500 ${m.spec.address}:2376`,
            );
            // Restarted by `service docker restart` (the machine has no systemd): the log shows two starts.
            const log = lab.readFile(host, "/var/log/docker.log") ?? "";
            assert.ok((log.match(/API listen on \/var\/run\/docker\.sock/g) ?? []).length >= 2, "the engine was not restarted");
        }
        // The option Docker reads as the underlay's MTU: the smaller machine's, on both engines (one store).
        for (const m of lab.machines) {
            assert.equal(
                lab.exec(m.spec.host, ["docker", "network", "inspect", "-f", '{{index .Options "com.docker.network.driver.mtu"}}', "net1"]).trim(),
                String(NODE2_MTU),
            );
        }
        for (const c of ["c1", "c2"]) {
            const host = c === "c1" ? "swarm-node2" : "swarm-node1";
            // eth0: the container's interface on net1, its only overlay (cluster-store mode adds eth1 on docker_gwbridge).
            assert.equal(lab.exec(host, ["docker", "exec", c, "cat", "/sys/class/net/eth0/mtu"]).trim(), String(NODE2_MTU - 50), `${c}'s eth0`);
        }
        const etc1 = lab.exec("swarm-node1", ["ls", "/etc/docker"]).split("\n");
        const etc2 = lab.exec("swarm-node2", ["ls", "/etc/docker"]).split("\n");
        assert.ok(etc1.includes("daemon.json.docker-overlay.bak") && !etc1.includes("daemon.json.docker-overlay.none"));
        assert.ok(etc2.includes("daemon.json.docker-overlay.none") && !etc2.includes("daemon.json.docker-overlay.bak"));
        assert.equal(lab.readFile("swarm-node1", "/etc/docker/daemon.json.docker-overlay.bak"), PRESEEDED_DAEMON_JSON);
    });

    it("the state file keeps the remote commands' connection (with the private key) sealed, never in clear", function () {
        const text = fs.readFileSync(stateFile(), "utf8");
        const key = fs.readFileSync(lab.privateKeyFile, "utf8");
        assert.ok(!text.includes("PRIVATE KEY"), "the private key is in the state file in clear");
        assert.ok(!text.includes(key.split("\n")[1]), "the private key is in the state file in clear");
        const state = JSON.parse(text);
        const remote = state.resources.filter((r: { type: string }) => r.type === "command:remote:Command");
        assert.equal(remote.length, 4);
        for (const r of remote) {
            assert.deepEqual(r.secrets, ["connection"]);
            assert.equal(typeof r.inputs.connection.ciphertext, "string");
            assert.equal(typeof r.outputs.connection.ciphertext, "string");
        }
    });

    it("check: containers on the two machines ping each other by IP and by name", function () {
        const r = timed("lab check", () => labCommand<CheckJson>("check"));
        assert.equal(r.code, 0, JSON.stringify(r.doc, null, 2));
        assert.equal(r.doc.failed, 0);
        assert.deepEqual(
            r.doc.pairs.map((p: { from: string; to: string; byIp: boolean; byName: boolean; ok: boolean }) => [p.from, p.to, p.byIp, p.byName, p.ok]).sort(),
            [
                ["c1", "c2", true, true, true],
                ["c2", "c1", true, true, true],
            ],
        );
    });

    it("a label set on swarm-node1: its engine reloads it in place (same dockerd, c2 not restarted), the check passes; removed again: a restart", function () {
        const dockerd = () => lab.exec("swarm-node1", ["cat", "/var/run/docker.pid"]).trim();
        const c2Started = () => lab.exec("swarm-node1", ["docker", "inspect", "-f", "{{.State.StartedAt}}", "c2"]).trim();
        const labels = () => lab.exec("swarm-node1", ["docker", "info", "--format", "{{json .Labels}}"]).trim();
        const touched = (doc: UpJson) => (doc.steps ?? []).filter((st) => st.op !== "same").map((st) => `${st.op} ${st.type} ${st.name}`);
        const before = { pid: dockerd(), c2: c2Started() };
        assert.equal(labels(), "[]");
        // The same stack name (the file's), in a directory of its own.
        const labelled = path.join(fs.mkdtempSync(path.join(stateDir, "labelled-")), "Pulumi.ssh-lab.yaml");
        const text = fs.readFileSync(pinnedStack, "utf8");
        assert.match(text, / {4}- name: swarm-node1\n/);
        fs.writeFileSync(labelled, text.replace("    - name: swarm-node1\n", "    - name: swarm-node1\n      labels: { zone: b }\n"));
        const set = timed("lab up (a label)", () => labCommand<UpJson>("up", labelled));
        assert.equal(set.code, 0, set.stderr);
        // The cluster record in consul lists the hosts' labels: its keys update too.
        const updated = ["update command:remote:Command swarm-node1-engine-daemon", "update consul:index/keyPrefix:KeyPrefix cluster-record-keys"];
        assert.deepEqual(touched(set.doc), updated);
        assert.equal(labels(), '["zone=b"]');
        assert.equal(dockerd(), before.pid, "dockerd was restarted");
        assert.equal(c2Started(), before.c2, "c2 was restarted");
        const check = labCommand<CheckJson>("check", labelled);
        assert.equal(check.code, 0, JSON.stringify(check.doc, null, 2));
        assert.equal(check.doc.passed, 2);
        // Back to no labels: the file then has no labels key, which a reload would ignore: a restart.
        const unset = timed("lab up (no label)", () => labCommand<UpJson>("up"));
        assert.equal(unset.code, 0, unset.stderr);
        assert.deepEqual(touched(unset.doc), updated);
        assert.equal(labels(), "[]");
        assert.notEqual(dockerd(), before.pid, "a restart makes a new dockerd");
        const again = labCommand<CheckJson>("check");
        assert.equal(again.code, 0, JSON.stringify(again.doc, null, 2));
    });

    it("npm run diagnose on the running cluster: every pair passes; a DROP of udp/4789 on swarm-node2 is named, and no rule is left", function () {
        assertDiagnoseOfTheCluster("diagnose", () => diagnoseCommand(pinnedStack));
    });

    it("docker-machine's way in, over real ssh to these machines: the program's probe commands pass; npm run diagnose of a docker-machine stack passes, then names a DROP of udp/4789 on swarm-node2; no rule is left", function () {
        const withStandIn = dockerMachineStandIn();
        // The same cluster as a docker-machine stack: its machines named as docker-machine knows them, the store existing.
        const stackText = fs.readFileSync(STACK_FILE, "utf8");
        const dmStack = path.join(stateDir, "Pulumi.dm-lab.yaml");
        fs.writeFileSync(
            dmStack,
            [
                "config:",
                "  docker-overlay:driver: { kind: docker-machine, machineDriver: generic }",
                "  docker-overlay:kvStore: { backend: consul, address: consul://10.150.22.2:8500 }",
                "  docker-overlay:engine: { mode: cluster-store, advertiseInterface: eth1, apiPort: 2376 }",
                "  docker-overlay:hosts: [{ name: swarm-node1 }, { name: swarm-node2 }]",
                stackText.slice(stackText.indexOf("  docker-overlay:networks:")),
            ].join("\n"),
        );
        const config = normalizeConfig(loadStackFile(dmStack).raw, "dm-lab");

        // The program's probe commands of that stack, as `up` renders them.
        const access = dockerMachineAccess(config);
        const owners = [...probeOwners(config, formationProbes(config)).entries()];
        assert.deepEqual(
            owners.map(([h]) => h),
            ["swarm-node1", "swarm-node2"],
        );
        for (const [host, probes] of owners) {
            const script = renderProbeScript({
                tag: `dm-lab-${host}`,
                what: `the pairs of ${host}`,
                transport: access.transport,
                tables: probeTables(probes, (m) => access.place(m)),
            });
            const t0 = Date.now();
            const r = spawnSync("/bin/bash", ["-c", script], { env: { ...env, ...withStandIn }, encoding: "utf8", timeout: 120_000 });
            timing(`  docker-machine probe ${host} (${probes.length} probes)`, (Date.now() - t0) / 1000);
            assert.equal(r.status, 0, r.stderr);
            assert.equal(r.stderr, `docker-overlay: the underlay carries ${probes.length} probe(s) of the pairs of ${host}\n`);
        }

        assertDiagnoseOfTheCluster("diagnose (docker-machine)", () => diagnoseCommand(dmStack, withStandIn));
    });

    it("down: removes containers and network, and the remote delete restores each machine's daemon.json and hostname", function () {
        const r = timed("lab down", () => labCommand<DownJson>("down"));
        assert.equal(r.code, 0, JSON.stringify(r.doc, null, 2));
        assert.deepEqual(r.doc.failed, []);
        assert.ok(!fs.existsSync(stateFile()));
        // Back to its original content, byte for byte; absent where there was none.
        assert.equal(lab.readFile("swarm-node1", "/etc/docker/daemon.json"), PRESEEDED_DAEMON_JSON);
        assert.equal(lab.readFile("swarm-node2", "/etc/docker/daemon.json"), undefined);
        assert.deepEqual(
            lab.machines.map((m) => m.spec.host),
            ["swarm-node1", "swarm-node2"],
        );
        // The underlay probe left no counting rule.
        assertNoProbeRules();
        for (const m of lab.machines) {
            const host = m.spec.host;
            assert.equal(lab.exec(host, ["hostname"]).trim(), upState.hostnames[host]);
            assert.equal(lab.readFile(host, "/etc/hostname"), `${upState.hostnames[host]}\n`);
            const left = lab.exec(host, ["ls", "/etc/docker"]).split("\n");
            assert.deepEqual(
                left.filter((f) => BACKUP_FILES.includes(f)),
                [],
            );
            // The engine was restarted with the old config and answers, without the cluster store and the program's containers.
            assert.equal(lab.exec(host, ["docker", "info", "--format", "[{{.ClusterStore}}]"]).trim(), "[]");
            assert.equal(lab.exec(host, ["docker", "ps", "-aq"]).trim(), "");
            assert.doesNotMatch(lab.exec(host, ["docker", "network", "ls", "--format", "{{.Name}}"]), /^net1$/m);
        }
        assert.match(lab.exec("swarm-node1", ["docker", "info", "--format", "{{.Labels}}"]), /provisioned-by=hand/);
    });

    it("docker-machine's engine config over real ssh: an engine started without a store joins it by a reload (same dockerd, in the store, gossip listening); a daemon.json the program did not write is refused, untouched", function () {
        // What `<host>-engine-config` of a docker-machine cluster-store stack runs once the underlay probe
        // passed, rendered as the program renders it, on these machines as `down` left them: swarm-node2
        // with no daemon.json, swarm-node1 with the preseeded one, both engines in no store.
        const withStandIn = dockerMachineStandIn();
        const store = "consul://10.150.22.2:8500";
        const engine = { clusterStore: store, clusterAdvertise: "eth1:2376", clusterStoreOpts: {}, labels: {} };
        const run = (host: string) =>
            spawnSync("/bin/bash", ["-c", renderDockerMachineEngineConfigScript({ name: host, engine })], {
                env: { ...env, ...withStandIn },
                encoding: "utf8",
                timeout: 180_000,
            });
        const pid = (host: string) => lab.exec(host, ["cat", "/var/run/docker.pid"]).trim();
        const inStore = (host: string) => lab.exec(host, ["docker", "info", "--format", "[{{.ClusterStore}}]"]).trim();
        const before = { node1: pid("swarm-node1"), node2: pid("swarm-node2") };
        const keys = '{"cluster-store":"consul://10.150.22.2:8500","cluster-advertise":"eth1:2376"}\n';
        try {
            const joined = timed("  docker-machine engine-config swarm-node2", () => run("swarm-node2"));
            assert.equal(joined.status, 0, joined.stderr);
            assert.match(joined.stderr, /^docker-overlay engine swarm-node2: in the cluster store consul:\/\/10\.150\.22\.2:8500, gossip listening, in \d+s$/m);
            assert.equal(lab.readFile("swarm-node2", "/etc/docker/daemon.json"), keys);
            assert.equal(lab.readFile("swarm-node2", "/etc/docker/daemon.json.docker-overlay"), keys);
            assert.equal(pid("swarm-node2"), before.node2, "a reload, not a restart");
            assert.equal(inStore("swarm-node2"), `[${store}]`);
            // The store lists it under docker/nodes, as the engine advertises itself (eth1's address, the API port).
            const nodes = lab.exec("swarm-node1", ["curl", "-fsS", "--noproxy", "*", "http://10.150.22.2:8500/v1/kv/docker/nodes/?keys"]);
            assert.ok((JSON.parse(nodes) as string[]).includes("docker/nodes/10.150.22.12:2376"), nodes);

            const refused = timed("  docker-machine engine-config swarm-node1 (refused)", () => run("swarm-node1"));
            assert.equal(refused.status, 1, refused.stderr);
            assert.match(
                refused.stderr,
                /its \/etc\/docker\/daemon\.json was not written by docker-overlay; docker-machine gives the engine its options as flags: move them to driver\.createFlags \(--engine-opt\), remove the file, and run up again/,
            );
            assert.equal(lab.readFile("swarm-node1", "/etc/docker/daemon.json"), PRESEEDED_DAEMON_JSON);
            assert.equal(lab.readFile("swarm-node1", "/etc/docker/daemon.json.docker-overlay"), undefined);
            assert.equal(pid("swarm-node1"), before.node1);
            assert.equal(inStore("swarm-node1"), "[]");
        } finally {
            // swarm-node2 as `down` left it: no daemon.json, its engine restarted without a store.
            lab.exec("swarm-node2", ["rm", "-f", "/etc/docker/daemon.json", "/etc/docker/daemon.json.docker-overlay"]);
            lab.exec("swarm-node2", ["service", "docker", "restart"]);
        }
        // The init script starts dockerd in the background: it answers, in no store, within a minute.
        const deadline = Date.now() + 60_000;
        let now = "";
        while (now !== "[]" && Date.now() < deadline) {
            try {
                now = inStore("swarm-node2");
            } catch {
                now = "";
            }
            if (now !== "[]") {
                spawnSync("sleep", ["0.2"]);
            }
        }
        assert.equal(now, "[]");
    });

    it("a machine lost for good (its sshd refuses): marked hosts[].lost, `up` only clears its endpoints from the store; `down` then passes, asking it nothing", function () {
        const again = timed("lab up (again, for the lost machine)", () => labCommand<UpJson>("up"));
        assert.equal(again.code, 0, JSON.stringify(again.doc, null, 2));
        // swarm-node2 (c1 on it) stops answering: every ssh connection to it is refused.
        const refuse = ["INPUT", "-p", "tcp", "--dport", "22", "-j", "REJECT", "--reject-with", "tcp-reset"];
        lab.exec("swarm-node2", ["iptables", "-w", "-I", ...refuse]);
        try {
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dovl-ssh-lost-"));
            try {
                const lost = path.join(dir, path.basename(STACK_FILE));
                const text = fs.readFileSync(pinnedStack, "utf8");
                assert.ok(text.includes("    - name: swarm-node2\n"), pinnedStack);
                fs.writeFileSync(lost, text.replace("    - name: swarm-node2\n", "    - name: swarm-node2\n      lost: true\n"));
                const marked = timed("lab up (swarm-node2 lost)", () => labCommand<UpJson>("up", lost));
                assert.equal(marked.code, 0, JSON.stringify(marked.doc, null, 2));
                // Its endpoints leave the store (through swarm-node1's engine), and the underlay probe leaves it
                // out (lib/plan/probes.ts probedHosts): its own probe command goes, a delete that runs nothing.
                // Every other step is same.
                assert.deepEqual(
                    (marked.doc.steps ?? [])
                        .filter((st) => st.op !== "same")
                        .map((st) => `${st.op} ${st.name}`)
                        .sort(),
                    ["create forget-swarm-node2", "delete underlay-probe-swarm-node2"],
                );
                // npm run diagnose leaves it out too (lab/remoteDiagnose.ts): it says so, and the rest passes.
                const diagnosed = timed("diagnose (swarm-node2 lost)", () => diagnoseCommand(lost));
                assert.equal(diagnosed.code, 0, JSON.stringify(diagnosed.doc) + diagnosed.stderr);
                assert.deepEqual(diagnosed.doc.failures, []);
                assert.equal(diagnosed.doc.warnings?.[0], "swarm-node2: marked lost (hosts[].lost): not asked, and nothing on it is expected");
                // c1's endpoint left the store with the forget: swarm-node1 sees c2 alone.
                assert.deepEqual(diagnosed.doc.overlays, [{ network: "net1", seen: { "swarm-node1": ["c2"] } }]);
                assert.deepEqual(
                    diagnosed.doc.gossip?.map((g) => g.host),
                    ["swarm-node1"],
                );
                // A container added that only the lost machine fits is refused before anything is made
                // (c1, which the stack runs there, stays): nothing new can be created on a lost host.
                const added = path.join(dir, "added", path.basename(STACK_FILE));
                fs.mkdirSync(path.dirname(added));
                const withLost = fs.readFileSync(lost, "utf8");
                assert.ok(withLost.endsWith('      constraints: ["node==swarm-node1"]\n'), withLost);
                fs.writeFileSync(added, withLost + containerOn("c9", "swarm-node2"));
                const recorded = () =>
                    (JSON.parse(fs.readFileSync(stateFile(), "utf8")) as { resources: { urn: string; id?: string }[] }).resources
                        .map((r) => `${r.urn} ${r.id}`)
                        .sort();
                const before = recorded();
                // A ConfigError: the lab prints it as it prints validation's, no JSON (tools/lab.ts).
                const refused = timed("lab up (a container only the lost machine fits)", () =>
                    spawnSync(TS_NODE, ["--transpile-only", path.join(REPO, "tools", "lab.ts"), "up", added, "--json"], {
                        cwd: REPO,
                        env,
                        encoding: "utf8",
                        timeout: 300_000,
                    }),
                );
                assert.equal(refused.status, 1, refused.stderr);
                assert.equal(refused.stdout, "");
                assert.equal(
                    refused.stderr,
                    [
                        "lab: docker-overlay: 1 problem in the stack configuration:",
                        "docker-overlay:containers[2].constraints: these constraints match only hosts marked lost (swarm-node2), where nothing new can be created, and the stack does not run the container there: relax a constraint, remove the container, or bring a host back and remove its lost",
                        "",
                    ].join("\n"),
                );
                assert.deepEqual(recorded(), before, "the refused up changed what the lab's state records");
                assert.doesNotMatch(lab.exec("swarm-node1", ["docker", "ps", "-a", "--format", "{{.Names}}"]), /c9/);
                const down = timed("lab down (swarm-node2 lost)", () => labCommand<DownJson>("down", lost));
                assert.equal(down.code, 0, JSON.stringify(down.doc, null, 2));
                assert.deepEqual(down.doc.failed, []);
                assert.ok(!fs.existsSync(stateFile()));
            } finally {
                fs.rmSync(dir, { recursive: true, force: true });
            }
            // swarm-node1 is back as it was; swarm-node2 was asked nothing: c1 still runs there, on the program's config.
            assert.equal(lab.readFile("swarm-node1", "/etc/docker/daemon.json"), PRESEEDED_DAEMON_JSON);
            assert.equal(lab.exec("swarm-node1", ["docker", "ps", "-aq"]).trim(), "");
            assert.equal(lab.exec("swarm-node2", ["docker", "ps", "--format", "{{.Names}}"]).trim(), "c1");
            // Nothing even tried to reach it: the rule that refuses its ssh counted no packet.
            assert.match(lab.exec("swarm-node2", ["iptables", "-w", "-S", "INPUT", "-v"]), /--dport 22 -c 0 0 -j REJECT/);
        } finally {
            lab.exec("swarm-node2", ["iptables", "-w", "-D", ...refuse]);
        }
    });

    it("the fixture's teardown leaves nothing behind", function () {
        const failures = timed("fixture down", () => lab.down());
        assert.deepEqual(failures, []);
        assert.deepEqual(fixtureLeftovers(lab.spec), []);
    });
});
