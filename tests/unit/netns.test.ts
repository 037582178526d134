/**
 * The netns driver's rendered scripts: what they run (flags, names, guards) and
 * how they behave when executed against stub commands (`ip`, `iptables`, ...)
 * that record their calls, so idempotence and quoting are checked by running
 * bash, not only by reading text. No root, no namespaces, no daemons.
 */
import { waitUntilFunction } from "../../lib/render/script";
import * as assert from "node:assert/strict";
import { execFileSync, spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
    DESCENDANTS_FUNCTION,
    IFNAME_MAX,
    NETNS_SCRIPT_INTERPRETER,
    NetnsEngineParams,
    NetnsKvParams,
    netnsDockerHost,
    netnsDaemonJson,
    netnsEngineRunPaths,
    netnsName,
    netnsVethName,
    renderNetnsEngineConfigScript,
    netnsEngineConfigJson,
    renderNetnsEngineScripts,
    renderNetnsFabricScripts,
    renderNetnsKvScripts,
} from "../../lib/drivers/netns";
import { shQuote } from "../../lib/render/shell";

const machine = {
    stack: "dev",
    bridge: "dovl0",
    underlay: "10.199.0.0/24",
    stateDir: "/var/lib/docker-overlay/dev",
    runDir: "/run/docker-overlay/dev",
};

function engine(over: Partial<NetnsEngineParams> = {}): NetnsEngineParams {
    return {
        ...machine,
        name: "swarm-node1",
        address: "10.199.0.4",
        engineBin: "/opt/docker-overlay/engine/bin",
        advertiseInterface: "eth1",
        engine: { clusterStore: "consul://10.199.0.2:8500", clusterAdvertise: "10.199.0.4:2376", clusterStoreOpts: {}, labels: { storage: "ssd" } },
        daemonFlags: [],
        images: [{ name: "busybox:latest", rootfs: "/var/lib/docker-overlay/images/busybox-rootfs.tar" }],
        ...over,
    };
}

function kv(backend: NetnsKvParams["backend"], port: number, over: Partial<NetnsKvParams> = {}): NetnsKvParams {
    return { ...machine, name: "kvstore", address: "10.199.0.2", backend, port, kvBin: "/opt/docker-overlay/kv/bin", ...over };
}

/** Script lines that run something: comments and blank lines dropped. */
function code(script: string): string[] {
    return script.split("\n").filter((l) => l.trim() !== "" && !l.trim().startsWith("#"));
}

/** The logical command starting with `prefix` (backslash continuations joined). */
function command(script: string, prefix: string): string {
    const lines = script.split("\n");
    const i = lines.findIndex((l) => l.startsWith(prefix));
    assert.ok(i >= 0, `no line starts with ${prefix}`);
    const parts: string[] = [];
    for (let j = i; j < lines.length; j++) {
        parts.push(lines[j]);
        if (!lines[j].endsWith("\\")) break;
    }
    return parts.join("\n");
}

/** The `NAME=value` assignments at the top of a script. */
function assignments(script: string): string {
    return script
        .split("\n")
        .filter((l) => /^[A-Z_]+=/.test(l))
        .join("\n");
}

/** The daemon.json a create script writes, as it writes it (into a scratch STATE). */
function writtenDaemonJson(script: string): unknown {
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "netns-daemon-json-"));
    try {
        const line = script.split("\n").find((l) => l.includes('>"$STATE/daemon.json"'));
        assert.ok(line !== undefined, "create writes no daemon.json");
        execFileSync("bash", ["-c", `${assignments(script)}\nSTATE=${shQuote(scratch)}\n${line}`]);
        return JSON.parse(fs.readFileSync(path.join(scratch, "daemon.json"), "utf8"));
    } finally {
        fs.rmSync(scratch, { recursive: true, force: true });
    }
}

/** Runs bash on `body` and returns the NUL-separated words it printed. */
function bashWords(body: string): string[] {
    const out = execFileSync("bash", ["-c", body], { encoding: "utf8" });
    return out.split("\0").slice(0, -1);
}

/** A shell function's definition as the script renders it (`name() {` to the closing `}` at column 0). */
function shellFunction(script: string, name: string): string {
    const m = new RegExp(`^${name}\\(\\) \\{\\n[\\s\\S]*?\\n\\}$`, "m").exec(script);
    assert.ok(m !== null, `no function ${name}`);
    return m[0];
}

/**
 * Runs a create script's write_tls line (rendered for `stateDir`) with the
 * material in the environment; returns the files it wrote (name -> content, mode).
 */
function runWriteTls(script: string, env: Record<string, string>): { status: number | null; stderr: string } {
    const lines = script.split("\n").filter((l) => l.startsWith("write_tls "));
    assert.ok(lines.length > 0, "no write_tls line");
    const r = spawnSync("bash", ["-c", ['log() { echo "$*" >&2; }', shellFunction(script, "write_tls"), ...lines].join("\n")], {
        encoding: "utf8",
        env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...env },
    });
    return { status: r.status, stderr: r.stderr };
}

interface StubRun {
    status: number | null;
    stderr: string;
    /** Every call of a stubbed command, one line each: `<cmd> <args...>`. */
    calls: string[];
}

/**
 * Runs `script` with stub commands first on PATH. Each stub appends its argv
 * to a log; `behaviour` maps a stub name to bash deciding its exit status
 * from "$*" (default: succeed).
 */
