/**
 * The underlay probe on ssh hosts (lib/probe/underlay.ts with the ssh
 * transport, lib/probe/sh/probe-ssh.sh and ssh-session.sh): the rendered
 * script run against stub ssh, ip and iptables (tests/unit/fixtures/fake-*.sh).
 * The stub ssh runs the remote command here with NS set to the host, so each
 * host has its own INPUT chain; the datagrams and connects really go out, to
 * loopback addresses.
 */
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { RawConfig } from "../../lib/config/types";
import { normalizeConfig } from "../../lib/config/validate";
import { probeOwners, probePlan } from "../../lib/plan/probes";
import { parseSshBatch, renderSshBatchArgv, SSH_KEY_ENV, SshEndpoint } from "../../lib/probe/ssh";
import { ProbeMachine, probeTables, renderProbeScript } from "../../lib/probe/underlay";
import { SWARM_DEV } from "./fixtures/configs";
import { SshStubs, sshStubs } from "./fixtures/sshStubs";

/** Each host's advertise-interface address, as the stub ip reports it. */
const ADDR: Record<string, string> = { "swarm-manager": "127.0.0.2", "swarm-node1": "127.0.0.3", "swarm-node2": "127.0.0.4" };
const KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nnot a real key\n-----END OPENSSH PRIVATE KEY-----";
const HOST_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl";

/** The stub ssh takes the endpoint's host as the machine's name. */
const endpoint = (h: string): SshEndpoint | undefined =>
    h in ADDR ? { user: "root", host: h, port: h === "swarm-node2" ? 2222 : 22, ...(h === "swarm-node2" ? { hostKey: HOST_KEY } : {}) } : undefined;
const place = (m: string): ProbeMachine => {
    const ssh = endpoint(m);
    return ssh !== undefined ? { name: m, ssh } : { name: m, address: m };
};
const config = normalizeConfig(JSON.parse(JSON.stringify(SWARM_DEV)) as RawConfig, "dev");
const owners = probeOwners(config, probePlan(config).probes);

