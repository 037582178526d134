/**
 * The host drivers' pure renderers: docker-machine argv and scripts, the ssh
 * install/restore scripts (also run for real against a scratch root with stub
 * commands), and the dind containers' arguments and addresses.
 */
import * as assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { DriverConfig } from "../../lib/config/types";
import {
    dindAddressPlan,
    dindClusterKeys,
    dindEngineConfigJson,
    dindDockerHost,
    dindEngineCommand,
    dindEngineContainer,
    dindFabricNetwork,
    dindKvContainer,
    dindTls,
    isLocalDockerEndpoint,
    renderDindEngineConfigScript,
} from "../../lib/drivers/dind";
import {
    parseDockerMachineConnection,
    parseDockerMachineIp,
    renderDockerMachineConnectionScript,
    renderDockerMachineCreate,
    renderDockerMachineCreateScript,
    renderDockerMachineDeleteScript,
    renderDockerMachineEngineConfigScript,
    renderDockerMachineKvCreateScript,
} from "../../lib/drivers/dockerMachine";
import { renderSshDaemonJson, renderSshInstallScript, renderSshRestoreScript, sshDockerHost, sshTls } from "../../lib/drivers/ssh";
import { EngineOptions } from "../../lib/render/engine";
import { shQuote } from "../../lib/render/shell";
import { cluster, DIND } from "./fixtures/configs";

const SEED_KV = "consul://192.168.99.100:8500";

function seedEngine(labels: Record<string, string> = {}): EngineOptions {
    return { clusterStore: SEED_KV, clusterAdvertise: "eth1:2376", clusterStoreOpts: {}, labels };
}

