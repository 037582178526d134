/**
 * `npm run diagnose` (tools/diagnose.ts) for ssh and docker-machine stacks, run as a
 * process against stub ssh (or docker-machine), ip and iptables (tests/unit/fixtures/fake-*.sh):
 * the shipped examples/Pulumi.ssh.yaml, its hosts' ssh addresses standing for their
 * machines (the stub ssh runs each remote command here under that name), their
 * underlay addresses on loopback; the same hosts as a docker-machine stack. Every
 * pair, each failure a line, exit 1 on any.
 */
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { SshStubs, sshStubs } from "./fixtures/sshStubs";
import { expectedOverlayViews } from "../../lab/diagnose";
import { loadStackFile } from "../../lib/config/load";
import { normalizeConfig } from "../../lib/config/validate";
import { planCluster } from "../../lib/plan/cluster";

const REPO = path.join(__dirname, "..", "..");
const SSH_STACK = path.join(REPO, "examples", "Pulumi.ssh.yaml");
/** examples/Pulumi.ssh.yaml's hosts, by ssh address: their eth1 addresses as the stub ip reports them. */
const ADDRS = { "192.0.2.10": "127.0.0.2", "192.0.2.11": "127.0.0.3", "192.0.2.12": "127.0.0.4" };

describe("npm run diagnose (tools/diagnose.ts), against stub ssh, ip and iptables", () => {
    let stubs: SshStubs;
    let dir: string;
    before(() => {
        stubs = sshStubs("diagnose-tool-");
        dir = stubs.dir;
        fs.writeFileSync(path.join(dir, "key"), "-----BEGIN OPENSSH PRIVATE KEY-----\nnot a key\n-----END OPENSSH PRIVATE KEY-----\n", { mode: 0o600 });
    });
    after(() => stubs.remove());

    const diagnose = (args: string[], env: Record<string, string> = {}) =>
        spawnSync(process.execPath, ["-r", path.join(REPO, "runner", "register.js"), path.join(REPO, "tools", "diagnose.ts"), ...args], {
            cwd: REPO,
            encoding: "utf8",
            // PROC: the engine-threads script (run "on each host", here) finds no engine in an empty /proc.
            env: { ...stubs.env(ADDRS), DOCKER_OVERLAY_SSH_PRIVATE_KEY_FILE: path.join(dir, "key"), PROC: path.join(dir, "proc"), ...env },
            timeout: 120_000,
        });

    /** Each engine's view of each overlay, as the program's placement makes it (swarm: peers by underlay address). */
    const views = (edit: (host: string, network: string, peers: string[]) => string[] = (_h, _n, p) => p) => {
        const { stack, raw } = loadStackFile(SSH_STACK);
        const config = normalizeConfig(raw, stack);
        const placements = planCluster(config).placements;
        const placed = config.containers.map((c) => ({ name: c.name, host: placements[c.name], networks: c.networks.map((n) => n.name) }));
        const sshAddress = (h: string) => config.hosts.find((x) => x.name === h)?.ssh?.address as string;
        for (const f of fs.readdirSync(path.join(dir, "state")).filter((f) => f.startsWith("inspect."))) {
            fs.rmSync(path.join(dir, "state", f));
        }
        for (const network of config.networks) {
            for (const [host, peers] of Object.entries(expectedOverlayViews(config, placed, network))) {
                const doc = [
                    {
                        Name: network.name,
                        Scope: "swarm",
                        Peers: edit(host, network.name, peers).map((p) => ({ Name: `${p}-0a1b`, IP: ADDRS[sshAddress(p) as keyof typeof ADDRS] })),
                    },
                ];
                fs.writeFileSync(path.join(dir, "state", `inspect.${sshAddress(host)}.${network.name}`), JSON.stringify(doc));
            }
        }
    };

    it("probes every pair of the swarm's rules and passes; no rule is left on a host", () => {
        views();
        const r = diagnose([SSH_STACK, "--json"]);
        assert.equal(r.status, 0, r.stderr);
        const doc = JSON.parse(r.stdout) as {
            stack: string;
            hosts: { host: string; ok: boolean }[];
            overlays: { network: string; seen: Record<string, string[]> }[];
            failures: string[];
            warnings: string[];
        };
        assert.equal(doc.stack, "ssh");
        assert.deepEqual(
            doc.hosts.map((h) => [h.host, h.ok]),
            [
                ["swarm-node1", true],
                ["swarm-node2", true],
            ],
        );
        assert.deepEqual(doc.failures, []);
        // No engine runs behind the stub ssh: its threads are not read, and that is no warning.
        assert.deepEqual(doc.warnings, []);
        assert.deepEqual(
            doc.overlays.map((o) => [o.network, o.seen]),
            [
                ["net1", { "swarm-node1": ["swarm-node1", "swarm-node2"], "swarm-node2": ["swarm-node1", "swarm-node2"] }],
                ["net2", { "swarm-manager": ["swarm-manager", "swarm-node1"], "swarm-node1": ["swarm-manager", "swarm-node1"] }],
            ],
        );
        for (const h of ["192.0.2.10", "192.0.2.11", "192.0.2.12"]) {
            assert.equal(stubs.chain(h), "", `${h} keeps rules`);
        }
        // Every pair: swarm-node2's command expects swarm-node1's serf and VXLAN at swarm-node2, under its own tag.
        const log = fs.readFileSync(path.join(dir, "state", "ssh.log"), "utf8");
        assert.match(log, /watch-reset ssh-diagnose-\d+-swarm-node2 127\.0\.0\.4 127\.0\.0\.2 tcp 7946 127\.0\.0\.3 tcp 7946 /);
    });

    it("an engine that misses a peer of an overlay is named", () => {
        views((host, network, peers) => (host === "swarm-node2" && network === "net1" ? peers.filter((p) => p !== "swarm-node1") : peers));
        const r = diagnose([SSH_STACK]);
        assert.equal(r.status, 1, r.stderr);
        assert.deepEqual(
            r.stdout.split("\n").filter((l) => l.startsWith("FAILED ")),
            ["FAILED overlay net1: swarm-node2 does not see swarm-node1"],
        );
        assert.match(r.stdout, /^ {2}swarm-node2 {6}sees swarm-node2$/m);
    });

    it("names each pair that did not arrive, one line each, and exits 1", () => {
        views();
        const r = diagnose([SSH_STACK], { DROPPED: "127.0.0.3 udp 4789" });
        assert.equal(r.status, 1, r.stderr);
        assert.deepEqual(
            r.stdout.split("\n").filter((l) => l.startsWith("FAILED ")),
            ["FAILED swarm-node1 -> swarm-manager udp/4789: no answer", "FAILED swarm-node1 -> swarm-node2 udp/4789: no answer"],
        );
        assert.match(r.stdout, /^diagnose: 2 failures, 20 probe\(s\) between 3 host\(s\)$/m);
    });

    it("refuses a stack of another driver, and a missing key, saying what to do", () => {
        const netns = diagnose([path.join(REPO, "Pulumi.dev.yaml")]);
        assert.equal(netns.status, 2);
        assert.equal(
            netns.stderr,
            "diagnose: " +
                path.join(REPO, "Pulumi.dev.yaml") +
                " uses the netns driver; npm run diagnose probes ssh and docker-machine stacks (netns, dind: npm run lab -- diagnose)\n",
        );
        const noKey = diagnose([SSH_STACK], { DOCKER_OVERLAY_SSH_PRIVATE_KEY_FILE: "" });
        assert.equal(noKey.status, 2);
        assert.equal(noKey.stderr, "diagnose: set DOCKER_OVERLAY_SSH_PRIVATE_KEY_FILE to the private key the stack's sshPrivateKey holds\n");
    });
});