describe("underlay probe over ssh: the scripts against stub ssh, ip and iptables", () => {
    let stubs: SshStubs;
    let dir: string;
    beforeEach(() => {
        stubs = sshStubs("underlay-probe-ssh-");
        dir = stubs.dir;
    });
    afterEach(() => stubs.remove());

    const script = (host: string, waitSeconds = 1) =>
        renderProbeScript({
            tag: `dev-${host}`,
            what: `the pairs of ${host}`,
            transport: { kind: "ssh", iface: "eth1" },
            tables: probeTables(owners.get(host) ?? [], place),
            waitSeconds,
        });
    const run = (script: string, env: Record<string, string> = {}) =>
        spawnSync("/bin/bash", ["-c", script], { encoding: "utf8", env: { ...stubs.env(ADDR), [SSH_KEY_ENV]: KEY, ...env }, timeout: 30_000 });
    const chain = (host: string) => stubs.chain(host);
    const tagged = (host: string, tag: string) =>
        chain(host)
            .split("\n")
            .filter((l) => l.includes(`docker-overlay probe ${tag} `));

    it("passes when every pair arrived; its own rules at each target only while it runs, read once a round; the key in a 0600 file; nothing left in TMPDIR", () => {
        fs.writeFileSync(path.join(dir, "state", "swarm-manager"), '-A INPUT -p tcp -m comment --comment "someone else" -j ACCEPT\n');
        const r = run(script("swarm-node2"));
        assert.equal(r.status, 0, r.stderr);
        assert.equal(r.stderr, "docker-overlay: the underlay carries 13 probe(s) of the pairs of swarm-node2\n");
        // Set at each target (one per expected source, protocol and port), counted, and removed again; nothing else touched.
        const log = fs.readFileSync(path.join(dir, "state", "ssh.log"), "utf8");
        assert.match(
            log,
            /-- root@swarm-manager .*bash -s -- watch-reset dev-swarm-node2 127\.0\.0\.2 127\.0\.0\.4 tcp 2377 127\.0\.0\.4 tcp 7946 127\.0\.0\.4 udp 7946 127\.0\.0\.4 udp 4789 /,
        );
        assert.match(
            log,
            /-- root@swarm-node2 .*bash -s -- watch-reset dev-swarm-node2 127\.0\.0\.4 127\.0\.0\.2 tcp 7946 127\.0\.0\.3 tcp 7946 127\.0\.0\.2 udp 7946 127\.0\.0\.3 udp 7946 127\.0\.0\.2 udp 4789 127\.0\.0\.3 udp 4789 /,
        );
        // Each source sends its pairs' datagrams and connects in one session; each target's counters are one read.
        assert.match(log, /-- root@swarm-node1 .*bash -s -- send 127\.0\.0\.4 tcp 7946 127\.0\.0\.4 udp 7946 127\.0\.0\.4 udp 4789 /);
        assert.equal(log.split("\n").filter((l) => l.includes(" watch-counts dev-swarm-node2 ")).length, 3);
        assert.equal(chain("swarm-manager"), '-A INPUT -p tcp -m comment --comment "someone else" -j ACCEPT\n');
        assert.equal(chain("swarm-node1"), "");
        assert.equal(chain("swarm-node2"), "");
        assert.equal(fs.readFileSync(path.join(dir, "state", "key.seen"), "utf8"), `${KEY}\n`);
        assert.equal(fs.readFileSync(path.join(dir, "state", "key.mode"), "utf8").trim(), "600");
        // The pinned host key is the only one accepted for its host (a known_hosts line for port 2222).
        assert.equal(fs.readFileSync(path.join(dir, "state", "known.seen"), "utf8").split("\n")[0], `[swarm-node2]:2222 ${HOST_KEY}`);
        assert.match(log, /StrictHostKeyChecking=yes .* -- root@swarm-node2 /);
        assert.match(log, /StrictHostKeyChecking=no .* -- root@swarm-manager /);
        assert.deepEqual(
            fs.readdirSync(dir).filter((f) => f.startsWith("tmp.")),
            [],
            "the key's directory is left behind",
        );
    });

    it("names exactly the pairs that did not arrive, both directions, and removes its rules then too, touching no other command's", () => {
        fs.writeFileSync(
            path.join(dir, "state", "swarm-manager"),
            '-A INPUT -s 127.0.0.3 -p udp --dport 4789 -m comment --comment "docker-overlay probe dev-swarm-node1 127.0.0.3 udp 4789"\n',
        );
        const cut = run(script("swarm-node2"), { DROPPED: "127.0.0.4 udp 4789\n127.0.0.4 tcp 2377\n127.0.0.3 udp 7946" });
        assert.equal(cut.status, 1);
        assert.equal(
            cut.stderr,
            "docker-overlay: the underlay does not carry what the cluster needs (nothing of the cluster was created; open these and run up again):\n" +
                "swarm-node2 -> swarm-manager tcp/2377: no answer\n" +
                "swarm-node1 -> swarm-node2 udp/7946: no answer\n" +
                "swarm-node2 -> swarm-manager udp/4789: no answer\n" +
                "swarm-node2 -> swarm-node1 udp/4789: no answer\n",
        );
        assert.deepEqual(tagged("swarm-manager", "dev-swarm-node2"), []);
        assert.deepEqual(tagged("swarm-node1", "dev-swarm-node2"), []);
        assert.deepEqual(tagged("swarm-node2", "dev-swarm-node2"), []);
        assert.equal(tagged("swarm-manager", "dev-swarm-node1").length, 1);
    });

    it("a target that refuses the rules: the probe fails naming it, and clears its rules from the targets it had set them on", () => {
        const r = run(script("swarm-node2"), { REFUSE: "swarm-node1 watch-reset" });
        assert.equal(r.status, 1);
        assert.equal(
            r.stderr,
            "sudo: a password is required\n" +
                "docker-overlay: cannot set the underlay probe's counting rules on swarm-node1 over ssh (root@swarm-node1 port 22) (iptables as root, or sudo -n)\n",
        );
        const log = fs.readFileSync(path.join(dir, "state", "ssh.log"), "utf8");
        assert.match(log, /-- root@swarm-node2 .*bash -s -- watch-reset dev-swarm-node2 /);
        assert.match(log, /-- root@swarm-node2 .*bash -s -- watch-clear dev-swarm-node2 /);
        assert.deepEqual(tagged("swarm-node2", "dev-swarm-node2"), []);
    });

    it("fails naming the host, the interface and why when an address cannot be read (no such interface, no answer, a host key not the pinned one), or the key is missing", () => {
        const where = "cannot read the address of eth1 (engine.advertiseInterface) on swarm-node2 over ssh (root@swarm-node2 port 2222)";
        const noAddr = run(script("swarm-node2"), { ADDRS: "swarm-node1 127.0.0.3\nswarm-manager 127.0.0.2" });
        assert.equal(noAddr.status, 1);
        // The interfaces listed are this machine's: the stub ssh runs the remote command here.
        const has = fs.readdirSync("/sys/class/net").sort().join(" ");
        assert.equal(noAddr.stderr, `docker-overlay: ${where}: it has no interface eth1 (it has: ${has})\n`);
        const down = run(script("swarm-node2"), { DOWN: "swarm-node2" });
        assert.equal(down.status, 1);
        assert.equal(down.stderr, `docker-overlay: ${where}: ssh: connect to host swarm-node2 port 22: Connection timed out\n`);
        // swarm-node2's key is pinned: another one is refused, naming the key it presented.
        const badKey = run(script("swarm-node2"), { BADKEY: "swarm-node2" });
        assert.equal(badKey.status, 1);
        assert.equal(
            badKey.stderr,
            `docker-overlay: ${where}: it presented the ED25519 key SHA256:M4o2RZSlP+RrvExH0TEXYzLiPyqu8gs94cBfkm42mZM, not the pinned hosts[].ssh.hostKey: refusing to log in\n`,
        );
        // swarm-manager's is not: any key is accepted there, as the command provider does.
        assert.equal(run(script("swarm-node1"), { BADKEY: "swarm-manager" }).status, 0);
        const noKey = run(script("swarm-node2"), { [SSH_KEY_ENV]: "" });
        assert.equal(noKey.status, 1);
        assert.equal(noKey.stderr, "docker-overlay: DOCKER_OVERLAY_SSH_KEY is not set: the ssh driver's private key is missing\n");
    });
});