function runWithStubs(script: string, behaviour: Record<string, string>): StubRun {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "netns-test-"));
    try {
        const bin = path.join(dir, "bin");
        fs.mkdirSync(bin);
        const log = path.join(dir, "calls.log");
        for (const [name, rule] of Object.entries(behaviour)) {
            fs.writeFileSync(path.join(bin, name), `#!/usr/bin/env bash\nprintf '%s\\n' "${name} $*" >>${shQuote(log)}\n${rule}\nexit 0\n`, { mode: 0o755 });
        }
        const file = path.join(dir, "script.sh");
        fs.writeFileSync(file, script);
        const r = spawnSync("bash", [file], {
            encoding: "utf8",
            env: { PATH: `${bin}:/usr/sbin:/usr/bin:/sbin:/bin`, HOME: dir },
            timeout: 20000,
        });
        const calls = fs.existsSync(log)
            ? fs
                  .readFileSync(log, "utf8")
                  .split("\n")
                  .filter((l) => l !== "")
            : [];
        return { status: r.status, stderr: r.stderr, calls };
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

describe("netns driver: names", () => {
    it("names the namespace deterministically, readable and unique per stack and machine", () => {
        const a = netnsName({ stack: "dev", name: "swarm-node1" });
        assert.equal(a, netnsName({ stack: "dev", name: "swarm-node1" }));
        assert.match(a, /^dovl-dev-swarm-node1-[0-9a-f]{6}$/);
        assert.notEqual(a, netnsName({ stack: "prod", name: "swarm-node1" }));
        assert.notEqual(a, netnsName({ stack: "dev", name: "swarm-node2" }));
        // The readable parts alone would collide here; the hash keeps them apart.
        assert.notEqual(netnsName({ stack: "a-b", name: "c" }), netnsName({ stack: "a", name: "b-c" }));
        assert.doesNotMatch(netnsName({ stack: "dev", name: "a/b c" }), /[/ ]/);
    });

    it("keeps the root-side veth name within 15 characters, deterministic and unique", () => {
        const seen = new Set<string>();
        for (const stack of ["dev", "h1test", "a-very-long-stack-name-for-testing"]) {
            for (let i = 0; i < 300; i++) {
                const name = `host-with-a-rather-long-name-${i}`;
                const v = netnsVethName({ stack, name });
                assert.ok(v.length <= IFNAME_MAX, `${v} is longer than ${IFNAME_MAX}`);
                assert.match(v, /^[a-z0-9]+$/);
                assert.equal(v, netnsVethName({ stack, name }));
                assert.ok(!seen.has(v), `duplicate veth name ${v}`);
                seen.add(v);
            }
        }
    });

    it("gives each engine a unix socket under its run directory", () => {
        assert.equal(netnsDockerHost({ runDir: "/run/docker-overlay/dev", name: "swarm-node1" }), "unix:///run/docker-overlay/dev/swarm-node1/docker.sock");
        assert.equal(netnsDockerHost({ runDir: "/run/x/", name: "n" }), "unix:///run/x/n/docker.sock");
    });
});

describe("netns driver: fabric", () => {
    const s = renderNetnsFabricScripts({ stack: "dev", bridge: "dovl0", underlay: "10.199.0.0/24" });

    it("puts the underlay's first address on the bridge", () => {
        assert.ok(s.create.includes("BRIDGE_ADDRESS=10.199.0.1/24"));
        assert.ok(code(s.create).some((l) => l.includes('ip addr replace "$BRIDGE_ADDRESS" dev "$BRIDGE"')));
        const other = renderNetnsFabricScripts({ stack: "dev", bridge: "dovl0", underlay: "172.31.8.0/22" });
        assert.ok(other.create.includes("BRIDGE_ADDRESS=172.31.8.1/22"));
    });

    it("accepts bridged FORWARD traffic idempotently (-C || -I) and removes exactly those rules", () => {
        // Run against an iptables stub that keeps its FORWARD chain in a file: create twice, then delete.
        const chain = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "netns-chain-")), "forward");
        fs.writeFileSync(chain, "");
        const iptables = [
            `chain=${shQuote(chain)}; op=$1; shift 2; rule="$*"`,
            'case "$op" in',
            '  -C) grep -qxF -- "$rule" "$chain" || exit 1 ;;',
            '  -I) printf "%s\\n" "$rule" >>"$chain" ;;',
            '  -D) grep -vxF -- "$rule" "$chain" >"$chain.new" || true; mv "$chain.new" "$chain" ;;',
            "esac",
        ].join("\n");
        try {
            const accept = "-i dovl0 -o dovl0 -m comment --comment docker-overlay dev dovl0 -j ACCEPT";
            const drop = "-i dovl0 ! -o dovl0 -m comment --comment docker-overlay dev dovl0 -j DROP";
            const first = runWithStubs(s.create, { ip: "", iptables });
            assert.equal(first.status, 0, first.stderr);
            assert.deepEqual(
                first.calls.filter((c) => c.startsWith("iptables -I")),
                [`iptables -I FORWARD ${accept}`, `iptables -I FORWARD ${drop}`],
            );
            const again = runWithStubs(s.create, { ip: "", iptables });
            assert.deepEqual(
                again.calls.filter((c) => c.startsWith("iptables -I")),
                [],
                "a re-run inserts no duplicates",
            );
            assert.deepEqual(
                fs
                    .readFileSync(chain, "utf8")
                    .split("\n")
                    .filter((l) => l !== ""),
                [accept, drop],
            );
            // A copy inserted by hand too: delete removes every copy of exactly those rules.
            fs.appendFileSync(chain, `${accept}\n-i other -j ACCEPT\n`);
            const del = runWithStubs(s.delete, { ip: 'case "$*" in "link show"*) exit 1;; esac', iptables });
            assert.equal(del.status, 0, del.stderr);
            assert.deepEqual(
                fs
                    .readFileSync(chain, "utf8")
                    .split("\n")
                    .filter((l) => l !== ""),
                ["-i other -j ACCEPT"],
            );
        } finally {
            fs.rmSync(path.dirname(chain), { recursive: true, force: true });
        }
    });

    it("inserts the rules only when missing", () => {
        const missing = runWithStubs(s.create, { ip: 'case "$*" in "link show"*) exit 1;; esac', iptables: '[ "$1" = -C ] && exit 1' });
        assert.equal(missing.status, 0, missing.stderr);
        assert.equal(missing.calls.filter((c) => c.startsWith("iptables -I FORWARD")).length, 2);
        assert.ok(missing.calls.includes("ip link add name dovl0 type bridge"));

        const present = runWithStubs(s.create, { ip: "", iptables: "" });
        assert.equal(present.status, 0, present.stderr);
        assert.deepEqual(
            present.calls.filter((c) => c.startsWith("iptables -I")),
            [],
        );
        assert.ok(!present.calls.some((c) => c.startsWith("ip link add")));
    });

    it("deletes without error when the bridge and rules are already gone", () => {
        const r = runWithStubs(s.delete, { ip: 'case "$*" in "link show"*) exit 1;; esac', iptables: '[ "$1" = -C ] && exit 1' });
        assert.equal(r.status, 0, r.stderr);
        assert.ok(!r.calls.some((c) => c.startsWith("ip link del") || c.startsWith("iptables -D")), r.calls.join("\n"));
    });

    it("rejects a bridge name Linux would refuse", () => {
        assert.throws(() => renderNetnsFabricScripts({ stack: "dev", bridge: "a-bridge-name-too-long", underlay: "10.199.0.0/24" }), /interface name/);
    });
});