describe("npm run diagnose of a docker-machine stack, against a stub docker-machine (ssh and ip), ip and iptables", () => {
    /** examples/Pulumi.ssh.yaml as a docker-machine stack (swarm mode): each machine's `docker-machine ip`, which the stub ip reports there too. */
    const IPS = { "swarm-manager": "127.0.0.2", "swarm-node1": "127.0.0.3", "swarm-node2": "127.0.0.4" };
    let stubs: SshStubs;
    let dir: string;
    let stack: string;
    before(() => {
        stubs = sshStubs("diagnose-tool-dm-", { "docker-machine": "fake-docker-machine.sh" });
        dir = stubs.dir;
        const raw = loadStackFile(SSH_STACK).raw as Record<string, unknown>;
        const hosts = (raw["hosts"] as Record<string, unknown>[]).map((h) => Object.fromEntries(Object.entries(h).filter(([k]) => k !== "ssh")));
        stack = path.join(dir, "Pulumi.dm.yaml");
        fs.writeFileSync(
            stack,
            JSON.stringify({
                config: Object.fromEntries(
                    Object.entries({ ...raw, driver: { kind: "docker-machine", machineDriver: "generic" }, hosts }).map(([k, v]) => [`docker-overlay:${k}`, v]),
                ),
            }),
        );
        // Each engine's view of each overlay as the placement makes it: swarm peers by their advertise address.
        const config = normalizeConfig(loadStackFile(stack).raw, "dm");
        const placements = planCluster(config).placements;
        const placed = config.containers.map((c) => ({ name: c.name, host: placements[c.name], networks: c.networks.map((n) => n.name) }));
        for (const network of config.networks) {
            for (const [host, peers] of Object.entries(expectedOverlayViews(config, placed, network))) {
                const doc = [{ Name: network.name, Scope: "swarm", Peers: peers.map((p) => ({ Name: `${p}-0a1b`, IP: IPS[p as keyof typeof IPS] })) }];
                fs.writeFileSync(path.join(dir, "state", `inspect.${host}.${network.name}`), JSON.stringify(doc));
            }
        }
    });
    after(() => stubs.remove());

    const diagnose = (env: Record<string, string> = {}) =>
        spawnSync(process.execPath, ["-r", path.join(REPO, "runner", "register.js"), path.join(REPO, "tools", "diagnose.ts"), stack, "--json"], {
            cwd: REPO,
            encoding: "utf8",
            env: {
                ...stubs.env(IPS),
                DM_IPS: Object.entries(IPS)
                    .map(([h, a]) => `${h} ${a}`)
                    .join("\n"),
                PROC: path.join(dir, "proc"),
                ...env,
            },
            timeout: 120_000,
        });

    // A cut pair waits out the docker-machine window (30 s): tests/lab/ssh.test.ts names one through a docker-machine stand-in.
    it("every pair through docker-machine ssh, each overlay as every engine sees it; no rule left; no key needed", () => {
        const ok = diagnose();
        assert.equal(ok.status, 0, ok.stderr);
        const doc = JSON.parse(ok.stdout) as {
            hosts: { host: string; ok: boolean }[];
            overlays: { network: string; seen: Record<string, string[]> }[];
            failures: string[];
        };
        assert.deepEqual(doc.failures, []);
        assert.deepEqual(
            doc.overlays.map((o) => [o.network, o.seen]),
            [
                ["net1", { "swarm-node1": ["swarm-node1", "swarm-node2"], "swarm-node2": ["swarm-node1", "swarm-node2"] }],
                ["net2", { "swarm-manager": ["swarm-manager", "swarm-node1"], "swarm-node1": ["swarm-manager", "swarm-node1"] }],
            ],
        );
        const log = fs.readFileSync(path.join(dir, "state", "docker-machine.log"), "utf8");
        assert.match(log, /^ssh swarm-node2 set -- 'watch-reset' 'dm-diagnose-\d+-swarm-node2' '127\.0\.0\.4' '127\.0\.0\.2' 'tcp' '7946' /m);
        assert.match(log, /^ip swarm-manager$/m);
        for (const h of Object.keys(IPS)) {
            assert.doesNotMatch(stubs.chain(h), /docker-overlay probe/, `${h} keeps rules`);
        }
    });

    it("refuses to run without ssh on PATH (docker-machine's own client would mangle what it reads back)", () => {
        const bin = path.join(dir, "bin-nossh");
        fs.mkdirSync(bin, { recursive: true });
        for (const t of ["docker-machine", "bash", "sh"]) {
            const from = t === "docker-machine" ? path.join(dir, "bin", t) : `/bin/${t}`;
            if (!fs.existsSync(path.join(bin, t))) {
                fs.symlinkSync(from, path.join(bin, t));
            }
        }
        const r = diagnose({ PATH: bin });
        assert.equal(r.status, 2);
        assert.equal(r.stderr, "diagnose: ssh is not on PATH; a docker-machine stack is read through docker-machine ssh with OpenSSH's ssh client\n");
    });
});
