/**
 * lib/swarm/scripts.ts run for real (bash, openssl) against a fake docker CLI
 * that keeps each engine's swarm state in a scratch directory: init and join
 * happen once and a re-run changes nothing; a host in another swarm is
 * refused; an ingress network on an overlay's subnet is refused; the token
 * goes to `swarm join` without ever reaching stdout; leave and label scripts
 * do what they say.
 */
import * as assert from "node:assert/strict";
import { generateKeyPairSync } from "crypto";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { DockerCliAccess } from "../../lib/render/dockerCli";
import {
    parseSwarmInitOutput,
    parseSwarmJoinOutput,
    renderSwarmAdoptScript,
    renderSwarmAvailabilityScripts,
    renderSwarmForgetScript,
    renderSwarmIngressCheckScript,
    renderSwarmInitScripts,
    renderSwarmJoinScripts,
    renderSwarmLabelScripts,
    renderSwarmRotateTokensScript,
    renderSwarmSpecDeleteScript,
    renderSwarmTokenScript,
    SWARM_ENV,
    SwarmNode,
} from "../../lib/swarm/scripts";

const TOKEN = "SWMTKN-1-0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijk-abcdefghijklmnopqrstuvwxy";

/**
 * A docker CLI that answers for several engines (`-H <host>`), each a
 * directory under $FAKE with files: state, control, node, addr; the manager's
 * `nodes` lists the node ids it knows; `ingress` its ingress subnet.
 */
const FAKE_DOCKER = fs.readFileSync(path.join(__dirname, "fixtures", "fake-docker.sh"), "utf8");

interface Fake {
    dir: string;
    access: DockerCliAccess;
    engine(host: string, files: Record<string, string>): void;
    read(host: string, file: string): string;
    calls(): string[];
}

const scratch: string[] = [];
after(() => scratch.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

function fake(): Fake {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "swarm-scripts-"));
    scratch.push(dir);
    const cli = path.join(dir, "docker");
    fs.writeFileSync(cli, FAKE_DOCKER, { mode: 0o755 });
    fs.writeFileSync(path.join(dir, "calls"), "");
    const key = (host: string) => path.join(dir, host.replace(/[^A-Za-z0-9]/g, "_"));
    return {
        dir,
        access: { cli },
        engine(host, files) {
            fs.mkdirSync(key(host), { recursive: true });
            for (const [f, text] of Object.entries(files)) {
                fs.writeFileSync(path.join(key(host), f), `${text}\n`);
            }
        },
        read: (host, file) => fs.readFileSync(path.join(key(host), file), "utf8").trim(),
        calls: () =>
            fs
                .readFileSync(path.join(dir, "calls"), "utf8")
                .trim()
                .split("\n")
                .filter((l) => l !== ""),
    };
}