describe("docker-machine renderers", () => {
    it("renders the seed's swarm manager exactly, its cluster keys left for the config script", () => {
        assert.deepEqual(
            renderDockerMachineCreate({
                name: "swarm-manager",
                machineDriver: "virtualbox",
                createFlags: [],
                engine: seedEngine(),
                swarm: { master: true, discovery: SEED_KV, image: "swarm:1.2.9" },
            }),
            [
                "docker-machine",
                "create",
                "-d",
                "virtualbox",
                "--swarm",
                "--swarm-master",
                "--swarm-discovery=consul://192.168.99.100:8500",
                "--swarm-image=swarm:1.2.9",
                "swarm-manager",
            ],
        );
    });

    it("renders a seed node without --swarm-master, with its labels and the extra create flags", () => {
        assert.deepEqual(
            renderDockerMachineCreate({
                name: "swarm-node1",
                machineDriver: "virtualbox",
                createFlags: ["--virtualbox-memory=1024"],
                engine: seedEngine({ storage: "ssd" }),
                swarm: { master: false, discovery: SEED_KV, image: "swarm:1.2.9" },
            }),
            [
                "docker-machine",
                "create",
                "-d",
                "virtualbox",
                "--virtualbox-memory=1024",
                "--engine-label=storage=ssd",
                "--swarm",
                "--swarm-discovery=consul://192.168.99.100:8500",
                "--swarm-image=swarm:1.2.9",
                "swarm-node1",
            ],
        );
    });

    it("leaves every swarm flag out when swarm is off", () => {
        const argv = renderDockerMachineCreate({ name: "n", machineDriver: "generic", createFlags: [], engine: seedEngine() });
        assert.deepEqual(
            argv.filter((a) => a.startsWith("--swarm")),
            [],
        );
        assert.equal(argv[argv.length - 1], "n");
    });

    it("create script passes the argv through the shell intact and prints only the IP", () => {
        const stub = stubDir({
            "docker-machine": `#!/bin/sh
case "$1" in
  inspect) exit 1 ;;
  create) printf '%s\\n' "$@" > "$STUB_LOG"; echo "Creating machine..." ;;
  ip) echo 192.168.99.101 ;;
  ssh) [ "$2 $3 $4" = "swarm-node1 cat /proc/net/tcp" ] && printf '%s\\n' ${shQuote(PROC_NET_TCP_HEAD)} ${shQuote(TCP_GOSSIP_LISTEN)} ;;
esac
`,
        });
        const args = {
            name: "swarm-node1",
            machineDriver: "virtualbox",
            createFlags: ["--virtualbox-hostonly-cidr=192.168.99.1/24", "--engine-env=A=it's spaced"],
            engine: seedEngine({ storage: "ssd" }),
            swarm: { master: false, discovery: SEED_KV, image: "swarm:1.2.9" },
        };
        const r = runSh(renderDockerMachineCreateScript(args), stub);
        assert.equal(r.status, 0, r.stderr);
        assert.equal(r.stdout, "192.168.99.101\n");
        assert.deepEqual(fs.readFileSync(stub.log, "utf8").trimEnd().split("\n"), renderDockerMachineCreate(args).slice(1));
    });

    it("create script refuses a machine that already exists, delete script tolerates one that is gone", () => {
        const stub = stubDir({ "docker-machine": `#!/bin/sh\necho "$@" >> "$STUB_LOG"\n[ "$1" = inspect ] && exit "$INSPECT_RC"\nexit 0\n` });
        const create = runSh(
            renderDockerMachineCreateScript({ name: "swarm-node2", machineDriver: "virtualbox", createFlags: [], engine: seedEngine() }),
            stub,
            { INSPECT_RC: "0" },
        );
        assert.equal(create.status, 1);
        assert.match(create.stderr, /a machine named swarm-node2 already exists; remove it \(docker-machine rm -y swarm-node2\)/);
        assert.doesNotMatch(fs.readFileSync(stub.log, "utf8"), /create/);

        const gone = runSh(renderDockerMachineDeleteScript("swarm-node2"), stub, { INSPECT_RC: "1" });
        assert.equal(gone.status, 0);
        assert.match(gone.stderr, /machine swarm-node2 is already gone/);
        const present = runSh(renderDockerMachineDeleteScript("swarm-node2"), stub, { INSPECT_RC: "0" });
        assert.equal(present.status, 0);
        assert.match(fs.readFileSync(stub.log, "utf8"), /^rm -y swarm-node2$/m);
    });

    it("connection script prints JSON the program parses, even for a cert path with quotes", () => {
        const stub = stubDir({
            "docker-machine": `#!/bin/sh
case "$1" in
  url) echo tcp://192.168.99.101:2376 ;;
  inspect) echo '"/home/a \\"b\\"/.docker/machine/machines/swarm-node1"' ;;
esac
`,
        });
        const r = runSh(renderDockerMachineConnectionScript("swarm-node1"), stub);
        assert.equal(r.status, 0, r.stderr);
        assert.deepEqual(parseDockerMachineConnection("swarm-node1", r.stdout), {
            host: "tcp://192.168.99.101:2376",
            certPath: '/home/a "b"/.docker/machine/machines/swarm-node1',
        });
        assert.throws(
            () => parseDockerMachineConnection("swarm-node1", "Error: host does not exist"),
            new Error('docker-machine driver: the connection of swarm-node1 is not JSON: "Error: host does not exist"'),
        );
        assert.throws(
            () => parseDockerMachineIp("kvstore", "\n"),
            new Error('docker-machine driver: `docker-machine ip kvstore` printed "\\n", not an IPv4 address'),
        );
    });

    it("KV machine script runs the walkthrough's consul, and etcd with its advertise URL from the machine's IP", () => {
        const consul = renderDockerMachineKvCreateScript({ name: "consul", machineDriver: "virtualbox", createFlags: [], backend: "consul", port: 8500 });
        assert.match(
            consul,
            /^docker run -d --name=consul -p 8500:8500 -h consul --restart always hashicorp\/consul:1\.16 agent -server -bootstrap -client 0\.0\.0\.0 -ui >&2$/m,
        );
        assert.match(consul, /^NAME=consul$/m);
        assert.match(consul, /^docker-machine ip "\$NAME"$/m);

        const stub = stubDir({
            "docker-machine": `#!/bin/sh
case "$1" in inspect) exit 1 ;; ip) echo 192.168.99.100 ;; env) echo 'export DOCKER_HOST="tcp://192.168.99.100:2376"' ;; esac
`,
            docker: `#!/bin/sh\necho "DOCKER_HOST=$DOCKER_HOST ADV=$ETCD_ADVERTISE_CLIENT_URLS $*" > "$STUB_LOG"\n`,
        });
        const etcd = runSh(
            renderDockerMachineKvCreateScript({ name: "kvstore", machineDriver: "virtualbox", createFlags: [], backend: "etcd", port: 2379 }),
            stub,
        );
        assert.equal(etcd.status, 0, etcd.stderr);
        assert.equal(etcd.stdout, "192.168.99.100\n");
        assert.equal(
            fs.readFileSync(stub.log, "utf8").trim(),
            "DOCKER_HOST=tcp://192.168.99.100:2376 ADV=http://192.168.99.100:2379 run -d --name=etcd -p 2379:2379 -h etcd --restart always -e ETCD_ADVERTISE_CLIENT_URLS quay.io/coreos/etcd:v3.4.23 /usr/local/bin/etcd --name=kvstore --data-dir=/etcd-data --enable-v2=true --listen-client-urls=http://0.0.0.0:2379",
        );
    });

    it("create script of a cluster-store engine holds its cluster keys (other keys: a new machine) and waits for no gossip", () => {
        const script = renderDockerMachineCreateScript({ name: "swarm-node1", machineDriver: "virtualbox", createFlags: [], engine: seedEngine() });
        assert.match(script, /^CLUSTER_KEYS='\{"cluster-store":"consul:\/\/192\.168\.99\.100:8500","cluster-advertise":"eth1:2376"\}'$/m);
        assert.doesNotMatch(script, /gossip|cluster-store=/);
        const swarmMode = renderDockerMachineCreateScript({
            name: "n",
            machineDriver: "virtualbox",
            createFlags: [],
            engine: { clusterStoreOpts: {}, labels: {} },
        });
        assert.doesNotMatch(swarmMode, /CLUSTER_KEYS/);
        assert.throws(
            () => renderDockerMachineEngineConfigScript({ name: "n", engine: { clusterStoreOpts: {}, labels: {} } }),
            new Error("docker-machine driver: engine n has no cluster store to join"),
        );
    });

    /**
     * Runs the config script against a stand-in docker-machine whose `ssh NAME COMMAND` gives
     * COMMAND to bash here, as the machine's login shell would (as root: `id -u` is 0), and a
     * stand-in dockerd: a process that, on SIGHUP, takes the store of its daemon.json (unless
     * `reloads: false`) and then lists a gossip listener in its /proc/net/tcp. `docker version`
     * reports `version` (default 20.10.24), `docker info` the store it took. `ours`: `daemonJson`
     * has the program's copy beside it.
     */
    function runDockerMachineConfig(opts: { daemonJson?: string; ours?: boolean; version?: string; running?: boolean; reloads?: boolean } = {}) {
        const root = scratchDir("dm-config-");
        const config = path.join(root, "etc", "docker", "daemon.json");
        const pidfile = path.join(root, "docker.pid");
        const store = path.join(root, "store");
        const tcp = path.join(root, "tcp");
        const hups = path.join(root, "hups");
        fs.writeFileSync(tcp, `${PROC_NET_TCP_HEAD}\n`);
        if (opts.daemonJson !== undefined) {
            fs.mkdirSync(path.dirname(config), { recursive: true });
            fs.writeFileSync(config, opts.daemonJson);
            if (opts.ours === true) {
                fs.writeFileSync(`${config}.docker-overlay`, opts.daemonJson);
            }
        }
        const take =
            opts.reloads === false
                ? ""
                : `; node -e 'process.stdout.write(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"))["cluster-store"] ?? "")' ${shQuote(config)} >${shQuote(store)}; echo ${shQuote(TCP_GOSSIP_LISTEN)} >>${shQuote(tcp)}`;
        const dockerd = spawn("bash", ["-c", `on_hup() { echo HUP >>${shQuote(hups)}${take}; }; trap on_hup HUP; while :; do sleep 0.05; done`], {
            stdio: "ignore",
        });
        try {
            if (opts.running !== false) {
                fs.writeFileSync(pidfile, `${dockerd.pid}\n`);
            }
            const stub = stubDir({
                "docker-machine": `#!/bin/bash\necho "$1 $2" >>"$STUB_LOG"\n[ "$1" = ssh ] && [ "$2" = swarm-node1 ] || exit 2\nshift 2\nbash -c "$*" || { echo "exit status $?" >&2; exit 1; }\n`,
                docker: `#!/bin/bash\ncase "$1" in\n  version) echo ${opts.version ?? "20.10.24"} ;;\n  info) cat ${shQuote(store)} 2>/dev/null; echo ;;\nesac\n`,
            });
            const script = renderDockerMachineEngineConfigScript({
                name: "swarm-node1",
                engine: seedEngine({ storage: "ssd" }),
                files: { config, pidfile },
                timeoutSeconds: 1,
            });
            // As the program runs it: under bash. The machine's /proc/net/tcp is the stand-in's.
            const r = spawnSync("bash", ["-c", script], {
                encoding: "utf8",
                env: { PATH: `${stub.bin}:${process.env.PATH}`, STUB_LOG: stub.log, PROC_NET_TCP: tcp, HOME: os.tmpdir() },
                timeout: 30_000,
            });
            const read = (f: string) => (fs.existsSync(f) ? fs.readFileSync(f, "utf8") : undefined);
            return {
                status: r.status,
                stderr: r.stderr,
                config: read(config),
                copy: read(`${config}.docker-overlay`),
                hups: (read(hups) ?? "").split("\n").filter(Boolean).length,
            };
        } finally {
            dockerd.kill("SIGKILL");
        }
    }

    const SEED_KEYS = '{"cluster-store":"consul://192.168.99.100:8500","cluster-advertise":"eth1:2376"}\n';

    it("config script: the running engine gets exactly its cluster keys in daemon.json (a copy kept), one reload, the store reported, the gossip listening; again, the same", () => {
        const r = runDockerMachineConfig();
        assert.equal(r.status, 0, r.stderr);
        assert.equal(r.config, SEED_KEYS);
        assert.equal(r.copy, SEED_KEYS);
        assert.equal(r.hups, 1);
        assert.match(r.stderr, /^docker-overlay engine swarm-node1: in the cluster store consul:\/\/192\.168\.99\.100:8500, gossip listening, in \d+s$/m);
        // A file the program wrote (its copy beside it) is its own: run again, the same file and one more reload.
        const again = runDockerMachineConfig({ daemonJson: SEED_KEYS, ours: true });
        assert.equal(again.status, 0, again.stderr);
        assert.deepEqual([again.config, again.copy, again.hups], [SEED_KEYS, SEED_KEYS, 1]);
        // The same text without the copy beside it is not known to be the program's.
        assert.equal(runDockerMachineConfig({ daemonJson: SEED_KEYS }).status, 1);
    });

    it("config script refuses a daemon.json the program did not write, an engine that is not running and Docker 23, changing nothing", () => {
        const foreign = '{ "log-level": "debug" }\n';
        const theirs = runDockerMachineConfig({ daemonJson: foreign });
        assert.equal(theirs.status, 1);
        assert.match(
            theirs.stderr,
            /its \S+\/etc\/docker\/daemon\.json was not written by docker-overlay; docker-machine gives the engine its options as flags: move them to driver\.createFlags \(--engine-opt\), remove the file, and run up again/,
        );
        assert.match(theirs.stderr, /^docker-overlay engine swarm-node1: could not give the engine its cluster store/m);
        assert.deepEqual([theirs.config, theirs.copy, theirs.hups], [foreign, undefined, 0]);

        const down = runDockerMachineConfig({ running: false });
        assert.equal(down.status, 1);
        assert.match(down.stderr, /its dockerd is not running \(no live pid in \S+docker\.pid\)/);
        assert.deepEqual([down.config, down.hups], [undefined, 0]);

        const v23 = runDockerMachineConfig({ version: "23.0.1" });
        assert.equal(v23.status, 1);
        assert.match(
            v23.stderr,
            /^docker-overlay: swarm-node1 runs Docker Engine 23\.0\.1: cluster-store was deprecated in 20\.10 and removed in 23\.0, so the legacy overlay \(engine\.mode: cluster-store\) needs an engine <= 20\.10\. Pin one on swarm-node1 \(e\.g\. --engine-install-url in driver\.createFlags, or a boot2docker ISO <= v19\.03\), or use engine\.mode: swarm\.$/m,
        );
        assert.deepEqual([v23.config, v23.hups], [undefined, 0]);
    });

    it("config script fails, naming the store, when the engine does not take it on the reload", () => {
        const r = runDockerMachineConfig({ reloads: false });
        assert.equal(r.status, 1);
        assert.equal(r.hups, 1);
        assert.match(
            r.stderr,
            /the engine reports cluster store "", not "consul:\/\/192\.168\.99\.100:8500", 1s after the reload; inspect its log with docker-machine ssh swarm-node1/,
        );
    });
});