describe("netns driver: engine machine", () => {
    const p = engine();
    const s = renderNetnsEngineScripts(p);
    const ns = netnsName(p);
    const veth = netnsVethName(p);

    it("starts dockerd with its own roots, pidfile, socket and config, in order, without its cluster store; a cluster-store engine in the overlay driver's host mode", () => {
        const start = command(s.create, "start_daemon ");
        const argv = bashWords(`${assignments(s.create)}\nstart_daemon() { printf '%s\\0' "$@"; }\n${start}`);
        assert.deepEqual(argv, [
            // lib/engine/strandedThreads.ts: no overlay sandbox of its own, so no thread stranded in a deleted one.
            "env",
            "_OVERLAY_HOST_MODE=1",
            "/opt/docker-overlay/engine/bin/dockerd",
            "--data-root=/var/lib/docker-overlay/dev/swarm-node1/docker",
            "--exec-root=/run/docker-overlay/dev/swarm-node1/exec",
            "--pidfile=/run/docker-overlay/dev/swarm-node1/docker.pid",
            "--host=unix:///run/docker-overlay/dev/swarm-node1/docker.sock",
            "--config-file=/var/lib/docker-overlay/dev/swarm-node1/daemon.json",
            "--dns-opt=timeout:1",
            "--dns-opt=attempts:1",
        ]);
        assert.ok(!s.create.includes("--containerd"), "each dockerd must run its own managed containerd");
        // A swarm-mode engine (no cluster store) starts no watchMiss: dockerd as it is.
        const swarm = renderNetnsEngineScripts(engine({ engine: undefined }));
        const swarmArgv = bashWords(`${assignments(swarm.create)}\nstart_daemon() { printf '%s\\0' "$@"; }\n${command(swarm.create, "start_daemon ")}`);
        assert.equal(swarmArgv[0], "/opt/docker-overlay/engine/bin/dockerd");
        assert.ok(!swarm.create.includes("_OVERLAY_HOST_MODE"));
    });

    it("a cluster-store engine in host mode: after it answers, nothing from outside the overlay bridges is forwarded into one (DOCKER-USER), in its namespace", () => {
        const rule = 'nsenter --net="$NS_PATH" iptables -w -I DOCKER-USER ! -i ov-+ -o ov-+ -j DROP';
        assert.ok(s.create.includes(rule), "no isolation rule");
        assert.ok(s.create.indexOf(rule) > s.create.indexOf('wait_until "$START_TIMEOUT" 0.05 engine_answers'), "the rule before the engine made its chains");
        assert.ok(s.create.includes('nsenter --net="$NS_PATH" iptables -w -C DOCKER-USER ! -i ov-+ -o ov-+ -j DROP'), "not idempotent");
        // Swarm mode keeps the default (one namespace per overlay): no route between overlays to guard.
        assert.ok(!renderNetnsEngineScripts(engine({ engine: undefined })).create.includes("DOCKER-USER"));
    });

    it("with a TLS KV store, writes the engine's client files from the environment and names them in cluster-store-opts", () => {
        const t = renderNetnsEngineScripts(engine({ kvTls: true }));
        const argv = bashWords(`${assignments(t.create)}\nstart_daemon() { printf '%s\\0' "$@"; }\n${command(t.create, "start_daemon ")}`);
        const dir = "/var/lib/docker-overlay/dev/swarm-node1/kv-tls";
        assert.deepEqual(
            argv.filter((a) => a.startsWith("--cluster-")),
            [],
            "cluster keys as flags would clash with the file's",
        );
        // The machine starts without its store; the config command's file names the engine's files.
        assert.equal((writtenDaemonJson(t.create) as Record<string, unknown>)["cluster-store-opts"], undefined);
        assert.deepEqual((JSON.parse(netnsEngineConfigJson(engine({ kvTls: true }), {})) as Record<string, unknown>)["cluster-store-opts"], {
            "kv.cacertfile": `${dir}/ca.pem`,
            "kv.certfile": `${dir}/cert.pem`,
            "kv.keyfile": `${dir}/key.pem`,
        });
        const write = t.create.indexOf(`\nwrite_tls ${dir} DOCKER_OVERLAY_KV_CA DOCKER_OVERLAY_KV_CERT DOCKER_OVERLAY_KV_KEY `);
        assert.ok(write > 0 && write < t.create.indexOf("\nstart_daemon "), "the key is not written before dockerd starts");
        assert.ok(!s.create.includes("kv-tls"), "without kvTls no KV files");
        // Run it (for a scratch state directory): the files come from the environment, key readable by root only.
        const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "netns-kv-tls-"));
        try {
            const scratch = renderNetnsEngineScripts(engine({ kvTls: true, stateDir: tmp }));
            const kvDir = path.join(tmp, "swarm-node1", "kv-tls");
            const missing = runWriteTls(scratch.create, { DOCKER_OVERLAY_KV_CA: "ca", DOCKER_OVERLAY_KV_CERT: "cert" });
            assert.equal(missing.status, 1);
            assert.match(missing.stderr, /DOCKER_OVERLAY_KV_KEY is not set: the engine's client material for the KV store is missing/);
            const r = runWriteTls(scratch.create, { DOCKER_OVERLAY_KV_CA: "the-ca", DOCKER_OVERLAY_KV_CERT: "the-cert", DOCKER_OVERLAY_KV_KEY: "the-key" });
            assert.equal(r.status, 0, r.stderr);
            assert.equal(fs.readFileSync(path.join(kvDir, "ca.pem"), "utf8"), "the-ca\n");
            assert.equal(fs.readFileSync(path.join(kvDir, "cert.pem"), "utf8"), "the-cert\n");
            assert.equal(fs.readFileSync(path.join(kvDir, "key.pem"), "utf8"), "the-key\n");
            assert.equal(fs.statSync(path.join(kvDir, "key.pem")).mode & 0o777, 0o600);
            assert.equal(fs.statSync(kvDir).mode & 0o777, 0o700);
            assert.ok(!scratch.create.includes("the-key"));
        } finally {
            fs.rmSync(tmp, { recursive: true, force: true });
        }
    });

    it("enters the namespace with nsenter, never `ip netns exec`, and sets the hostname in a new UTS namespace", () => {
        const body = code(s.create).join("\n");
        assert.ok(!/ip\s+netns\s+exec/.test(body), "ip netns exec remounts /sys and hides the cgroups from dockerd");
        assert.ok(body.includes('nsenter --net="$NS_PATH" unshare --uts --'));
        assert.ok(body.includes(`sh -c 'hostname "$1" && shift && exec "$@"' set-hostname "$NAME" "$@"`));
        assert.ok(s.create.includes(`NS_PATH=/var/run/netns/${ns}`));
        assert.ok(s.create.includes("NAME=swarm-node1"));
        // Detached, with its output in the machine's log and engineBin first on PATH.
        assert.ok(body.includes("setsid nohup"));
        assert.ok(body.includes('</dev/null >>"$LOG" 2>&1 &'));
        assert.ok(s.create.includes("LOG=/var/lib/docker-overlay/dev/swarm-node1/dockerd.log"));
        assert.match(s.create, /^DAEMON_PATH=\/opt\/docker-overlay\/engine\/bin:/m);
        // And checks the engine really sees that hostname.
        assert.ok(body.includes(`[ "$seen" = "$NAME" ]`));
    });

    it("plumbs the namespace: veth into the bridge, the advertise interface with address/prefix, lo, default route", () => {
        const body = code(s.create);
        assert.ok(s.create.includes(`VETH=${veth}`));
        assert.ok(s.create.includes("IFNAME=eth1"));
        for (const line of [
            'ip netns add "$NS"',
            'ip link add name "$VETH" type veth peer name "$IFNAME" netns "$NS"',
            'ip link set dev "$VETH" master "$BRIDGE"',
            'ip -n "$NS" link set dev lo up',
            'ip -n "$NS" addr add "$ADDRESS/$PREFIX" dev "$IFNAME"',
            'ip -n "$NS" route replace default via "$GATEWAY" dev "$IFNAME"',
        ]) {
            assert.ok(body.includes(line), `missing: ${line}`);
        }
        assert.ok(s.create.includes("ADDRESS=10.199.0.4\n") && s.create.includes("PREFIX=24\n") && s.create.includes("GATEWAY=10.199.0.1\n"));
    });

    it("plumbs the namespace when run: the calls in order, refusing a missing bridge", () => {
        const lines = s.create.split("\n");
        const from = lines.findIndex((l) => l.startsWith('ip link show dev "$BRIDGE"'));
        const to = lines.findIndex((l) => l.startsWith('log "namespace $NS:'));
        assert.ok(from > 0 && to > from);
        const plumbing = [assignments(s.create), 'log() { echo "$*" >&2; }', ...lines.slice(from, to + 1)].join("\n");
        // The namespaces there are: this machine's, another of the stack's, another stack's.
        const netnsList = `printf '%s (id: 0)\\n%s\\n%s\\n' ${ns} dovl-dev-swarm-manager-aaaaaa dovl-other-swarm-node1-bbbbbb`;
        const r = runWithStubs(plumbing, { ip: `case "$*" in "netns list") ${netnsList};; esac`, nsenter: "" });
        assert.equal(r.status, 0, r.stderr);
        assert.deepEqual(r.calls, [
            "ip link show dev dovl0",
            `ip netns add ${ns}`,
            `ip link add name ${veth} type veth peer name eth1 netns ${ns}`,
            `ip link set dev ${veth} master dovl0`,
            `ip link set dev ${veth} up`,
            `ip -n ${ns} link set dev lo up`,
            `ip -n ${ns} addr add 10.199.0.4/24 dev eth1`,
            `nsenter --net=/var/run/netns/${ns} sh -c echo 1 >/proc/sys/net/ipv4/conf/eth1/arp_notify`,
            `ip -n ${ns} link set dev eth1 up`,
            // The address's neighbour entries dropped in the root namespace and the stack's other namespaces only.
            "ip neigh flush to 10.199.0.4 dev dovl0",
            "ip netns list",
            "ip -n dovl-dev-swarm-manager-aaaaaa neigh flush to 10.199.0.4",
            `ip -n ${ns} route replace default via 10.199.0.1 dev eth1`,
        ]);
        assert.match(r.stderr, new RegExp(`namespace ${ns}: eth1 10\\.199\\.0\\.4/24, veth ${veth} on dovl0`));
        const noBridge = runWithStubs(plumbing, { ip: 'case "$*" in "link show"*) exit 1;; esac' });
        assert.equal(noBridge.status, 1);
        assert.match(noBridge.stderr, /bridge dovl0 does not exist \(the fabric is created first\)/);
        assert.deepEqual(noBridge.calls, ["ip link show dev dovl0"]);
    });

    it("imports each image once when run: skips one the engine has, fails naming a missing rootfs", () => {
        const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "netns-import-"));
        try {
            const rootfs = path.join(tmp, "busybox-rootfs.tar");
            fs.writeFileSync(rootfs, "");
            const q = renderNetnsEngineScripts(
                engine({
                    images: [
                        { name: "busybox:latest", rootfs },
                        { name: "present:1", rootfs: "/nowhere.tar" },
                    ],
                }),
            );
            const run = (images: string) =>
                spawnSync(
                    "bash",
                    [
                        "-c",
                        [
                            "set -euo pipefail",
                            'log() { echo "$*" >&2; }',
                            // A docker that has present:1 and records imports.
                            `docker() { echo "docker $*" >&2; case "$1 $2 $3" in "image inspect present:1") return 0 ;; "image inspect "*) return 1 ;; esac; }`,
                            shellFunction(q.create, "import_image"),
                            images,
                        ].join("\n"),
                    ],
                    { encoding: "utf8" },
                );
            const calls = q.create
                .split("\n")
                .filter((l) => l.startsWith("import_image "))
                .join("\n");
            const ok = run(calls);
            assert.equal(ok.status, 0, ok.stderr);
            assert.match(ok.stderr, new RegExp(`docker import ${rootfs} busybox:latest\n`));
            assert.match(ok.stderr, /image present:1 already present/);
            assert.doesNotMatch(ok.stderr, /docker import \/nowhere\.tar/);
            const missing = run("import_image absent:1 /nowhere.tar");
            assert.equal(missing.status, 1);
            assert.match(missing.stderr, /image rootfs \/nowhere\.tar not found \(scripts\/lab-deps\.sh builds the busybox one\)/);
        } finally {
            fs.rmSync(tmp, { recursive: true, force: true });
        }
    });

    it("waits for the socket with a timeout and shows the log tail on failure", () => {
        assert.ok(s.create.includes("\nSTART_TIMEOUT=60\n"));
        // The wait, run: against a dockerd that died, and one that never answers (timeout 1 s).
        const lines = s.create.split("\n");
        const from = lines.findIndex((l) => l.startsWith("engine_answers() {"));
        const to = lines.findIndex((l) => l.startsWith('wait_until "$START_TIMEOUT"'));
        assert.ok(from > 0 && to > from);
        const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "netns-wait-"));
        const sleeper = spawn("sleep", ["30"], { stdio: "ignore" });
        try {
            fs.writeFileSync(path.join(tmp, "dockerd.log"), "line 1\nthe daemon's last words\n");
            const run = (pid: number) =>
                spawnSync(
                    "bash",
                    [
                        "-c",
                        [
                            "set -euo pipefail",
                            `SOCK=${shQuote(path.join(tmp, "docker.sock"))} LOG=${shQuote(path.join(tmp, "dockerd.log"))} START_TIMEOUT=1 DAEMON_PID=${pid}`,
                            'log() { echo "$*" >&2; }',
                            "docker() { return 1; }",
                            waitUntilFunction(),
                            shellFunction(s.create, "fail_with_log"),
                            ...lines.slice(from, to + 1),
                            "echo answered",
                        ].join("\n"),
                    ],
                    { encoding: "utf8" },
                );
            const dead = run(999999999);
            assert.equal(dead.status, 1);
            assert.match(dead.stderr, /dockerd exited during start; last lines of .*dockerd\.log:\nline 1\nthe daemon's last words/);
            const silent = run(sleeper.pid!);
            assert.equal(silent.status, 1);
            assert.match(silent.stderr, /dockerd did not answer on .*docker\.sock within 1s; last lines of/);
            assert.doesNotMatch(silent.stdout, /answered/);
        } finally {
            sleeper.kill();
            fs.rmSync(tmp, { recursive: true, force: true });
        }
    });

    it("imports every image rootfs under its name, skipping images already present", () => {
        const q = renderNetnsEngineScripts(
            engine({
                images: [
                    { name: "busybox:latest", rootfs: "/var/lib/docker-overlay/images/busybox-rootfs.tar" },
                    { name: "debian:bookworm", rootfs: "/srv/images/it's a rootfs.tar" },
                ],
            }),
        );
        const calls = q.create.split("\n").filter((l) => l.startsWith("import_image "));
        const argv = bashWords(`import_image() { printf '%s\\0' "$@"; }\n${calls.join("\n")}`);
        assert.deepEqual(argv, ["busybox:latest", "/var/lib/docker-overlay/images/busybox-rootfs.tar", "debian:bookworm", "/srv/images/it's a rootfs.tar"]);
        assert.ok(q.create.includes('if docker image inspect "$1" >/dev/null 2>&1; then'));
        assert.ok(q.create.includes('docker import "$2" "$1"'));
    });

    it("quotes odd values so bash sees exactly what was given", () => {
        const odd = engine({
            name: "node 'one'",
            stateDir: "/tmp/state dir/$HOME",
            runDir: "/tmp/run`x`",
            engine: {
                clusterStore: "consul://10.199.0.2:8500",
                clusterAdvertise: "10.199.0.4:2376",
                clusterStoreOpts: { "kv.path": "a;b|c" },
                labels: { owner: "Jane Doe", q: '"x"' },
            },
            daemonFlags: ["--log-opt=tag=a b;c"],
        });
        const r = renderNetnsEngineScripts(odd);
        for (const script of [r.create, r.delete]) {
            execFileSync("bash", ["-n"], { input: script });
        }
        const vars = bashWords(`${assignments(r.create)}\nprintf '%s\\0' "$NAME" "$STATE" "$RUN" "$SOCK"`);
        assert.deepEqual(vars, ["node 'one'", "/tmp/state dir/$HOME/node 'one'", "/tmp/run`x`/node 'one'", "/tmp/run`x`/node 'one'/docker.sock"]);
        const argv = bashWords(`${assignments(r.create)}\nstart_daemon() { printf '%s\\0' "$@"; }\n${command(r.create, "start_daemon ")}`);
        assert.deepEqual(argv.slice(-1), ["--log-opt=tag=a b;c"]);
        assert.equal(argv[3], "--data-root=/tmp/state dir/$HOME/node 'one'/docker");
        // daemon.json as the script writes it: the identity key in the machine's own state and
        // nothing else, also for a cluster-store engine (its config command gives it the
        // cluster keys and labels once the underlay probe passed).
        for (const e of [odd, { ...odd, engine: undefined }]) {
            assert.deepEqual(writtenDaemonJson(renderNetnsEngineScripts(e).create), {
                "deprecated-key-path": "/tmp/state dir/$HOME/node 'one'/key.json",
            });
        }
        // The config command's file: the same key, the cluster keys, the labels.
        assert.deepEqual(JSON.parse(netnsEngineConfigJson(odd, { zone: "a b" })), {
            "deprecated-key-path": "/tmp/state dir/$HOME/node 'one'/key.json",
            "cluster-store": "consul://10.199.0.2:8500",
            "cluster-advertise": "10.199.0.4:2376",
            "cluster-store-opts": { "kv.path": "a;b|c" },
            labels: ["zone=a b"],
        });
        execFileSync("bash", ["-n"], { input: renderNetnsEngineConfigScript(odd, { zone: "a b" }) });
        assert.throws(
            () => netnsEngineConfigJson({ ...odd, engine: undefined }, {}),
            /engine node 'one' has no cluster store: its labels are swarm node labels/,
        );
    });

    it("refuses engines without cluster-store (>= 23) and warns about zookeeper on 20.10", () => {
        assert.ok(s.create.includes("\nNO_CLUSTER_STORE_FROM=23\n"));
        assert.ok(!s.create.includes("zookeeper cluster store"));
        const zk = renderNetnsEngineScripts(
            engine({ engine: { clusterStore: "zk://10.199.0.2:2181", clusterAdvertise: "10.199.0.4:2376", clusterStoreOpts: {}, labels: {} } }),
        );
        assert.ok(zk.create.includes("zookeeper cluster store"));
        assert.match(zk.create, /\nCLUSTER_KEYS='\{"cluster-store":"zk:\/\/10\.199\.0\.2:2181","cluster-advertise":"10\.199\.0\.4:2376"\}'\n/);
        // The guard, run against a stub dockerd of each version.
        const guard = (script: string, version: string) => {
            const lines = script.split("\n");
            const from = lines.indexOf("# cluster-store was removed in Docker 23.0: refuse a newer engine with a clear message.");
            const to = lines.indexOf("started=$SECONDS");
            assert.ok(from > 0 && to > from);
            const bin = fs.mkdtempSync(path.join(os.tmpdir(), "netns-guard-"));
            try {
                fs.writeFileSync(path.join(bin, "dockerd"), `#!/bin/sh\necho 'Docker version ${version}, build 0000000'\n`, { mode: 0o755 });
                const head = assignments(script)
                    .split("\n")
                    .filter((l) => !l.startsWith("ENGINE_BIN="))
                    .join("\n");
                return spawnSync(
                    "bash",
                    ["-c", [head, `ENGINE_BIN=${shQuote(bin)}`, 'log() { echo "$*" >&2; }', ...lines.slice(from, to), "echo passed"].join("\n")],
                    { encoding: "utf8" },
                );
            } finally {
                fs.rmSync(bin, { recursive: true, force: true });
            }
        };
        const new24 = guard(s.create, "24.0.7");
        assert.equal(new24.status, 1);
        assert.match(new24.stderr, /dockerd is Docker 24: cluster-store was removed in 23\.0; the legacy overlay needs an engine <= 20\.10/);
        const old20 = guard(s.create, "20.10.24");
        assert.equal(old20.status, 0, old20.stderr);
        assert.equal(old20.stderr, "");
        const zk20 = guard(zk.create, "20.10.24");
        assert.equal(zk20.status, 0, zk20.stderr);
        assert.match(zk20.stderr, /warning: Docker 20\.10 crashes when a container joins an overlay on a zookeeper cluster store/);
        // The engine must see its own hostname; the machine asks nothing of a store: it starts with none
        // (CLUSTER_STORE empty), whatever store the stack has (CLUSTER_KEYS, for its config command).
        assert.match(zk.create, /\nCLUSTER_STORE=''\n/);
        const lines = zk.create.split("\n");
        const from = lines.findIndex((l) => l.startsWith("info=$(docker info"));
        const to = lines.indexOf("fi", from) + 1;
        const check = (answer: string) =>
            spawnSync(
                "bash",
                [
                    "-c",
                    [
                        assignments(zk.create),
                        `docker() { echo ${shQuote(answer)}; }`,
                        'fail_with_log() { echo "$1" >&2; exit 1; }',
                        "gossip_listening() { echo gossip asked >&2; return 1; }",
                        ...lines.slice(from, to),
                        "echo checked",
                    ].join("\n"),
                ],
                { encoding: "utf8" },
            );
        const named = check("swarm-node1 ");
        assert.match(named.stdout, /checked/);
        assert.equal(named.stderr, "");
        assert.match(check("other-name ").stderr, /dockerd sees hostname "other-name", not "swarm-node1"/);
    });

    it("deletes in order: dockerd by pidfile, leftovers in the namespace, mounts, veth, namespace, state", () => {
        const d = s.delete;
        const order = [
            'kill -TERM "$pid"',
            'kill -KILL "$pid"',
            'netns_pids "$NS"',
            'descendants "${pids[@]}"',
            'umount "$p"',
            'ip link del dev "$VETH"',
            'ip netns del "$NS"',
            'rm -rf --one-file-system -- "$STATE" "$RUN"',
        ].map((needle) => {
            const i = d.indexOf(needle);
            assert.ok(i >= 0, `delete lacks ${needle}`);
            return i;
        });
        assert.deepEqual(
            order,
            [...order].sort((a, b) => a - b),
        );
        assert.ok(d.includes("PIDFILE=/run/docker-overlay/dev/swarm-node1/docker.pid"));
        assert.ok(d.includes('mounts_under "$STATE"; mounts_under "$RUN"'));
    });

    it("finds every process below the namespace's (a shim's containers), before killing any", () => {
        assert.ok(s.delete.includes(DESCENDANTS_FUNCTION));
        // A real tree: bash -> (sh -> sleep, sleep). Only its descendants, not itself or unrelated processes.
        const tree = spawn("bash", ["-c", "sh -c 'sleep 30 & sleep 30 & wait' & wait"], { stdio: "ignore" });
        try {
            let found: number[] = [];
            for (let i = 0; i < 50 && found.length < 3; i++) {
                execFileSync("sleep", ["0.1"]);
                const out = execFileSync("bash", ["-c", `${DESCENDANTS_FUNCTION}\ndescendants ${tree.pid}`], { encoding: "utf8" });
                found = out
                    .trim()
                    .split(/\s+/)
                    .filter((x) => x !== "")
                    .map(Number);
            }
            assert.equal(found.length, 3, `descendants of ${tree.pid}: ${found.join(" ")}`);
            assert.ok(!found.includes(tree.pid!));
            const comms = found.map((pid) => fs.readFileSync(`/proc/${pid}/comm`, "utf8").trim()).sort();
            assert.deepEqual(comms, ["sh", "sleep", "sleep"]);
            assert.equal(execFileSync("bash", ["-c", `${DESCENDANTS_FUNCTION}\ndescendants 999999999`], { encoding: "utf8" }), "");
            // netns_pids of a namespace that does not exist: nothing, and no error (the lab tests run it on real ones).
            assert.equal(
                execFileSync("bash", ["-c", `set -euo pipefail\n${DESCENDANTS_FUNCTION}\nnetns_pids dovl-unit-absent-${process.pid}`], { encoding: "utf8" }),
                "",
            );
        } finally {
            execFileSync("bash", ["-c", `${DESCENDANTS_FUNCTION}\nkill -KILL $(descendants ${tree.pid}) ${tree.pid} 2>/dev/null || true`]);
        }
    });

    it("guards every destructive step of delete so it succeeds when everything is gone", () => {
        for (const guard of [
            'if [ -s "$PIDFILE" ]; then',
            'if [ -n "$pid" ] && ours "$pid"; then',
            'if [ -e "$NS_PATH" ]; then',
            'if ip link show dev "$VETH" >/dev/null 2>&1; then ip link del dev "$VETH"',
            'if [ -e "$NS_PATH" ]; then ip netns del "$NS"',
        ]) {
            assert.ok(s.delete.includes(guard), `missing guard: ${guard}`);
        }
        // Run it for a machine that does not exist: it must exit 0 and touch nothing.
        const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "netns-gone-"));
        try {
            const gone = renderNetnsEngineScripts(engine({ stack: `unit-${process.pid}`, stateDir: `${tmp}/state`, runDir: `${tmp}/run` }));
            const r = runWithStubs(gone.delete, {
                ip: 'case "$*" in "link show"*) exit 1;; esac',
                umount: "exit 1",
                rmdir: "",
            });
            assert.equal(r.status, 0, r.stderr);
            const destructive = r.calls.filter((c) => /^(ip (link|netns) del|umount)/.test(c));
            assert.deepEqual(destructive, []);
        } finally {
            fs.rmSync(tmp, { recursive: true, force: true });
        }
    });

    it("clears leftovers of a failed attempt before create, and takes a failed create down again", () => {
        const i = s.create.indexOf('log "clearing leftovers of an earlier attempt"');
        const j = s.create.indexOf('ip netns add "$NS"');
        assert.ok(i > 0 && j > i);
        assert.ok(s.create.includes("trap on_exit EXIT"));
    });

    it("renders the same text for the same input and reads nothing from the repository", () => {
        assert.deepEqual(renderNetnsEngineScripts(engine()), s);
        for (const script of [s.create, s.delete]) {
            assert.ok(script.startsWith("#!/usr/bin/env bash\n"));
            assert.ok(script.includes("\nset -euo pipefail\n"));
            assert.ok(!script.includes(process.cwd()));
            assert.ok(!/^\s*(source|\.)\s/m.test(script));
        }
    });

    it("refuses to run under sh (dash), the command resource's default interpreter", () => {
        assert.deepEqual(NETNS_SCRIPT_INTERPRETER, ["/bin/bash", "-c"]);
        // Only the script's head runs (never its body: that would tear down a real "dev" machine).
        const head = s.delete.split("\n").slice(0, s.delete.split("\n").indexOf("set -euo pipefail")).join("\n");
        const r = spawnSync("sh", ["-c", `${head}\necho past-the-guard`], { encoding: "utf8" });
        assert.equal(r.status, 2);
        assert.match(r.stderr, /needs bash/);
        assert.doesNotMatch(r.stdout, /past-the-guard/);
        const b = spawnSync("bash", ["-c", `${head}\necho past-the-guard`], { encoding: "utf8" });
        assert.match(b.stdout, /past-the-guard/);
    });

    it("rejects an advertise interface Linux would refuse", () => {
        assert.throws(() => renderNetnsEngineScripts(engine({ advertiseInterface: "eth-name-too-long0" })), /interface name/);
        assert.throws(() => renderNetnsEngineScripts(engine({ name: "../x" })), /directory/);
    });
});