function bash(script: string, f: Fake, env: Record<string, string> = {}) {
    const r = spawnSync("/bin/bash", ["-c", script], {
        encoding: "utf8",
        // stdin from /dev/null: bash reads ~/.bashrc when stdin is a socket (node's pipes are).
        stdio: ["ignore", "pipe", "pipe"],
        env: { PATH: process.env["PATH"] ?? "/usr/bin:/bin", FAKE: f.dir, TOKEN_FOR_INIT: TOKEN, ...env },
    });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const manager: SwarmNode = { name: "swarm-manager", dockerHost: "unix:///run/m.sock", advertise: "10.160.0.2" };
const worker: SwarmNode = { name: "swarm-node1", dockerHost: "unix:///run/w1.sock", advertise: "10.160.0.3" };
const POOL = { pool: "10.255.0.0/16", maskLength: 24 };
const OVERLAYS = [{ name: "net1", subnet: "10.0.0.0/24" }];

function initScripts(f: Fake) {
    return renderSwarmInitScripts({ stack: "t", manager, port: 2377, pool: POOL, access: f.access });
}

describe("swarm scripts: init", () => {
    it("inits an inactive engine with the advertise address and pool, prints only its JSON, and not again on a re-run", () => {
        const f = fake();
        f.engine(manager.dockerHost, { state: "inactive", control: "false", addr: "10.160.0.2", ingress: "10.255.0.0/24 " });
        const s = initScripts(f);
        let r = bash(s.create, f);
        assert.equal(r.status, 0, r.stderr);
        assert.equal(r.stdout, '{"nodeId":"node-unix____run_m_sock","managerAddress":"10.160.0.2:2377","ingressSubnet":"10.255.0.0/24"}\n');
        assert.ok(!r.stdout.includes(TOKEN) && !r.stderr.includes(TOKEN), "init's own output (with the token) goes nowhere");
        assert.deepEqual(
            f.calls().filter((c) => c.includes("swarm init")),
            [
                "unix:///run/m.sock swarm init --advertise-addr 10.160.0.2:2377 --listen-addr 10.160.0.2:2377 --default-addr-pool 10.255.0.0/16 --default-addr-pool-mask-length 24",
            ],
        );
        assert.deepEqual(parseSwarmInitOutput(r.stdout), {
            nodeId: "node-unix____run_m_sock",
            managerAddress: "10.160.0.2:2377",
            ingressSubnet: "10.255.0.0/24",
        });

        r = bash(s.create, f);
        assert.equal(r.status, 0, r.stderr);
        assert.match(r.stderr, /docker-overlay swarm init swarm-manager: already manages a swarm; not initialising again/);
        assert.equal(f.calls().filter((c) => c.includes("swarm init")).length, 1);
    });

    it("refuses a manager that is a worker of another swarm", () => {
        const f = fake();
        f.engine(manager.dockerHost, { state: "active", control: "false", addr: "10.160.0.2" });
        const r = bash(initScripts(f).create, f);
        assert.equal(r.status, 1);
        assert.equal(
            r.stderr.trim(),
            "docker-overlay swarm init swarm-manager: swarm-manager is a worker of another swarm; make it leave first (docker swarm leave) or choose another manager",
        );
    });

    it("refuses an existing swarm whose ingress network overlaps an overlay (the context-deadline trap), in each overlay's own check", () => {
        const f = fake();
        f.engine(manager.dockerHost, { state: "active", control: "true", addr: "10.160.0.2", node: "n1", nodes: "n1", ingress: "10.0.0.0/24 " });
        const check = renderSwarmIngressCheckScript({ stack: "t", network: OVERLAYS[0], managers: [manager], access: f.access });
        const r = bash(check, f);
        assert.equal(r.status, 1);
        assert.match(r.stderr, /the swarm ingress network is on 10\.0\.0\.0\/24, which overlaps net1 \(10\.0\.0\.0\/24\): containers could not attach to net1/);
        // A neighbouring subnet is fine.
        f.engine(manager.dockerHost, { ingress: "10.0.1.0/24 " });
        const ok = bash(check, f);
        assert.equal(ok.status, 0, ok.stderr);
        // init itself knows no overlay: adding one never changes its text.
        assert.ok(!initScripts(f).create.includes("net1") && !initScripts(f).create.includes("OVERLAYS"));
    });

    it("leaves on delete, and tolerates an engine that is already gone or out of the swarm", () => {
        const f = fake();
        f.engine(manager.dockerHost, { state: "active", control: "true", addr: "10.160.0.2", node: "n1" });
        const s = initScripts(f);
        assert.equal(bash(s.delete, f).status, 0);
        assert.ok(f.calls().includes("unix:///run/m.sock swarm leave --force"));
        assert.equal(f.read(manager.dockerHost, "state"), "inactive");
        assert.equal(bash(s.delete, f).status, 0);
        fs.rmSync(path.join(f.dir, "unix____run_m_sock"), { recursive: true });
        const r = bash(s.delete, f);
        assert.equal(r.status, 0);
        assert.match(r.stderr, /the engine does not answer \(gone with its machine\?\); nothing to leave/);
    });
});

describe("swarm scripts: token, join, leave, labels", () => {
    const { publicKey, privateKey } = generateKeyPairSync("rsa", { modulusLength: 3072 });
    const publicPem = publicKey.export({ type: "spki", format: "pem" }) as string;
    const privatePem = privateKey.export({ type: "pkcs1", format: "pem" }) as string;

    function swarmOf() {
        const f = fake();
        f.engine(manager.dockerHost, { state: "active", control: "true", addr: "10.160.0.2", node: "node-m", nodes: "node-m", token: TOKEN });
        f.engine(worker.dockerHost, { state: "inactive", control: "false", addr: "10.160.0.3" });
        return f;
    }

    function sealed(f: Fake): string {
        const r = bash(renderSwarmTokenScript({ stack: "t", managers: [manager], access: f.access }), f, { [SWARM_ENV.sealPublicKey]: publicPem });
        assert.equal(r.status, 0, r.stderr);
        return r.stdout.trim();
    }

    it("the token script prints only the token sealed to the key (RSA-OAEP, base64), which openssl opens again", () => {
        const f = swarmOf();
        const out = sealed(f);
        assert.ok(!out.includes(TOKEN) && !out.includes("SWMTKN"));
        assert.match(out, /^[A-Za-z0-9+/]+=*$/);
        assert.equal(Buffer.from(out, "base64").length, 384, "one RSA-3072 block");
        const opened = spawnSync(
            "bash",
            ["-c", `printf '%s' "$S" | openssl base64 -d -A | openssl pkeyutl -decrypt -inkey <(printf '%s' "$K") -pkeyopt rsa_padding_mode:oaep`],
            {
                encoding: "utf8",
                env: { PATH: process.env["PATH"], S: out, K: privatePem },
            },
        );
        assert.equal(opened.stdout, TOKEN);
    });

    it("rotate gives both roles new tokens through a manager, prints a new rotatedAt each run and never a token", () => {
        const f = swarmOf();
        f.engine(manager.dockerHost, { mtoken: "SWMTKN-manager" });
        const rotate = renderSwarmRotateTokensScript({ stack: "t", managers: [manager], access: f.access });
        const first = bash(rotate, f);
        assert.equal(first.status, 0, first.stderr);
        assert.match(first.stdout, /^\{"rotatedAt":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z"\}\n$/);
        assert.ok(!first.stdout.includes("SWMTKN"), first.stdout);
        assert.equal(f.read(manager.dockerHost, "token"), `${TOKEN}-r`);
        assert.equal(f.read(manager.dockerHost, "mtoken"), "SWMTKN-manager-r");
        assert.match(first.stderr, /docker-overlay swarm rotate swarm-manager: rotated the worker and manager join tokens/);
        const second = bash(rotate, f);
        assert.equal(second.status, 0, second.stderr);
        assert.notEqual(second.stdout, first.stdout, "each run prints anew: the token commands read again");
        // The token script then seals the new token.
        const opened = spawnSync(
            "bash",
            ["-c", `printf '%s' "$S" | openssl base64 -d -A | openssl pkeyutl -decrypt -inkey <(printf '%s' "$K") -pkeyopt rsa_padding_mode:oaep`],
            { encoding: "utf8", env: { PATH: process.env["PATH"], S: sealed(f), K: privatePem } },
        );
        assert.equal(opened.stdout, `${TOKEN}-r-r`);
    });

    it("rotate fails, saying so, when no manager answers", () => {
        const f = fake();
        const r = bash(renderSwarmRotateTokensScript({ stack: "t", managers: [manager], access: f.access }), f);
        assert.equal(r.status, 1);
        assert.equal(
            r.stderr.trim().split("\n").pop(),
            `docker-overlay swarm rotate swarm-manager: no manager of the swarm answers (tried ${manager.dockerHost}); start a manager's engine and retry`,
        );
        assert.equal(r.stdout, "");
    });

    it("join unseals the token in memory, joins at the manager's advertised address, prints its node id; a re-run joins nothing", () => {
        const f = swarmOf();
        const s = renderSwarmJoinScripts({ stack: "t", worker, managers: [manager], port: 2377, access: f.access });
        const env = { [SWARM_ENV.sealedToken]: sealed(f), [SWARM_ENV.sealKey]: privatePem };
        let r = bash(s.create, f, env);
        assert.equal(r.status, 0, r.stderr);
        assert.equal(r.stdout, '{"nodeId":"node-unix____run_w1_sock"}\n');
        assert.deepEqual(parseSwarmJoinOutput(r.stdout), { nodeId: "node-unix____run_w1_sock" });
        assert.equal(f.read(worker.dockerHost, "joined-with"), TOKEN);
        assert.equal(f.read(worker.dockerHost, "joined-at"), "10.160.0.2:2377");
        assert.ok(!r.stdout.includes(TOKEN) && !r.stderr.includes(TOKEN));
        assert.ok(!s.create.includes(TOKEN) && !s.create.includes("PRIVATE KEY"));

        fs.rmSync(path.join(f.dir, "unix____run_w1_sock", "joined-with"));
        r = bash(s.create, f, env);
        assert.equal(r.status, 0, r.stderr);
        assert.match(r.stderr, /already a node of this swarm \(node-unix____run_w1_sock\); not joining again/);
        assert.equal(fs.existsSync(path.join(f.dir, "unix____run_w1_sock", "joined-with")), false, "no second join");
    });

    it("join: a worker left in the swarm its manager made before the manager's machine was replaced leaves it and joins the new one", () => {
        const f = swarmOf();
        f.engine(worker.dockerHost, { state: "active", node: "node-of-the-old-swarm", "remote-managers": "10.160.0.2:2377 " });
        const env = { [SWARM_ENV.sealedToken]: sealed(f), [SWARM_ENV.sealKey]: privatePem };
        const r = bash(renderSwarmJoinScripts({ stack: "t", worker, managers: [manager], port: 2377, access: f.access }).create, f, env);
        assert.equal(r.status, 0, r.stderr);
        assert.equal(r.stdout, '{"nodeId":"node-unix____run_w1_sock"}\n');
        assert.deepEqual(
            f.calls().filter((c) => c.startsWith(`${worker.dockerHost} swarm`)),
            [
                `${worker.dockerHost} swarm leave --force`,
                `${worker.dockerHost} swarm join --token ${TOKEN} --advertise-addr 10.160.0.3:2377 --listen-addr 10.160.0.3:2377 10.160.0.2:2377`,
            ],
        );
        assert.match(r.stderr, /left the swarm that 10\.160\.0\.2:2377 made before its machine was replaced \(node-of-the-old-swarm\)/);
    });

    it("join removes the node a replaced machine left, at the same address or with its name (a manager demoted first), and no other", () => {
        const f = swarmOf();
        const newNode = "node-unix____run_w1_sock";
        f.engine(manager.dockerHost, {
            nodes: "node-m\nnode-old\nnode-named\nnode-other",
            "naddr-node-old": `addr-of-${newNode}`,
            "role-node-old": "manager",
            "nhost-node-named": worker.name,
        });
        const env = { [SWARM_ENV.sealedToken]: sealed(f), [SWARM_ENV.sealKey]: privatePem };
        const r = bash(renderSwarmJoinScripts({ stack: "t", worker, managers: [manager], port: 2377, access: f.access }).create, f, env);
        assert.equal(r.status, 0, r.stderr);
        assert.deepEqual(
            f.calls().filter((c) => /node (demote|rm)/.test(c)),
            [
                `${manager.dockerHost} node demote node-old`,
                `${manager.dockerHost} node rm --force node-old`,
                `${manager.dockerHost} node rm --force node-named`,
            ],
        );
        assert.deepEqual(f.read(manager.dockerHost, "nodes").split("\n"), ["node-m", "node-other", newNode]);
        assert.match(r.stderr, new RegExp(`removed the node node-old its replaced machine left \\(addr-of-${newNode} host-of-node-old\\)`));
        assert.match(r.stderr, new RegExp(`removed the node node-named its replaced machine left \\(addr-of-node-named swarm-node1\\)`));
    });

    it("join: an old node another host's join or leave removed meanwhile is fine; any other refusal of its removal fails", () => {
        const f = swarmOf();
        const newNode = "node-unix____run_w1_sock";
        // node-old had this worker's address (a re-addressed host's, or its own machine's) and is gone when removed.
        f.engine(manager.dockerHost, { nodes: "node-m\nnode-old", "naddr-node-old": `addr-of-${newNode}`, "vanish-node-old": "" });
        const env = { [SWARM_ENV.sealedToken]: sealed(f), [SWARM_ENV.sealKey]: privatePem };
        const join = renderSwarmJoinScripts({ stack: "t", worker, managers: [manager], port: 2377, access: f.access });
        const r = bash(join.create, f, env);
        assert.equal(r.status, 0, r.stderr);
        assert.match(r.stderr, new RegExp(`the node node-old its replaced machine left \\(addr-of-${newNode} host-of-node-old\\) was removed meanwhile`));
        assert.deepEqual(f.read(manager.dockerHost, "nodes").split("\n"), ["node-m", newNode]);

        const g = swarmOf();
        g.engine(manager.dockerHost, {
            nodes: "node-m\nnode-old",
            "naddr-node-old": `addr-of-${newNode}`,
            "rmerr-node-old": "Error response from daemon: rpc error: code = Unavailable desc = the swarm does not have a leader",
        });
        const refused = bash(join.create, g, { [SWARM_ENV.sealedToken]: sealed(g), [SWARM_ENV.sealKey]: privatePem });
        assert.equal(refused.status, 1);
        assert.equal(
            refused.stderr.trim().split("\n").pop(),
            "docker-overlay swarm join swarm-node1: Error response from daemon: rpc error: code = Unavailable desc = the swarm does not have a leader",
        );
    });

    it("join's delete: a node removed meanwhile (by a re-addressed host's join) is fine", () => {
        const f = swarmOf();
        const join = renderSwarmJoinScripts({ stack: "t", worker, managers: [manager], port: 2377, access: f.access });
        assert.equal(bash(join.create, f, { [SWARM_ENV.sealedToken]: sealed(f), [SWARM_ENV.sealKey]: privatePem }).status, 0);
        f.engine(manager.dockerHost, { "vanish-node-unix____run_w1_sock": "" });
        const r = bash(join.delete, f);
        assert.equal(r.status, 0, r.stderr);
        assert.match(r.stderr, /left the swarm\n.*node node-unix____run_w1_sock was removed meanwhile\n$/);
    });

    it("join refuses a worker that is in another swarm", () => {
        const f = swarmOf();
        f.engine(worker.dockerHost, { state: "active", node: "stranger" });
        const r = bash(renderSwarmJoinScripts({ stack: "t", worker, managers: [manager], port: 2377, access: f.access }).create, f);
        assert.equal(r.status, 1);
        assert.equal(
            r.stderr.trim(),
            "docker-overlay swarm join swarm-node1: swarm-node1 is already in another swarm (node stranger); make it leave first: docker swarm leave --force",
        );
    });

    it("forget (hosts[].lost): a worker's node that is down is removed through a manager; one that is ready is refused; one gone is fine", () => {
        const f = swarmOf();
        const join = renderSwarmJoinScripts({ stack: "t", worker, managers: [manager], port: 2377, access: f.access });
        const joined = bash(join.create, f, { [SWARM_ENV.sealedToken]: sealed(f), [SWARM_ENV.sealKey]: privatePem });
        assert.equal(joined.status, 0, joined.stderr);
        const nodeId = parseSwarmJoinOutput(joined.stdout)?.nodeId;
        const forget = renderSwarmForgetScript({ stack: "t", host: worker.name, nodeId, managers: [manager], access: f.access });
        // The worker's engine is never asked: it is gone.
        const asked = () => f.calls().filter((c) => c.startsWith(worker.dockerHost)).length;
        const before = asked();
        const ready = bash(forget, f);
        assert.equal(ready.status, 1);
        assert.equal(
            ready.stderr.trim(),
            `docker-overlay swarm forget swarm-node1: its node ${nodeId} is ready: hosts[].lost is for a machine gone for good; if it is back, remove lost`,
        );
        f.engine(manager.dockerHost, { [`nstate-${nodeId}`]: "down" });
        const down = bash(forget, f);
        assert.equal(down.status, 0, down.stderr);
        assert.equal(down.stderr.trim(), `docker-overlay swarm forget swarm-node1: node ${nodeId} removed from the swarm (it was down)`);
        assert.ok(!f.read(manager.dockerHost, "nodes").split("\n").includes(nodeId!));
        const again = bash(forget, f);
        assert.equal(again.status, 0, again.stderr);
        assert.equal(again.stderr.trim(), `docker-overlay swarm forget swarm-node1: node ${nodeId} is gone already`);
        assert.equal(asked(), before);
        const none = bash(forget.replace("MANAGERS=(unix:///run/m.sock)", "MANAGERS=(unix:///run/gone.sock)"), f);
        assert.equal(none.status, 1);
        assert.equal(
            none.stderr.trim(),
            "docker-overlay swarm forget swarm-node1: no manager of the swarm answers (tried unix:///run/gone.sock); start a manager's engine and retry",
        );
    });

    it("join's delete drains the worker, leaves and removes the node on the manager; labels are set and removed through the manager", () => {
        const f = swarmOf();
        const join = renderSwarmJoinScripts({ stack: "t", worker, managers: [manager], port: 2377, access: f.access });
        assert.equal(bash(join.create, f, { [SWARM_ENV.sealedToken]: sealed(f), [SWARM_ENV.sealKey]: privatePem }).status, 0);
        const labels = renderSwarmLabelScripts({ stack: "t", host: worker, managers: [manager], labels: { zone: "a", storage: "ssd" }, access: f.access });
        assert.equal(bash(labels.create, f).status, 0);
        assert.equal(bash(labels.delete, f).status, 0);
        assert.equal(bash(join.delete, f).status, 0);
        assert.deepEqual(
            f.calls().filter((c) => /node update|node rm|swarm leave/.test(c)),
            [
                "unix:///run/m.sock node update --label-add storage=ssd --label-add zone=a node-unix____run_w1_sock",
                "unix:///run/m.sock node update --label-rm storage --label-rm zone node-unix____run_w1_sock",
                "unix:///run/m.sock node update --availability drain node-unix____run_w1_sock",
                "unix:///run/w1.sock swarm leave --force",
                "unix:///run/m.sock node rm --force node-unix____run_w1_sock",
            ],
        );
    });

    it("scripts talk TLS to tcp:// engines with the client material from the environment, in a private directory removed at exit", () => {
        const f = fake();
        const tcpManager = { ...manager, dockerHost: "tcp://10.160.0.2:2376" };
        f.engine(tcpManager.dockerHost, { state: "active", control: "true", addr: "10.160.0.2", node: "n1", ingress: "10.255.0.0/24 " });
        const r = bash(renderSwarmInitScripts({ stack: "t", manager: tcpManager, port: 2377, pool: POOL, access: f.access }).create, f, {
            DOCKER_OVERLAY_CLIENT_CA: "CA PEM",
            DOCKER_OVERLAY_CLIENT_CERT: "CERT PEM",
            DOCKER_OVERLAY_CLIENT_KEY: "KEY PEM",
        });
        assert.equal(r.status, 0, r.stderr);
        const argv = fs.readFileSync(path.join(f.dir, "argv"), "utf8").split("\n")[0];
        const m = /^-H tcp:\/\/10\.160\.0\.2:2376 --tlsverify --tlscacert=(\S+)\/ca\.pem --tlscert=\S+\/cert\.pem --tlskey=\S+\/key\.pem info/.exec(argv);
        assert.ok(m !== null, argv);
        assert.equal(fs.readFileSync(path.join(f.dir, "seen-tls", "key.pem"), "utf8"), "KEY PEM\n");
        assert.equal(fs.statSync(path.join(f.dir, "seen-tls", "key.pem")).mode & 0o777, 0o600);
        assert.equal(fs.existsSync(m[1]), false, "the material is gone when the script ends");
    });
});

describe("swarm scripts: several managers", () => {
    const { publicKey, privateKey } = generateKeyPairSync("rsa", { modulusLength: 3072 });
    const publicPem = publicKey.export({ type: "spki", format: "pem" }) as string;
    const privatePem = privateKey.export({ type: "pkcs1", format: "pem" }) as string;
    const MTOKEN = "SWMTKN-1-manager-0123456789";
    const m2: SwarmNode = { name: "m2", dockerHost: "unix:///run/m2.sock", advertise: "10.160.0.4" };
    const m3: SwarmNode = { name: "m3", dockerHost: "unix:///run/m3.sock", advertise: "10.160.0.5" };
    const MANAGERS = [manager, m2, m3];
    const ID = (s: string) => `node-${s.replace(/[^A-Za-z0-9]/g, "_")}`;

    function cluster() {
        const f = fake();
        f.engine(manager.dockerHost, {
            state: "active",
            control: "true",
            addr: "10.160.0.2",
            node: "node-m",
            nodes: "node-m",
            token: TOKEN,
            mtoken: MTOKEN,
            "role-node-m": "manager",
        });
        f.engine(m2.dockerHost, { state: "inactive", control: "false", addr: "10.160.0.4" });
        f.engine(m3.dockerHost, { state: "inactive", control: "false", addr: "10.160.0.5" });
        const token = bash(renderSwarmTokenScript({ stack: "t", managers: MANAGERS, kind: "manager", access: f.access }), f, {
            [SWARM_ENV.sealPublicKey]: publicPem,
        });
        assert.equal(token.status, 0, token.stderr);
        const env = { [SWARM_ENV.sealedToken]: token.stdout.trim(), [SWARM_ENV.sealKey]: privatePem };
        for (const m of [m2, m3]) {
            const r = bash(
                renderSwarmJoinScripts({ stack: "t", worker: m, managers: MANAGERS, joinAs: "manager", port: 2377, access: f.access }).create,
                f,
                env,
            );
            assert.equal(r.status, 0, r.stderr);
        }
        return f;
    }

    it("the manager token script seals the manager token; managers join with it and are managers, through a manager that answers", () => {
        const f = cluster();
        assert.equal(f.read(m2.dockerHost, "joined-with"), MTOKEN);
        assert.equal(f.read(manager.dockerHost, `role-${ID(m3.dockerHost)}`), "manager");
        assert.ok(f.calls().includes("unix:///run/m.sock swarm join-token -q manager"));
        // m2 joined through the first manager, never through itself.
        assert.ok(!f.calls().some((c) => c.startsWith("unix:///run/m2.sock node ls")));
    });

    it("a joined worker whose role became manager is promoted in place", () => {
        const f = cluster();
        f.engine(manager.dockerHost, { [`role-${ID(m3.dockerHost)}`]: "worker" });
        const r = bash(renderSwarmJoinScripts({ stack: "t", worker: m3, managers: MANAGERS, joinAs: "manager", port: 2377, access: f.access }).create, f);
        assert.equal(r.status, 0, r.stderr);
        assert.match(r.stderr, /promoted to manager/);
        assert.ok(f.calls().includes(`unix:///run/m.sock node promote ${ID(m3.dockerHost)}`));
    });

    it("scripts go through the next manager when the first does not answer", () => {
        const f = cluster();
        fs.rmSync(path.join(f.dir, "unix____run_m_sock"), { recursive: true });
        // m2 answers as a manager with a quorum in this fake once it knows the nodes.
        f.engine(m2.dockerHost, { nodes: "node-m\nnode-unix____run_m2_sock", mtoken: MTOKEN, token: TOKEN });
        const r = bash(renderSwarmTokenScript({ stack: "t", managers: MANAGERS, access: f.access }), f, { [SWARM_ENV.sealPublicKey]: publicPem });
        assert.equal(r.status, 0, r.stderr);
        assert.ok(f.calls().includes("unix:///run/m2.sock swarm join-token -q worker"));
        fs.rmSync(path.join(f.dir, "unix____run_m2_sock"), { recursive: true });
        fs.rmSync(path.join(f.dir, "unix____run_m3_sock"), { recursive: true });
        const none = bash(renderSwarmTokenScript({ stack: "t", managers: MANAGERS, access: f.access }), f, { [SWARM_ENV.sealPublicKey]: publicPem });
        assert.equal(none.status, 1);
        assert.equal(
            none.stderr.trim(),
            "docker-overlay swarm token swarm-manager: no manager of the swarm answers (tried unix:///run/m.sock unix:///run/m2.sock unix:///run/m3.sock); start a manager's engine and retry",
        );
    });

    it("removing a manager demotes it, then it leaves, then its node is removed", () => {
        const f = cluster();
        const r = bash(renderSwarmJoinScripts({ stack: "t", worker: m3, managers: MANAGERS, joinAs: "manager", port: 2377, access: f.access }).delete, f);
        assert.equal(r.status, 0, r.stderr);
        assert.deepEqual(
            f.calls().filter((c) => /node demote|node rm|swarm leave|availability/.test(c)),
            [
                `unix:///run/m.sock node demote ${ID(m3.dockerHost)}`,
                "unix:///run/m3.sock swarm leave --force",
                `unix:///run/m.sock node rm --force ${ID(m3.dockerHost)}`,
            ],
        );
    });

    it("removing a manager that would break the quorum is refused before anything changes", () => {
        const f = cluster();
        // m2 is unreachable: without m3, 1 of the 2 remaining managers would be reachable.
        f.engine(manager.dockerHost, { [`reach-${ID(m2.dockerHost)}`]: "unreachable" });
        const before = f.calls().length;
        const r = bash(renderSwarmJoinScripts({ stack: "t", worker: m3, managers: MANAGERS, joinAs: "manager", port: 2377, access: f.access }).delete, f);
        assert.equal(r.status, 1);
        assert.equal(
            r.stderr.trim(),
            "docker-overlay swarm join m3: removing manager m3 would leave 1 of 2 managers reachable, fewer than a majority (2): the swarm would lose its quorum; bring the unreachable managers back (or remove them first) and retry",
        );
        assert.deepEqual(
            f
                .calls()
                .slice(before)
                .filter((c) => /demote|leave|node rm|node update/.test(c)),
            [],
        );
    });

    const firstJoin = (f: Fake) =>
        renderSwarmJoinScripts({ stack: "t", worker: manager, managers: MANAGERS, joinAs: "manager", initHost: true, port: 2377, access: f.access });

    it("the first manager's join joins nothing: it checks its membership through itself and prints its node id", () => {
        const f = cluster();
        const before = f.calls().length;
        const r = bash(firstJoin(f).create, f);
        assert.equal(r.status, 0, r.stderr);
        assert.equal(r.stdout, '{"nodeId":"node-m"}\n');
        assert.match(r.stderr, /docker-overlay swarm join swarm-manager: already a node of this swarm \(node-m\); not joining again/);
        const calls = f.calls().slice(before);
        assert.ok(!calls.some((c) => /swarm join|promote|demote|node rm/.test(c)), calls.join("\n"));
        assert.ok(
            calls.every((c) => c.startsWith("unix:///run/m.sock ")),
            `through itself only: ${calls.join("\n")}`,
        );
    });

    it("the first manager's join fails, saying why, when its engine is in no swarm or does not manage it", () => {
        const f = cluster();
        f.engine(manager.dockerHost, { state: "inactive" });
        let r = bash(firstJoin(f).create, f);
        assert.equal(r.status, 1);
        assert.equal(
            r.stderr.trim(),
            'docker-overlay swarm join swarm-manager: its swarm state is "inactive" although swarm-init made it the swarm\'s first manager (did it leave by hand?); replace swarm-init (pulumi up --replace with its URN) to make the swarm anew',
        );
        f.engine(manager.dockerHost, { state: "active", noquorum: "" });
        r = bash(firstJoin(f).create, f);
        assert.equal(r.status, 1);
        assert.match(r.stderr, /swarm-manager is in the swarm but does not manage it \(docker node ls fails there\)/);
    });

    it("the first manager's join, with no other manager answering, leaves the swarm to swarm-init's delete; any other manager's refuses", () => {
        const f = fake();
        f.engine(manager.dockerHost, { state: "active", control: "true", addr: "10.160.0.2", node: "node-m", nodes: "node-m", "role-node-m": "manager" });
        const r = bash(firstJoin(f).delete, f);
        assert.equal(r.status, 0, r.stderr);
        assert.match(r.stderr, /the swarm's only manager that answers; swarm-init's delete leaves the swarm/);
        assert.ok(!f.calls().some((c) => /swarm leave|demote|node rm/.test(c)), f.calls().join("\n"));
        const other = bash(
            renderSwarmJoinScripts({ stack: "t", worker: manager, managers: MANAGERS, joinAs: "manager", port: 2377, access: f.access }).delete,
            f,
        );
        assert.equal(other.status, 1);
        assert.match(other.stderr, /no other manager of the swarm answers/);
    });

    it("swarm-init moved to another manager: its delete leaves the swarm to the other managers; a removed first manager's join then demotes it, it leaves and its node goes", () => {
        const f = cluster();
        const init = renderSwarmInitScripts({ stack: "t", manager, port: 2377, pool: POOL, access: f.access });
        const kept = bash(init.delete, f);
        assert.equal(kept.status, 0, kept.stderr);
        assert.equal(
            kept.stderr.trim(),
            "docker-overlay swarm init swarm-manager: the swarm stays with its other managers; whether this host stays in it is its join's to decide",
        );
        assert.ok(!f.calls().some((c) => /demote|swarm leave|node rm/.test(c)), f.calls().join("\n"));
        assert.equal(f.read(manager.dockerHost, "state"), "active");
        // Removed from hosts: its join's delete, through another manager (m2 answers as one in this fake once it knows the nodes).
        f.engine(m2.dockerHost, { nodes: `node-m\n${ID(m2.dockerHost)}\n${ID(m3.dockerHost)}`, "role-node-m": "manager" });
        const before = f.calls().length;
        const r = bash(firstJoin(f).delete, f, { PULUMI_COMMAND_STDOUT: '{"nodeId":"node-m"}' });
        assert.equal(r.status, 0, r.stderr);
        assert.deepEqual(
            f
                .calls()
                .slice(before)
                .filter((c) => /demote|leave|node rm|availability/.test(c)),
            ["unix:///run/m2.sock node demote node-m", "unix:///run/m.sock swarm leave --force", "unix:///run/m2.sock node rm --force node-m"],
        );
        assert.match(r.stderr, /removed node node-m from the swarm/);
        // The last manager's init delete dissolves the swarm, as before.
        const alone = fake();
        alone.engine(manager.dockerHost, { state: "active", control: "true", node: "node-m", nodes: "node-m", "role-node-m": "manager" });
        const last = bash(renderSwarmInitScripts({ stack: "t", manager, port: 2377, pool: POOL, access: alone.access }).delete, alone);
        assert.equal(last.status, 0, last.stderr);
        assert.ok(alone.calls().includes("unix:///run/m.sock swarm leave --force"), alone.calls().join("\n"));
    });

    const adopt = (f: Fake, first: SwarmNode, others: SwarmNode[]) =>
        renderSwarmAdoptScript({ stack: "t", manager: first, others, port: 2377, access: f.access });

    it("adopt: a new manager put first, in no swarm while another manager has one, joins it as a manager before init, which then adopts it", () => {
        const f = cluster();
        const m0: SwarmNode = { name: "m0", dockerHost: "unix:///run/m0.sock", advertise: "10.160.0.6" };
        f.engine(m0.dockerHost, { state: "inactive", control: "false", addr: "10.160.0.6" });
        const r = bash(adopt(f, m0, MANAGERS), f);
        assert.equal(r.status, 0, r.stderr);
        assert.equal(r.stdout, "", "the token never reaches stdout");
        assert.equal(f.read(m0.dockerHost, "joined-with"), MTOKEN);
        assert.equal(f.read(m0.dockerHost, "joined-at"), "10.160.0.2:2377");
        assert.equal(f.read(manager.dockerHost, `role-${ID(m0.dockerHost)}`), "manager");
        assert.match(r.stderr, /joined the swarm at 10\.160\.0\.2:2377 as manager node-unix____run_m0_sock, put first in hosts: swarm-init adopts that swarm/);
        f.engine(m0.dockerHost, { ingress: "10.255.0.0/24" });
        const init = bash(renderSwarmInitScripts({ stack: "t", manager: m0, port: 2377, pool: POOL, access: f.access }).create, f);
        assert.equal(init.status, 0, init.stderr);
        assert.match(init.stderr, /already manages a swarm; not initialising again/);
        assert.ok(!f.calls().includes("unix:///run/m0.sock swarm init"), f.calls().join("\n"));
    });

    it("adopt does nothing on a first manager in a swarm already, or when no other manager has one; fails when its engine does not answer", () => {
        const f = cluster();
        const before = f.calls().length;
        const inSwarm = bash(adopt(f, m2, [manager, m3]), f);
        assert.equal(inSwarm.status, 0, inSwarm.stderr);
        assert.match(inSwarm.stderr, /in a swarm already \(state active\); swarm-init takes it from here/);
        const fresh = fake();
        fresh.engine(manager.dockerHost, { state: "inactive", control: "false", addr: "10.160.0.2" });
        fresh.engine(m2.dockerHost, { state: "inactive", control: "false", addr: "10.160.0.4" });
        const none = bash(adopt(fresh, manager, [m2, m3]), fresh);
        assert.equal(none.status, 0, none.stderr);
        assert.match(none.stderr, /no other manager of the stack manages a swarm; swarm-init makes one/);
        assert.ok(![...f.calls().slice(before), ...fresh.calls()].some((c) => /swarm join|swarm init|join-token/.test(c)));
        const gone = bash(adopt(fresh, m3, [manager]), fresh);
        assert.equal(gone.status, 1);
        assert.match(gone.stderr, /^docker-overlay swarm adopt m3: the engine at unix:\/\/\/run\/m3\.sock does not answer$/m);
    });

    it("a new swarm: the spec's delete makes every node but the first manager leave the old one while it answers, workers first, then the managers one at a time", () => {
        const f = cluster();
        f.engine(worker.dockerHost, { state: "active", control: "false", addr: "10.160.0.3", node: "node-w" });
        f.engine(manager.dockerHost, { nodes: `node-m\n${ID(m2.dockerHost)}\n${ID(m3.dockerHost)}\nnode-w` });
        const before = f.calls().length;
        const del = renderSwarmSpecDeleteScript({
            stack: "t",
            nodes: [
                { node: m2, joinAs: "manager" },
                { node: worker, joinAs: "worker" },
                { node: m3, joinAs: "manager" },
            ],
            managers: MANAGERS,
            access: f.access,
        });
        const r = bash(del, f);
        assert.equal(r.status, 0, r.stderr);
        assert.match(r.stderr, /^docker-overlay swarm spec t: what the swarm is made with changed: every other node leaves it before it is made anew$/m);
        assert.deepEqual(
            f
                .calls()
                .slice(before)
                .filter((c) => /demote|swarm leave|node rm|availability/.test(c)),
            [
                "unix:///run/m.sock node update --availability drain node-w",
                "unix:///run/w1.sock swarm leave --force",
                "unix:///run/m.sock node rm --force node-w",
                `unix:///run/m.sock node demote ${ID(m2.dockerHost)}`,
                "unix:///run/m2.sock swarm leave --force",
                `unix:///run/m.sock node rm --force ${ID(m2.dockerHost)}`,
                `unix:///run/m.sock node demote ${ID(m3.dockerHost)}`,
                "unix:///run/m3.sock swarm leave --force",
                `unix:///run/m.sock node rm --force ${ID(m3.dockerHost)}`,
            ],
        );
        // Each node's lines name it.
        assert.match(r.stderr, /^docker-overlay swarm spec swarm-node1: left the swarm$/m);
        assert.match(r.stderr, /^docker-overlay swarm spec m3: demoted to worker$/m);
        assert.equal(f.read(manager.dockerHost, "state"), "active", "the first manager stays: swarm-init's delete leaves");
    });

    it("a new swarm: a node that refuses to go (the rest would lose their quorum) fails the spec's delete before anything else changes", () => {
        const f = cluster();
        f.engine(manager.dockerHost, { [`reach-${ID(m3.dockerHost)}`]: "unreachable" });
        const del = renderSwarmSpecDeleteScript({
            stack: "t",
            nodes: [
                { node: m2, joinAs: "manager" },
                { node: m3, joinAs: "manager" },
            ],
            managers: MANAGERS,
            access: f.access,
        });
        const r = bash(del, f);
        assert.equal(r.status, 1);
        assert.equal(
            r.stderr.trim().split("\n").pop(),
            "docker-overlay swarm spec m2: removing manager m2 would leave 1 of 2 managers reachable, fewer than a majority (2): the swarm would lose its quorum; bring the unreachable managers back (or remove them first) and retry",
        );
        assert.ok(!f.calls().some((c) => /swarm leave/.test(c)), f.calls().join("\n"));
    });

    it("a node update swarm refuses as out of sequence (labels and availability of one node in parallel) is read again and retried; other errors fail", () => {
        const f = cluster();
        const s = renderSwarmAvailabilityScripts({ stack: "t", host: m2, managers: MANAGERS, availability: "pause", access: f.access });
        f.engine(MANAGERS[0].dockerHost, { "outofseq-2": "" });
        const r = bash(s.create, f);
        assert.equal(r.status, 0, r.stderr);
        assert.equal(f.calls().filter((c) => c.includes("--availability pause")).length, 3);
        assert.equal((r.stderr.match(/node update out of sequence \(try \d\): again/g) ?? []).length, 2);
        f.engine(MANAGERS[0].dockerHost, { "outofseq-9": "" });
        const gaveUp = bash(s.create, f);
        assert.equal(gaveUp.status, 1);
        assert.equal(gaveUp.stderr.trim().split("\n").pop(), "Error response from daemon: rpc error: code = Unknown desc = update out of sequence");
    });

    it("availability is set through a manager, and reset to active on delete", () => {
        const f = cluster();
        const s = renderSwarmAvailabilityScripts({ stack: "t", host: m2, managers: MANAGERS, availability: "drain", access: f.access });
        assert.equal(bash(s.create, f).status, 0);
        assert.equal(bash(s.delete, f).status, 0);
        assert.deepEqual(
            f.calls().filter((c) => c.includes("--availability")),
            [
                `unix:///run/m.sock node update --availability drain ${ID(m2.dockerHost)}`,
                `unix:///run/m.sock node update --availability active ${ID(m2.dockerHost)}`,
            ],
        );
    });
});