describe("ssh renderers", () => {
    const engine: EngineOptions = {
        clusterStore: SEED_KV,
        clusterAdvertise: "lo:2376",
        clusterStoreOpts: { "kv.path": "docker/nodes" },
        labels: { storage: "ssd" },
    };

    it("daemon.json carries exactly the cluster keys and labels, never hosts", () => {
        assert.equal(
            renderSshDaemonJson(engine),
            `{
  "cluster-store": "consul://192.168.99.100:8500",
  "cluster-advertise": "lo:2376",
  "cluster-store-opts": {
    "kv.path": "docker/nodes"
  },
  "labels": [
    "storage=ssd"
  ]
}
`,
        );
        assert.throws(
            () =>
                renderSshInstallScript({
                    daemonJson: JSON.stringify({ ...JSON.parse(renderSshDaemonJson(engine)), hosts: ["tcp://0.0.0.0:2376"] }),
                    hostname: "n1",
                }),
            new Error(
                "ssh driver: daemon.json must not set `hosts`: systemd starts dockerd with -H fd:// and dockerd refuses a directive given both as a flag and in daemon.json; the program reaches the engine over ssh:// instead",
            ),
        );
    });

    it("docker endpoint is ssh://user@address:port, IPv6 bracketed", () => {
        assert.equal(sshDockerHost("root", "192.0.2.11", 22), "ssh://root@192.0.2.11:22");
        assert.equal(sshDockerHost("ops", "2001:db8::5", 2222), "ssh://ops@[2001:db8::5]:2222");
    });

    it("install backs up the user's daemon.json once, renames the host, restarts, and restore puts both back", () => {
        const m = fakeMachine({ daemonJson: '{ "debug": true }\n', hostname: "cloned-vm" });
        const install = () => m.run(renderSshInstallScript({ daemonJson: renderSshDaemonJson(engine), hostname: "swarm-node1", root: m.root }));
        let r = install();
        assert.equal(r.status, 0, r.stderr);
        assert.equal(r.stdout, "");
        assert.equal(m.read("/etc/docker/daemon.json"), renderSshDaemonJson(engine));
        assert.equal(m.read("/etc/docker/daemon.json.docker-overlay.bak"), '{ "debug": true }\n');
        assert.equal(m.read("/etc/docker/hostname.docker-overlay.bak"), "cloned-vm\n");
        assert.equal(m.hostname(), "swarm-node1");
        assert.deepEqual(m.calls(), ["service docker restart"]);

        // A second install (e.g. new labels) keeps the first backup: the user's file, not ours.
        r = m.run(renderSshInstallScript({ daemonJson: renderSshDaemonJson({ ...engine, labels: {} }), hostname: "swarm-node1", root: m.root }));
        assert.equal(r.status, 0, r.stderr);
        assert.equal(m.read("/etc/docker/daemon.json.docker-overlay.bak"), '{ "debug": true }\n');

        r = m.run(renderSshRestoreScript({ root: m.root }));
        assert.equal(r.status, 0, r.stderr);
        assert.equal(m.read("/etc/docker/daemon.json"), '{ "debug": true }\n');
        assert.equal(m.exists("/etc/docker/daemon.json.docker-overlay.bak"), false);
        assert.equal(m.hostname(), "cloned-vm");
        assert.equal(m.calls().length, 3);
    });

    it("a later install that changes only labels reloads the running engine (SIGHUP) instead of restarting it", () => {
        const m = fakeMachine({ daemonJson: '{ "debug": true }\n', hostname: "swarm-node1" });
        const install = (e: EngineOptions, tls = false) =>
            m.run(
                renderSshInstallScript({
                    daemonJson: renderSshDaemonJson(e, tls ? sshTls(2376) : undefined),
                    hostname: "swarm-node1",
                    root: m.root,
                    ...(tls ? { tls: sshTls(2376) } : {}),
                }),
            );
        // The first install has no earlier file of the program's to compare with: a restart.
        let r = install(engine);
        assert.equal(r.status, 0, r.stderr);
        assert.deepEqual(m.calls(), ["service docker restart"]);
        // The same install again (the program upgraded, nothing new for this machine): neither restart nor reload.
        r = install(engine);
        assert.equal(r.status, 0, r.stderr);
        assert.deepEqual(m.calls(), ["service docker restart"]);
        assert.match(r.stderr, /the engine on swarm-node1 already runs with this configuration \(no restart\)/);
        assert.equal(
            m.read("/etc/docker/daemon.json.docker-overlay.base"),
            `${JSON.stringify({ "cluster-store": SEED_KV, "cluster-advertise": "lo:2376", "cluster-store-opts": { "kv.path": "docker/nodes" } }, null, 2)}\n`,
        );
        // The engine runs (its pidfile): a stand-in that takes the file's labels on SIGHUP as dockerd
        // does, only when the file has the key (moby v20.10.5 daemon/reload.go:230).
        const onHup = `if grep -q '"labels"' "$ROOT/etc/docker/daemon.json"; then grep -o '"[a-z]*=[^"]*"' "$ROOT/etc/docker/daemon.json" | tr -d '"' >"$STATE/labels"; fi; echo HUP >>"$STATE/calls"`;
        const daemon = spawn("sh", ["-c", `trap ${shQuote(onHup)} HUP; while :; do sleep 0.05; done`], {
            env: { ...process.env, ROOT: m.root, STATE: path.join(m.root, "state") },
            stdio: "ignore",
        });
        try {
            fs.mkdirSync(path.join(m.root, "var/run"), { recursive: true });
            fs.writeFileSync(path.join(m.root, "var/run/docker.pid"), `${daemon.pid}\n`);
            r = install({ ...engine, labels: { storage: "hdd", zone: "a" } });
            assert.equal(r.status, 0, r.stderr);
            assert.deepEqual(m.calls(), ["service docker restart", "HUP"]);
            assert.match(r.stderr, /the engine on swarm-node1 reloaded its labels \(no restart\)/);
            assert.deepEqual(JSON.parse(m.read("/etc/docker/daemon.json"))["labels"], ["storage=hdd", "zone=a"]);
            // Every label removed: the file has no labels key, which a reload would leave as they are: a restart.
            r = install({ ...engine, labels: {} });
            assert.equal(r.status, 0, r.stderr);
            assert.deepEqual(m.calls(), ["service docker restart", "HUP", "service docker restart"]);
            // Anything else changed (here the store's options): a restart.
            r = install({ ...engine, clusterStoreOpts: {} });
            assert.equal(r.status, 0, r.stderr);
            assert.deepEqual(m.calls().slice(3), ["service docker restart"]);
            // With TLS a reload too, when the material is the one the engine runs with (tests/unit/tls.test.ts).
        } finally {
            daemon.kill("SIGKILL");
        }
        r = m.run(renderSshRestoreScript({ root: m.root }));
        assert.equal(r.status, 0, r.stderr);
        assert.equal(m.exists("/etc/docker/daemon.json.docker-overlay.base"), false);
    });

    it("with no daemon.json before, install records that and restore removes ours", () => {
        const m = fakeMachine({ hostname: "swarm-node2" });
        let r = m.run(renderSshInstallScript({ daemonJson: renderSshDaemonJson(engine), hostname: "swarm-node2", root: m.root }));
        assert.equal(r.status, 0, r.stderr);
        assert.equal(m.exists("/etc/docker/daemon.json.docker-overlay.none"), true);
        assert.equal(m.exists("/etc/docker/hostname.docker-overlay.bak"), false, "hostname already right: nothing to restore");
        r = m.run(renderSshRestoreScript({ root: m.root }));
        assert.equal(r.status, 0, r.stderr);
        assert.equal(m.exists("/etc/docker/daemon.json"), false);
        assert.equal(m.exists("/etc/docker/daemon.json.docker-overlay.none"), false);
    });

    it("restore with nothing saved changes nothing and does not restart", () => {
        const m = fakeMachine({ daemonJson: "{}\n", hostname: "h" });
        const r = m.run(renderSshRestoreScript({ root: m.root }));
        assert.equal(r.status, 0, r.stderr);
        assert.match(r.stderr, /no saved daemon.json on this machine/);
        assert.equal(m.read("/etc/docker/daemon.json"), "{}\n");
        assert.deepEqual(m.calls(), []);
    });

    it("refuses Docker >= 23 before touching anything", () => {
        const m = fakeMachine({ daemonJson: "{}\n", hostname: "h", version: "24.0.7" });
        const r = m.run(renderSshInstallScript({ daemonJson: renderSshDaemonJson(engine), hostname: "swarm-node1", root: m.root }));
        assert.equal(r.status, 1);
        assert.equal(
            r.stderr.trim(),
            "docker-overlay: swarm-node1 runs Docker Engine 24.0.7: cluster-store was deprecated in 20.10 and removed in 23.0, so the legacy overlay (engine.mode: cluster-store) needs an engine <= 20.10. Install 20.10.x there, or use engine.mode: swarm.",
        );
        assert.equal(m.read("/etc/docker/daemon.json"), "{}\n");
        assert.equal(m.exists("/etc/docker/daemon.json.docker-overlay.bak"), false);
        assert.equal(m.hostname(), "h");
        assert.deepEqual(m.calls(), []);
    });

    it("accepts old version strings (17.06.2-ce, 20.10.24+dfsg1) and reads dockerd --version when the server is down", () => {
        for (const version of ["17.06.2-ce", "20.10.24+dfsg1"]) {
            const m = fakeMachine({ hostname: "n", version });
            const r = m.run(renderSshInstallScript({ daemonJson: renderSshDaemonJson(engine), hostname: "n", root: m.root }));
            assert.equal(r.status, 0, `${version}: ${r.stderr}`);
        }
        const down = fakeMachine({ hostname: "n", version: "23.0.1", serverDownUntilRestart: true });
        const r = down.run(renderSshInstallScript({ daemonJson: renderSshDaemonJson(engine), hostname: "n", root: down.root }));
        assert.equal(r.status, 1);
        assert.match(r.stderr, /runs Docker Engine 23\.0\.1: cluster-store was deprecated/);
    });

    it("fails with the engine's log when it does not come back, and when the advertise interface is missing", () => {
        const m = fakeMachine({ hostname: "n", neverUp: true });
        let r = m.run(renderSshInstallScript({ daemonJson: renderSshDaemonJson(engine), hostname: "n", root: m.root, waitSeconds: 2 }));
        assert.equal(r.status, 1);
        assert.match(
            r.stderr,
            /the Docker engine on n did not answer within 2s of its restart; its last log lines:\nfake journal: unknown flag --cluster-store/,
        );

        const noIf = fakeMachine({ hostname: "n" });
        r = noIf.run(renderSshInstallScript({ daemonJson: renderSshDaemonJson({ ...engine, clusterAdvertise: "eth9:2376" }), hostname: "n", root: noIf.root }));
        assert.equal(r.status, 1);
        assert.match(r.stderr, /^docker-overlay: n has no interface eth9 \(engine.advertiseInterface, cluster-advertise=eth9:2376\); it has: lo $/m);
        assert.equal(noIf.exists("/etc/docker/daemon.json"), false);
    });

    it("with a cluster store, counts the engine as started only once its overlay gossip listens", () => {
        const quiet = fakeMachine({ hostname: "n", noGossip: true });
        const r = quiet.run(renderSshInstallScript({ daemonJson: renderSshDaemonJson(engine), hostname: "n", root: quiet.root, waitSeconds: 0 }));
        assert.equal(r.status, 1);
        assert.match(
            r.stderr,
            /the engine on n did not start its overlay gossip \(serf, tcp 7946\) within 0s: it has not seen itself registered in the cluster store consul:\/\/192\.168\.99\.100:8500; its last log lines:\nfake journal/,
        );
        // Swarm mode has no such gossip to wait for.
        const swarmMachine = fakeMachine({ hostname: "n", noGossip: true });
        const swarm = swarmMachine.run(
            renderSshInstallScript({
                daemonJson: renderSshDaemonJson({ clusterStoreOpts: {}, labels: {} }),
                hostname: "n",
                root: swarmMachine.root,
                waitSeconds: 0,
            }),
        );
        assert.equal(swarm.status, 0, swarm.stderr);
    });
});