describe("npm run diagnose: several commands in one ssh session (lib/probe/sh/batch.sh)", () => {
    /** The batch's argv run here, as the remote shell would run it: bash -c <script> <name> <command lines>. */
    function runBatch(commands: string[][]): Buffer {
        const [bash, ...args] = renderSshBatchArgv(commands);
        return spawnSync(bash, args).stdout;
    }

    it("gives back each command's exit code, stdout and stderr, in order, whatever they print", () => {
        const commands = [
            ["printf", "%s\\n", "docker-overlay-part 0 0 1 1", "ünïcode"],
            ["sh", "-c", "echo out; echo 'why it failed' >&2; exit 3"],
            ["printf", "no newline at the end"],
            ["cat"],
        ];
        const parts = parseSshBatch(runBatch(commands), commands.length);
        assert.deepEqual(parts, [
            { code: 0, stdout: "docker-overlay-part 0 0 1 1\nünïcode\n", stderr: "" },
            { code: 3, stdout: "out\n", stderr: "why it failed\n" },
            { code: 0, stdout: "no newline at the end", stderr: "" },
            // Its stdin is empty: a command never reads the session's.
            { code: 0, stdout: "", stderr: "" },
        ]);
    });

    it("a session cut short gives fewer parts; a malformed frame gives none", () => {
        const whole = runBatch([
            ["echo", "a"],
            ["echo", "b"],
        ]);
        assert.equal(parseSshBatch(whole.subarray(0, whole.indexOf("docker-overlay-part 1")), 2)?.length, 1);
        assert.equal(parseSshBatch(Buffer.from("Connection refused\n"), 2), undefined);
        assert.equal(parseSshBatch(whole.subarray(0, whole.length - 1), 2), undefined);
    });
});
