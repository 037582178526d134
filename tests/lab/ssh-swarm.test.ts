/**
 * Swarm mode over ssh on real machines, and a worker lost for good there
 * (hosts[].lost, issue #10 item 2): tests/lab/stacks/Pulumi.ssh-swarm-lab.yaml
 * on the ssh fixture's "existing machines" (tests/lab/fixtures/sshMachines.ts:
 * namespaces with their own sshd and a docker 20.10.5 engine), swarm-node1 the
 * manager. swarm-node2 is then lost as a dead VM is: its engine stops (the
 * manager lists it Down) and its sshd refuses every connection. Marked
 * `lost: true`, the `up` only forgets its node through the manager, and
 * `down` passes without a packet to its ssh port; swarm-node1 leaves the
 * swarm and gets its daemon.json back.
 *
 * Every lab command runs as a child process with the fixture's environment (the
 * private key file for the `sshPrivateKey` secret, the fixture's ssh client
 * first on PATH). Root only; needs scripts/lab-deps.sh.
 */
import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { fixtureLeftovers, pinHostKeys, PRESEEDED_DAEMON_JSON, SshLab, sshLabSpecFromStack } from "./fixtures/sshMachines";
import "./support/root-hooks";
import { bridgesUsed, describeRun, DownJson, eventually, lab as labCli, LabResult, note, STACKS, stacksUsed, timings, UpJson } from "./support/lab";

const STACK_FILE = path.join(STACKS, "Pulumi.ssh-swarm-lab.yaml");
const REFUSE_SSH = ["INPUT", "-p", "tcp", "--dport", "22", "-j", "REJECT", "--reject-with", "tcp-reset"];