describe("dind renderers", () => {
    it("allocates the gateway, then the KV machine, then each host the address its name picks, keeping a host's own address", () => {
        assert.deepEqual(dindAddressPlan(cluster()), {
            gateway: "172.30.0.1",
            prefixLength: 24,
            addresses: { kvstore: "172.30.0.2", "swarm-manager": "172.30.0.13", "swarm-node1": "172.30.0.194", "swarm-node2": "172.30.0.71" },
        });
        const pinned = dindAddressPlan(cluster(DIND, (c) => (c.hosts[0].address = "172.30.0.4")));
        assert.deepEqual(pinned.addresses, {
            kvstore: "172.30.0.2",
            "swarm-manager": "172.30.0.4",
            "swarm-node1": "172.30.0.194",
            "swarm-node2": "172.30.0.71",
        });
        const removed = dindAddressPlan(cluster(DIND, (c) => c.hosts.splice(1, 1)));
        assert.deepEqual(removed.addresses, { kvstore: "172.30.0.2", "swarm-manager": "172.30.0.13", "swarm-node2": "172.30.0.71" });
        const external = dindAddressPlan(cluster(DIND, (c) => (c.kvStore = { ...c.kvStore!, machine: undefined, address: "consul://192.0.2.1:8500" })));
        assert.equal(external.addresses["swarm-manager"], "172.30.0.174");
    });

    it("engine command: dockerd first, both API hosts, MTU 50 below the fabric; no cluster keys or labels as flags", () => {
        const c = cluster();
        assert.deepEqual(dindEngineCommand(c), ["dockerd", "--host=unix:///var/run/docker.sock", "--host=tcp://0.0.0.0:2376", "--mtu=1400"]);
        assert.equal(dindEngineCommand(cluster({ ...DIND, mtu: 1500 } as DriverConfig))[3], "--mtu=1450");
    });

    it("engine config: the cluster keys advertising the fabric IP and the labels; none in swarm mode", () => {
        const c = cluster();
        const engine = { ...seedEngine({ storage: "ssd" }), clusterStoreOpts: { "kv.path": "docker/nodes" } };
        const keys = {
            "cluster-store": "consul://192.168.99.100:8500",
            "cluster-advertise": "172.30.0.4:2376",
            "cluster-store-opts": { "kv.path": "docker/nodes" },
        };
        assert.deepEqual(dindClusterKeys(c, "172.30.0.4", engine), keys);
        assert.deepEqual(JSON.parse(dindEngineConfigJson(c, "172.30.0.4", engine)), { ...keys, labels: ["storage=ssd"] });
        // No labels is an empty list: a reload applies it (a missing key would keep the old ones, daemon/reload.go:230).
        assert.deepEqual(JSON.parse(dindEngineConfigJson(c, "172.30.0.4", { ...engine, labels: {} })).labels, []);
        assert.equal(dindClusterKeys(c, "172.30.0.4", { clusterStoreOpts: {}, labels: {} }), undefined);
        assert.throws(() => renderDindEngineConfigScript(c, c.hosts[0], "172.30.0.4", { clusterStoreOpts: {}, labels: {} }), /swarm node labels/);
    });

    /** A line of /proc/net/tcp with a socket listening on 7946 (0x1F0A), as gossip_listening reads it. */
    const GOSSIP_LINE = "   0: 0400C70A:1F0A 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1 0 100 0 0 10 0";

    /**
     * Runs the dind config script against a stand-in local Docker: `docker` answers `inspect`
     * (running), `exec` of the script's `sh -c` (run here, on a scratch copy of the container's
     * /etc/docker, its signal recorded instead of sent), of `docker info` (the store and the labels
     * of the file as the engine reloaded it, labels last first: dockerd keeps no order), of `cat
     * /proc/net/tcp` (gossip listening once the engine reloaded a store, unless `gossip: false`),
     * and `logs`.
     */
    function runDindConfig(labels: Record<string, string>, opts: { reloads?: boolean; gossip?: boolean } = {}) {
        const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "dind-config-"));
        try {
            const c = cluster();
            const h = c.hosts[1];
            const engine = { ...seedEngine(labels), clusterAdvertise: "eth1:2376" };
            const config = path.join(tmp, "etc", "docker", "daemon.json");
            const reloaded = path.join(tmp, "reloaded.json");
            const hup =
                opts.reloads === false
                    ? `echo HUP >>${shQuote(path.join(tmp, "signals"))}`
                    : `echo HUP >>${shQuote(path.join(tmp, "signals"))}; command cp ${shQuote(config)} ${shQuote(reloaded)}`;
            const fromReloaded = (expr: string) =>
                `node -e 'try { const f = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); ${expr} } catch {}' ${shQuote(reloaded)}`;
            const inside = path.join(tmp, "inside.sh");
            fs.writeFileSync(inside, `kill() { ${hup}; }\ncat() { if [ "$1" = /var/run/docker.pid ]; then echo 1; else command cat "$@"; fi; }\n`);
            const tcp = `echo '  sl  local_address'${opts.gossip === false ? "" : `; [ -e ${shQuote(reloaded)} ] && echo ${shQuote(GOSSIP_LINE)}`}; true`;
            fs.writeFileSync(
                path.join(tmp, "docker"),
                [
                    "#!/bin/bash",
                    `echo "$*" >>${shQuote(path.join(tmp, "calls"))}`,
                    "shift 2 # -H <host>",
                    'case "$1" in',
                    "  inspect) echo true ;;",
                    "  logs) echo 'dockerd: a log line' ;;",
                    '  exec) shift; [ "$1" = -i ] && shift; shift',
                    '    case "$1 $2" in',
                    // The script's own sh, with kill and the pidfile's cat standing in for the container's.
                    `      "sh -c") sh -c ". ${shQuote(inside)}; $3" sh ${shQuote(config)} ;;`,
                    `      "cat /proc/net/tcp") ${tcp} ;;`,
                    '      "docker info") case "$*" in',
                    `          *ClusterStore*) ${fromReloaded('console.log(f["cluster-store"] ?? "");')} ;;`,
                    `          *) ${fromReloaded("for (const l of f.labels.reverse()) console.log(l);")} ;;`,
                    "        esac ;;",
                    "    esac ;;",
                    "esac",
                ].join("\n"),
                { mode: 0o755 },
            );
            const script = renderDindEngineConfigScript(c, h, "172.30.0.194", engine);
            assert.ok(script.includes("\nTIMEOUT=60\n"));
            const r = spawnSync("bash", ["-c", script.replace("\nTIMEOUT=60\n", "\nTIMEOUT=1\n")], {
                encoding: "utf8",
                env: { ...process.env, PATH: `${tmp}:${process.env["PATH"] ?? ""}` },
            });
            const read = (f: string) => (fs.existsSync(f) ? fs.readFileSync(f, "utf8") : "");
            return { status: r.status, stderr: r.stderr, file: read(config), signals: read(path.join(tmp, "signals")), calls: read(path.join(tmp, "calls")) };
        } finally {
            fs.rmSync(tmp, { recursive: true, force: true });
        }
    }

    it("engine config: the container's daemon.json written through the local Docker, dockerd signalled, then the store, the gossip and the labels waited for", () => {
        const c = cluster();
        const r = runDindConfig({ zone: "b", storage: "ssd" });
        assert.equal(r.status, 0, r.stderr);
        assert.deepEqual(JSON.parse(r.file), { ...dindClusterKeys(c, "172.30.0.194", seedEngine()), labels: ["zone=b", "storage=ssd"] });
        assert.equal(r.signals, "HUP\n");
        assert.match(r.calls, /^-H unix:\/\/\/var\/run\/docker\.sock exec -i docker-overlay-swarm-node1 sh -c /m);
        assert.match(r.calls, /^-H unix:\/\/\/var\/run\/docker\.sock exec docker-overlay-swarm-node1 cat \/proc\/net\/tcp$/m);
        assert.match(
            r.stderr,
            /docker-overlay engine swarm-node1: in the cluster store consul:\/\/192\.168\.99\.100:8500, gossip listening, labels set \(2\) in \d+s$/m,
        );
        // No labels: an empty list, and still a reload (that is how the engine joins its store).
        const none = runDindConfig({});
        assert.equal(none.status, 0, none.stderr);
        assert.deepEqual(JSON.parse(none.file).labels, []);
        assert.equal(none.signals, "HUP\n");
    });

    it("engine config: a reload that does not take, or an engine whose gossip never listens, fails naming the store, with the engine's log", () => {
        const stuck = runDindConfig({ zone: "b" }, { reloads: false });
        assert.equal(stuck.status, 1);
        assert.match(
            stuck.stderr,
            /the engine reports cluster store "", not "consul:\/\/192\.168\.99\.100:8500", 1s after the reload; its last log lines:\n {2}dockerd: a log line/,
        );
        const alone = runDindConfig({ zone: "b" }, { gossip: false });
        assert.equal(alone.status, 1);
        assert.match(
            alone.stderr,
            /dockerd did not start its overlay gossip \(serf, tcp 7946\) within 1s: it has not seen itself registered in the cluster store consul:\/\/192\.168\.99\.100:8500; its last log lines:\n {2}dockerd: a log line/,
        );
    });

    it("engine containers: privileged, unique hostnames, no shared volumes, TLS off through the hook, one published port each", () => {
        const c = cluster();
        const plan = dindAddressPlan(c);
        const specs = c.hosts.map((h) => dindEngineContainer(c, h, plan.addresses[h.name]));
        assert.deepEqual(
            specs.map((s) => s.hostname),
            ["swarm-manager", "swarm-node1", "swarm-node2"],
        );
        assert.equal(new Set(specs.map((s) => s.name)).size, 3);
        assert.deepEqual(specs[1], {
            name: "docker-overlay-swarm-node1",
            hostname: "swarm-node1",
            privileged: true,
            init: true,
            env: ["DOCKER_TLS_CERTDIR="],
            network: { name: "docker-overlay", ipv4Address: "172.30.0.194" },
            ports: [{ internal: 2376, external: 2377, ip: "127.0.0.1", protocol: "tcp" }],
            restart: "unless-stopped",
            healthcheck: {
                // The engine answers (a cluster-store engine joins its store later: its config command).
                tests: ["CMD", "docker", "version", "--format", "{{.Server.Version}}"],
                interval: "2s",
                timeout: "5s",
                retries: 60,
                startPeriod: "5s",
            },
            wait: true,
            waitTimeout: 180,
        });
        assert.ok(specs.every((s) => !("volumes" in s) && !("mounts" in s)));
        assert.deepEqual(dindTls(c), { env: ["DOCKER_TLS_CERTDIR="], dockerdFlags: ["--host=tcp://0.0.0.0:2376"] });
        assert.deepEqual(
            c.hosts.map((h) => dindDockerHost(c, h)),
            ["tcp://127.0.0.1:2376", "tcp://127.0.0.1:2377", "tcp://127.0.0.1:2378"],
        );
    });

    it("refuses a remote localDockerHost, whose published 127.0.0.1 ports this machine cannot reach", () => {
        const c = cluster({ ...DIND, localDockerHost: "tcp://10.1.2.3:2375" } as DriverConfig);
        assert.throws(
            () => dindDockerHost(c, c.hosts[0]),
            new Error(
                'dind driver: driver.localDockerHost "tcp://10.1.2.3:2375" is not on this machine; the engines\' ports are published on 127.0.0.1 of the Docker host and would be unreachable from here',
            ),
        );
        assert.deepEqual(
            ["unix:///var/run/docker.sock", "npipe:////./pipe/docker_engine", "tcp://127.0.0.1:2375", "tcp://localhost:2375", "ssh://me@box"].map(
                isLocalDockerEndpoint,
            ),
            [true, true, true, true, false],
        );
    });

    it("KV containers: pinned images per backend, etcd's v2 API and advertise URL, zookeeper's port, kvImage override", () => {
        const consul = dindKvContainer(cluster(), "kvstore", "172.30.0.2");
        assert.equal(consul.image, "hashicorp/consul:1.16");
        assert.deepEqual(consul.command, ["agent", "-server", "-bootstrap", "-client", "0.0.0.0", "-ui"]);
        assert.equal(consul.hostname, "kvstore");
        assert.deepEqual(consul.network, { name: "docker-overlay", ipv4Address: "172.30.0.2" });

        const etcd = dindKvContainer(
            cluster(DIND, (c) => (c.kvStore = { ...c.kvStore!, backend: "etcd", port: 2379 })),
            "kvstore",
            "172.30.0.2",
        );
        assert.equal(etcd.image, "quay.io/coreos/etcd:v3.4.23");
        assert.ok(etcd.command.includes("--enable-v2=true"));
        assert.deepEqual(etcd.env, ["ETCD_ADVERTISE_CLIENT_URLS=http://172.30.0.2:2379"]);

        const zk = dindKvContainer(
            cluster(DIND, (c) => (c.kvStore = { ...c.kvStore!, backend: "zookeeper", port: 2182 })),
            "kvstore",
            "172.30.0.2",
        );
        assert.equal(zk.image, "zookeeper:3.8");
        assert.deepEqual(zk.command, []);
        assert.deepEqual(zk.env, ["ZOO_SERVERS=server.1=localhost:2888:3888;2182"]);

        const custom = dindKvContainer(cluster({ ...DIND, kvImage: "registry.local/consul:1.16.6" } as DriverConfig), "kvstore", "172.30.0.2");
        assert.equal(custom.image, "registry.local/consul:1.16.6");
    });

    it("fabric network: name, subnet, gateway and MTU option", () => {
        assert.deepEqual(dindFabricNetwork(cluster()), {
            name: "docker-overlay",
            subnet: "172.30.0.0/24",
            gateway: "172.30.0.1",
            options: { "com.docker.network.driver.mtu": "1450" },
        });
    });
});