describe("netns driver: an engine's cluster store and labels, given to the running engine", () => {
    /** A line of /proc/net/tcp with a socket listening on 7946 (0x1F0A), as gossip_listening reads it. */
    const GOSSIP_LINE = "   0: 0400C70A:1F0A 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1 0 100 0 0 10 0";
    /**
     * Runs the config script against a stand-in engine: a process that logs dockerd's
     * "Reloaded configuration" line on SIGHUP (or nothing, `reloads: false`), a docker CLI
     * that reports the cluster store and lists the labels of the daemon.json it would have
     * reloaded (labels last first: dockerd keeps no order), or `store` / `lists` instead,
     * and a /proc/net/tcp with gossip listening (or not, `gossip: false`).
     */
    function runConfig(
        labels: Record<string, string>,
        opts: { reloads?: boolean; running?: boolean; gossip?: boolean; store?: string; lists?: string[] } = {},
    ) {
        const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "netns-config-"));
        const p = engine({ stateDir: path.join(tmp, "state"), runDir: path.join(tmp, "run"), engineBin: path.join(tmp, "bin") });
        const state = path.join(tmp, "state", p.name);
        const log = path.join(state, "dockerd.log");
        fs.mkdirSync(state, { recursive: true });
        fs.mkdirSync(path.join(tmp, "run", p.name), { recursive: true });
        fs.mkdirSync(path.join(tmp, "bin"));
        fs.writeFileSync(log, 'time="t0" level=info msg="API listen on docker.sock"\n');
        const config = path.join(state, "daemon.json");
        // What the machine's create script wrote: the identity key alone.
        fs.writeFileSync(config, `${netnsDaemonJson(p)}\n`);
        const file = `JSON.parse(require("fs").readFileSync(${JSON.stringify(config)}, "utf8"))`;
        const listed = opts.lists === undefined ? `${file}.labels.reverse()` : JSON.stringify(opts.lists);
        const store = opts.store === undefined ? `[${file}["cluster-store"] ?? ""]` : JSON.stringify([opts.store]);
        fs.writeFileSync(
            path.join(tmp, "bin", "docker"),
            `#!/bin/sh\ncase "$*" in *.ClusterStore*) exec node -e ${shQuote(`console.log("swarm-node1 " + ${store}[0])`)};; esac\nexec node -e ${shQuote(`for (const l of ${listed}) console.log(l)`)}\n`,
            { mode: 0o755 },
        );
        const tcp = path.join(tmp, "tcp");
        fs.writeFileSync(tcp, `  sl  local_address rem_address   st\n${opts.gossip === false ? "" : `${GOSSIP_LINE}\n`}`);
        const onHup = opts.reloads === false ? "" : `printf '%s\\n' 'time="t1" level=info msg="Reloaded configuration: {}"' >>${shQuote(log)}`;
        const daemon = spawn("bash", ["-c", `trap ${shQuote(onHup)} HUP; while :; do sleep 0.05; done`], { stdio: "ignore" });
        try {
            if (opts.running !== false) {
                fs.writeFileSync(netnsEngineRunPaths(p).pidFile, `${daemon.pid}\n`);
            }
            const script = renderNetnsEngineConfigScript(p, labels);
            for (const needle of ["\nRELOAD_TIMEOUT=10\n", "\nSTART_TIMEOUT=60\n", 'gossip_listening nsenter --net="$NS_PATH"']) {
                assert.ok(script.includes(needle), `the script lacks ${needle}`);
            }
            const run = script
                .replace("\nRELOAD_TIMEOUT=10\n", "\nRELOAD_TIMEOUT=1\n")
                .replace("\nSTART_TIMEOUT=60\n", "\nSTART_TIMEOUT=1\n")
                // Not the real namespace: the scratch /proc/net/tcp.
                .replace('gossip_listening nsenter --net="$NS_PATH"', "gossip_listening");
            const r = spawnSync("bash", ["-c", run], { encoding: "utf8", env: { ...process.env, PROC_NET_TCP: tcp } });
            return {
                status: r.status,
                stderr: r.stderr,
                file: fs.existsSync(config) ? (JSON.parse(fs.readFileSync(config, "utf8")) as Record<string, unknown>) : undefined,
                log: fs.readFileSync(log, "utf8"),
            };
        } finally {
            daemon.kill("SIGKILL");
            fs.rmSync(tmp, { recursive: true, force: true });
        }
    }

    it("writes daemon.json with the cluster keys and the labels, has dockerd reload it, and waits for the store, the gossip and the labels", () => {
        const r = runConfig({ zone: "b", disk: "ssd" });
        assert.equal(r.status, 0, r.stderr);
        const { "deprecated-key-path": keyPath, ...rest } = r.file ?? {};
        assert.match(String(keyPath), /\/state\/swarm-node1\/key\.json$/);
        assert.deepEqual(rest, { "cluster-store": "consul://10.199.0.2:8500", "cluster-advertise": "10.199.0.4:2376", labels: ["zone=b", "disk=ssd"] });
        assert.match(r.log, /Reloaded configuration/);
        assert.match(
            r.stderr,
            /docker-overlay engine swarm-node1: in the cluster store consul:\/\/10\.199\.0\.2:8500, gossip listening, labels set \(2\) in \d+s$/m,
        );
    });

    it("no labels is an empty list, and the engine still reloads: that is how it joins its store", () => {
        const r = runConfig({});
        assert.equal(r.status, 0, r.stderr);
        assert.deepEqual(r.file?.["labels"], []);
        assert.equal(r.file?.["cluster-store"], "consul://10.199.0.2:8500");
        assert.match(r.log, /Reloaded configuration/);
    });

    it("fails with dockerd's log when the reload does not go through, and when the engine is not running", () => {
        const silent = runConfig({ zone: "b" }, { reloads: false });
        assert.equal(silent.status, 1);
        assert.match(silent.stderr, /dockerd did not reload its configuration within 1s; its log since the signal:/);
        assert.doesNotMatch(silent.stderr, /API listen/, "only what dockerd logged after the signal");
        const gone = runConfig({ zone: "b" }, { running: false });
        assert.equal(gone.status, 1);
        assert.match(gone.stderr, /the engine is not running \(no live pid in .*docker\.pid\): its cluster store and labels cannot be set/);
    });

    it("fails when the engine reports another store, or its gossip does not listen, naming the store", () => {
        const other = runConfig({}, { store: "" });
        assert.equal(other.status, 1);
        assert.match(
            other.stderr,
            /dockerd reports cluster store "", not "consul:\/\/10\.199\.0\.2:8500"; last lines of \S+\/dockerd\.log:\n.*\n.*Reloaded configuration/,
        );
        const alone = runConfig({}, { gossip: false });
        assert.equal(alone.status, 1);
        assert.match(
            alone.stderr,
            /dockerd did not start its overlay gossip \(serf, tcp 7946\) within 1s: it has not seen itself registered in the cluster store consul:\/\/10\.199\.0\.2:8500; last lines of /,
        );
    });

    it("fails when the engine lists other labels after the reload, a value included", () => {
        const r = runConfig({ zone: "b", disk: "ssd" }, { lists: ["zone=a", "disk=ssd"] });
        assert.equal(r.status, 1);
        assert.match(r.stderr, /after the reload the engine lists these labels: \[disk=ssd,zone=a\], not \[disk=ssd,zone=b\]$/m);
    });
});