describe("ssh driver in swarm mode, a worker lost for good (lab, root)", function () {
    this.timeout(600_000);
    let machines: SshLab;
    let stateDir: string;
    let env: Record<string, string | undefined>;
    let pinned: string;

    async function timed<T>(what: string, f: () => Promise<T> | T): Promise<T> {
        const t0 = Date.now();
        try {
            return await f();
        } finally {
            timings.push({ what: `ssh-swarm: ${what}`, seconds: (Date.now() - t0) / 1000 });
        }
    }

    function lab<T>(cmd: "up" | "down", file = pinned): Promise<LabResult<T>> {
        return labCli<T>(cmd, file, true, env);
    }

    function stateFile(): string {
        return path.join(stateDir, "ssh-swarm-lab.json");
    }

    /** The manager's view of the swarm: `<hostname> <status>` per node, sorted. */
    function nodes(): string[] {
        return machines.exec("swarm-node1", ["docker", "node", "ls", "--format", "{{.Hostname}} {{.Status}}"]).trim().split("\n").sort();
    }

    before(async function () {
        if (process.getuid?.() !== 0) {
            throw new Error("the ssh lab test needs root (namespaces, bridge, iptables)");
        }
        machines = new SshLab(sshLabSpecFromStack(STACK_FILE, { bridge: "dovlqsw0", daemonJson: PRESEEDED_DAEMON_JSON }));
        stacksUsed.add(machines.spec.name);
        stacksUsed.add("fixtures");
        bridgesUsed.add(machines.spec.bridge);
        stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "dovl-ssh-swarm-state-"));
        await timed("fixture up", () => machines.up());
        env = { ...machines.labEnv(process.env), DOCKER_OVERLAY_LAB_STATE_DIR: stateDir };
        pinned = pinHostKeys(STACK_FILE, machines.hostKeys(), path.join(stateDir, path.basename(STACK_FILE)));
    });

    after(async function () {
        // Whatever happened above: the program's resources, then the machines.
        if (machines !== undefined) {
            try {
                machines.exec("swarm-node2", ["iptables", "-w", "-D", ...REFUSE_SSH]);
            } catch {
                // Not inserted, or already removed.
            }
            if (stateDir !== undefined && fs.existsSync(stateFile())) {
                const r = await lab<DownJson>("down");
                if (r.code !== 0) {
                    note(`ssh-swarm: down in after() failed: ${describeRun(r)}`);
                }
            }
            for (const f of machines.down()) {
                note(`ssh-swarm: fixture teardown: ${f}`);
            }
        }
        if (stateDir !== undefined) {
            fs.rmSync(stateDir, { recursive: true, force: true });
        }
    });

    it("up: the machines form a swarm over ssh (swarm-node1 manages), c1 on swarm-node2 reaches c2 on swarm-node1", async function () {
        const up = await timed("lab up", () => lab<UpJson>("up"));
        assert.equal(up.code, 0, describeRun(up));
        assert.deepEqual({ passed: up.json?.exports?.connectivity?.passed, failed: up.json?.exports?.connectivity?.failed }, { passed: 2, failed: 0 });
        assert.deepEqual(nodes(), ["swarm-node1 Ready", "swarm-node2 Ready"]);
        assert.equal(machines.exec("swarm-node2", ["docker", "ps", "--format", "{{.Names}}"]).trim(), "c1");
        note(`ssh-swarm: up in ${up.json!.seconds.toFixed(1)}s`);
    });

    it("a worker lost for good (engine stopped, sshd refusing): marked lost, `up` only forgets its node; `down` passes asking it nothing", async function () {
        machines.exec("swarm-node2", ["iptables", "-w", "-I", ...REFUSE_SSH]);
        machines.exec("swarm-node2", ["service", "docker", "stop"]);
        await timed("the manager sees swarm-node2 down", () =>
            eventually("swarm-node2 Down on the manager", 90_000, () => {
                const seen = nodes();
                assert.deepEqual(seen, ["swarm-node1 Ready", "swarm-node2 Down"]);
                return Promise.resolve(seen);
            }),
        );
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dovl-ssh-swarm-lost-"));
        try {
            const lost = path.join(dir, path.basename(STACK_FILE));
            const text = fs.readFileSync(pinned, "utf8");
            assert.ok(text.includes("    - name: swarm-node2\n"), pinned);
            fs.writeFileSync(lost, text.replace("    - name: swarm-node2\n", "    - name: swarm-node2\n      lost: true\n"));
            const marked = await timed("lab up (swarm-node2 lost)", () => lab<UpJson>("up", lost));
            assert.equal(marked.code, 0, describeRun(marked));
            // Its node forgotten through the manager; the spec's delete no longer names it (an update that runs nothing);
            // its probe command goes, a delete that runs nothing (lib/plan/probes.ts probedHosts).
            assert.deepEqual(
                (marked.json?.steps ?? [])
                    .filter((st) => st.op !== "same")
                    .map((st) => `${st.op} ${st.name}`)
                    .sort(),
                ["create swarm-forget-swarm-node2", "delete underlay-probe-swarm-node2", "update swarm-spec"],
            );
            assert.deepEqual(nodes(), ["swarm-node1 Ready"]);
            const down = await timed("lab down (swarm-node2 lost)", () => lab<DownJson>("down", lost));
            assert.equal(down.code, 0, describeRun(down));
            assert.deepEqual(down.json?.failed, []);
            assert.ok(!fs.existsSync(stateFile()));
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
        // swarm-node1 left the swarm and is as it was; nothing tried to reach swarm-node2: its rule counted no packet.
        assert.equal(machines.exec("swarm-node1", ["docker", "info", "--format", "{{.Swarm.LocalNodeState}}"]).trim(), "inactive");
        assert.equal(machines.exec("swarm-node1", ["docker", "ps", "-aq"]).trim(), "");
        assert.equal(machines.readFile("swarm-node1", "/etc/docker/daemon.json"), PRESEEDED_DAEMON_JSON);
        assert.match(machines.exec("swarm-node2", ["iptables", "-w", "-S", "INPUT", "-v"]), /--dport 22 -c 0 0 -j REJECT/);
    });

    it("the fixture's teardown leaves nothing behind", function () {
        // A case above that failed left the stack up: after() takes it down while the machines still answer.
        assert.ok(!fs.existsSync(stateFile()), "the stack is still up");
        machines.exec("swarm-node2", ["iptables", "-w", "-D", ...REFUSE_SSH]);
        assert.deepEqual(machines.down(), []);
        assert.deepEqual(fixtureLeftovers(machines.spec), []);
    });
});