// ---------------------------------------------------------------- shell harness

/** Scratch directories made by this file, removed when it is done. */
const scratch: string[] = [];
after(() => scratch.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

function scratchDir(prefix: string): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    scratch.push(dir);
    return dir;
}

interface Stub {
    bin: string;
    log: string;
}

/** A directory of stub commands put first on PATH; each may append to $STUB_LOG. */
function stubDir(commands: Record<string, string>): Stub {
    const dir = scratchDir("drivers-stub-");
    const bin = path.join(dir, "bin");
    fs.mkdirSync(bin);
    for (const [name, body] of Object.entries(commands)) {
        fs.writeFileSync(path.join(bin, name), body, { mode: 0o755 });
    }
    const log = path.join(dir, "log");
    fs.writeFileSync(log, "");
    return { bin, log };
}

function runSh(script: string, stub: Stub, env: Record<string, string> = {}) {
    const r = spawnSync("sh", ["-c", script], {
        encoding: "utf8",
        env: { PATH: `${stub.bin}:${process.env.PATH}`, STUB_LOG: stub.log, HOME: os.tmpdir(), ...env },
    });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

interface FakeMachineOptions {
    daemonJson?: string;
    hostname: string;
    /** Server version `docker version` reports. Default 20.10.24. */
    version?: string;
    /** The engine never answers after a restart. */
    neverUp?: boolean;
    /** The engine is down until restarted (`docker version` fails; `dockerd --version` answers). */
    serverDownUntilRestart?: boolean;
    /** Nothing listens on the overlay gossip's port (its /proc/net/tcp shows only the API's socket). */
    noGossip?: boolean;
}

/** Lines of /proc/net/tcp (the kernel's "%4d: %08X:%04X %08X:%04X %02X ..." format): */
const PROC_NET_TCP_HEAD = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode";
/** the engine's API listening on 10.180.47.3:2376, */
const TCP_API_LISTEN = "   0: 032FB40A:0948 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 41213 1 0000000000000000 100 0 0 10 0";
/** a connection to a neighbour's gossip port (remote 1F0A, established: not a listener), */
const TCP_GOSSIP_CONNECTED =
    "   1: 032FB40A:A1C4 042FB40A:1F0A 01 00000000:00000000 00:00000000 00000000     0        0 41377 1 0000000000000000 20 4 30 10 -1";
/** and serf listening on 10.180.47.3:7946. */
const TCP_GOSSIP_LISTEN = "   2: 032FB40A:1F0A 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 41302 1 0000000000000000 100 0 0 10 0";

/**
 * A machine in a scratch directory: /etc/docker under a fake root, stub
 * docker/dockerd/service/hostname/journalctl that keep their state there. No
 * systemd (so `service docker restart`), runs as root (`id -u` = 0).
 */
function fakeMachine(o: FakeMachineOptions) {
    const root = scratchDir("drivers-root-");
    fs.mkdirSync(path.join(root, "etc/docker"), { recursive: true });
    fs.mkdirSync(path.join(root, "sys/class/net/lo"), { recursive: true });
    fs.mkdirSync(path.join(root, "proc/net"), { recursive: true });
    fs.writeFileSync(
        path.join(root, "proc/net/tcp"),
        [PROC_NET_TCP_HEAD, TCP_API_LISTEN, TCP_GOSSIP_CONNECTED, ...(o.noGossip === true ? [] : [TCP_GOSSIP_LISTEN]), ""].join("\n"),
    );
    const state = path.join(root, "state");
    fs.mkdirSync(state);
    if (o.daemonJson !== undefined) {
        fs.writeFileSync(path.join(root, "etc/docker/daemon.json"), o.daemonJson);
    }
    fs.writeFileSync(path.join(state, "hostname"), `${o.hostname}\n`);
    if (!o.serverDownUntilRestart) {
        fs.writeFileSync(path.join(state, "up"), "");
    }
    const version = o.version ?? "20.10.24";
    const stub = stubDir({
        id: `#!/bin/sh\necho 0\n`,
        sleep: `#!/bin/sh\nexit 0\n`,
        hostname: `#!/bin/sh\nif [ $# -eq 0 ]; then cat "$STATE/hostname"; else echo "$1" > "$STATE/hostname"; fi\n`,
        service: `#!/bin/sh\necho "service $*" >> "$STATE/calls"\n${o.neverUp ? "rm -f" : "touch"} "$STATE/up"\n`,
        journalctl: `#!/bin/sh\necho "fake journal: unknown flag --cluster-store"\n`,
        dockerd: `#!/bin/sh\necho "Docker version ${version}, build 0000000"\n`,
        docker: `#!/bin/sh
[ -e "$STATE/up" ] || { echo "Cannot connect to the Docker daemon" >&2; exit 1; }
case "$1 $3" in
  "version {{.Server.Version}}") echo "${version}" ;;
  "info {{.ClusterStore}}") sed -n 's/^  "cluster-store": "\\(.*\\)",$/\\1/p' "$ROOT/etc/docker/daemon.json" ;;
  "info {{range .Labels}}{{println .}}{{end}}") cat "$STATE/labels" 2>/dev/null || true ;;
  *) exit 0 ;;
esac
`,
    });
    return {
        root,
        run: (script: string) => runSh(script, stub, { STATE: state, ROOT: root }),
        read: (p: string) => fs.readFileSync(path.join(root, p), "utf8"),
        exists: (p: string) => fs.existsSync(path.join(root, p)),
        hostname: () => fs.readFileSync(path.join(state, "hostname"), "utf8").trim(),
        calls: () => (fs.existsSync(path.join(state, "calls")) ? fs.readFileSync(path.join(state, "calls"), "utf8").trim().split("\n") : []),
    };
}