describe("netns driver: KV machine", () => {
    function startArgv(s: string): string[] {
        return bashWords(`${assignments(s)}\nstart_daemon() { printf '%s\\0' "$@"; }\n${command(s, "start_daemon ")}`);
    }

    it("runs a single-server consul on the machine's address and waits for a leader", () => {
        const s = renderNetnsKvScripts(kv("consul", 8500));
        const argv = startArgv(s.create);
        assert.equal(argv[0], "/opt/docker-overlay/kv/bin/consul");
        for (const a of [
            "agent",
            "-server",
            "-bootstrap-expect=1",
            "-bind=10.199.0.2",
            "-client=10.199.0.2",
            "-http-port=8500",
            "-data-dir=/var/lib/docker-overlay/dev/kvstore/consul",
            "-node=kvstore",
        ]) {
            assert.ok(argv.includes(a), `consul lacks ${a}`);
        }
        assert.ok(s.create.includes("http://10.199.0.2:8500/v1/status/leader"));
        assert.ok(s.create.includes('echo "$DAEMON_PID" >"$PIDFILE"'));
        assert.ok(s.create.includes("PIDFILE=/run/docker-overlay/dev/kvstore/consul.pid"));
        assert.ok(code(s.create).join("\n").includes('nsenter --net="$NS_PATH" unshare --uts'));
    });

    it("runs etcd with the v2 API on address:port", () => {
        const s = renderNetnsKvScripts(kv("etcd", 2379));
        const argv = startArgv(s.create);
        assert.equal(argv[0], "/opt/docker-overlay/kv/bin/etcd");
        for (const a of [
            "--enable-v2=true",
            "--listen-client-urls=http://10.199.0.2:2379",
            "--advertise-client-urls=http://10.199.0.2:2379",
            "--data-dir=/var/lib/docker-overlay/dev/kvstore/etcd",
        ]) {
            assert.ok(argv.includes(a), `etcd lacks ${a}`);
        }
        assert.ok(s.create.includes("http://10.199.0.2:2379/v2/keys/"));
    });

    it("runs zookeeper from a config in the state directory and waits for imok", () => {
        const s = renderNetnsKvScripts(kv("zookeeper", 2181));
        assert.deepEqual(startArgv(s.create), ["/opt/docker-overlay/kv/bin/zookeeper-server", "/var/lib/docker-overlay/dev/kvstore/zookeeper"]);
        const write = s.create.split("\n").find((l) => l.startsWith("printf '%s\\n' ") && l.endsWith('>"$STATE/zookeeper/zoo.cfg"'));
        assert.ok(write, "no zoo.cfg write");
        const conf = bashWords(write.replace(/^printf '%s\\n'/, "printf '%s\\0'").replace(/ >"\$STATE\/zookeeper\/zoo\.cfg"$/, ""));
        assert.ok(conf.includes("clientPortAddress=10.199.0.2"));
        assert.ok(conf.includes("clientPort=2181"));
        assert.ok(conf.includes("dataDir=/var/lib/docker-overlay/dev/kvstore/zookeeper/data"));
        assert.ok(conf.includes("4lw.commands.whitelist=ruok,srvr,stat"));
        assert.ok(s.create.includes("printf ruok") && s.create.includes("= imok ]"));
    });

    it("deletes idempotently like an engine machine, and rejects a bad port", () => {
        const s = renderNetnsKvScripts(kv("etcd", 2379));
        assert.ok(s.delete.includes('if [ -e "$NS_PATH" ]; then ip netns del "$NS"'));
        assert.ok(s.delete.includes('rm -rf --one-file-system -- "$STATE" "$RUN"'));
        assert.ok(s.delete.includes(`VETH=${netnsVethName({ stack: "dev", name: "kvstore" })}`));
        assert.throws(() => renderNetnsKvScripts(kv("consul", 0)), /port/);
        assert.throws(() => renderNetnsKvScripts(kv("consul", 70000)), /port/);
    });

    it("with tls, consul serves only HTTPS on the port, for clients of its CA, and the probe presents the store's own certificate", () => {
        const s = renderNetnsKvScripts(kv("consul", 8501, { tls: true }));
        const argv = startArgv(s.create);
        const dir = "/var/lib/docker-overlay/dev/kvstore/tls";
        for (const a of [
            "-hcl=ports { http = -1, https = 8501 }",
            `-hcl=ca_file = "${dir}/ca.pem"`,
            `-hcl=cert_file = "${dir}/cert.pem"`,
            `-hcl=key_file = "${dir}/key.pem"`,
            "-hcl=verify_incoming_https = true",
        ]) {
            assert.ok(argv.includes(a), `consul lacks ${a}`);
        }
        assert.ok(!argv.some((a) => a.startsWith("-http-port")), "an HTTP port next to HTTPS");
        assert.ok(s.create.includes(`--cacert ${dir}/ca.pem --cert ${dir}/cert.pem --key ${dir}/key.pem https://10.199.0.2:8501/v1/status/leader`));
        // The files come from the environment, before the daemon starts, never in the text.
        const write = s.create.indexOf(`\nwrite_tls ${dir} DOCKER_OVERLAY_SERVER_CA DOCKER_OVERLAY_SERVER_CERT DOCKER_OVERLAY_SERVER_KEY `);
        assert.ok(write > 0 && write < s.create.indexOf("\nstart_daemon "), "the key is not written before consul starts");
        assert.ok(!s.create.includes("BEGIN"));
        const missing = runWriteTls(renderNetnsKvScripts(kv("consul", 8501, { tls: true, stateDir: os.tmpdir() })).create, {});
        assert.equal(missing.status, 1);
        assert.match(missing.stderr, /DOCKER_OVERLAY_SERVER_CA is not set: the KV store's TLS material is missing/);
    });

    it("with tls, etcd's client URL is https and requires client certificates", () => {
        const s = renderNetnsKvScripts(kv("etcd", 2379, { tls: true }));
        const argv = startArgv(s.create);
        const dir = "/var/lib/docker-overlay/dev/kvstore/tls";
        for (const a of [
            "--listen-client-urls=https://10.199.0.2:2379",
            "--advertise-client-urls=https://10.199.0.2:2379",
            `--cert-file=${dir}/cert.pem`,
            `--key-file=${dir}/key.pem`,
            `--trusted-ca-file=${dir}/ca.pem`,
            "--client-cert-auth",
        ]) {
            assert.ok(argv.includes(a), `etcd lacks ${a}`);
        }
        assert.ok(s.create.includes(`--key ${dir}/key.pem https://10.199.0.2:2379/v2/keys/`));
        assert.throws(() => renderNetnsKvScripts(kv("zookeeper", 2181, { tls: true })), /zookeeper store has no TLS/);
    });

    it("renders syntactically valid bash for every backend", () => {
        for (const [b, port] of [
            ["consul", 8500],
            ["etcd", 2379],
            ["zookeeper", 2181],
        ] as const) {
            const s = renderNetnsKvScripts(kv(b, port));
            execFileSync("bash", ["-n"], { input: s.create });
            execFileSync("bash", ["-n"], { input: s.delete });
        }
    });
});
