/**
 * The dind driver on real engines: tests/lab/stacks/Pulumi.dind-lab.yaml (the
 * seed's cluster) applied to a "laptop", a dockerd in a namespace of its own
 * (lab/laptop.ts), with the machines' images built from Debian's packages
 * (scripts/lab-dind-deps.sh: docker-overlay/dind:20.10.5 and
 * docker-overlay/consul:1.8.7, named in the stack's driver.image and
 * driver.kvImage). Every machine is a privileged engine container on the
 * laptop's user-defined network; the nested engines run cluster-store overlays
 * with TLS on their API. `check` must ping c1 <-> c2 by IP and by name; `down`
 * must leave the laptop's engine empty; the laptop's teardown must leave
 * nothing on this machine (the suite's root hook runs scripts/lab-clean.sh
 * --check for its stack and bridge).
 *
 * The lab runs inside the laptop's network namespace (`nsenter --net`), where
 * the engines' API ports are published (its 127.0.0.1) and consul answers (its
 * bridge network), as a program on a real laptop would. Root only; needs
 * scripts/lab-deps.sh (the before hook runs scripts/lab-dind-deps.sh, idempotent).
 */
import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import "./support/root-hooks";
import { bridgesUsed, CheckJson, describeRun, DownJson, LabResult, note, REPO, run, stacksUsed, timings, UpJson } from "./support/lab";
import type { DiagnoseReport } from "../../lab/diagnose";
import { inLaptop, LAPTOP, laptopDown, laptopInfo, laptopUp, lockLaptop } from "../../lab/laptop";

const STACK_FILE = path.join(REPO, "tests", "lab", "stacks", "Pulumi.dind-lab.yaml");
const TS_NODE = path.join(REPO, "node_modules", ".bin", "ts-node");
const DOCKER = path.join(LAPTOP.engineBin, "docker");
const HOSTS = ["swarm-manager", "swarm-node1", "swarm-node2"];
const NETWORK = "dovld-dind";
const PLACED: Record<string, string> = { c1: "swarm-node2", c2: "swarm-node1" };

function timing(what: string, seconds: number): void {
    timings.push({ what: `dind: ${what}`, seconds });
}

async function timed<T>(what: string, f: () => Promise<T> | T): Promise<T> {
    const t0 = Date.now();
    try {
        return await f();
    } finally {
        timing(what, (Date.now() - t0) / 1000);
    }
}

describe("dind driver on a laptop engine (lab, root)", function () {
    this.timeout(600_000);
    let stateDir: string;
    let laptopStarted = false;
    let unlock: (() => void) | undefined;
    let up: UpJson;

    /** `tools/lab.ts <cmd> <stack> --json` inside the laptop's namespace; `T`: the document the command prints. */
    async function lab<T>(cmd: "up" | "down" | "status" | "check" | "diagnose", file = STACK_FILE): Promise<LabResult<T>> {
        const argv = inLaptop([TS_NODE, "--transpile-only", path.join(REPO, "tools", "lab.ts"), cmd, file, "--json"]);
        const r: LabResult<T> = await run(argv[0], argv.slice(1), { timeoutMs: 400_000, env: { DOCKER_OVERLAY_LAB_STATE_DIR: stateDir } });
        try {
            r.json = JSON.parse(r.stdout) as T;
        } catch {
            // Left undefined; assertions show the output.
        }
        return r;
    }

    /** The laptop's docker CLI. */
    async function laptop(...args: string[]): Promise<string> {
        const r = await run(DOCKER, ["-H", laptopInfo().dockerHost, ...args], { timeoutMs: 60_000 });
        assert.equal(r.code, 0, `docker ${args.join(" ")}: ${describeRun(r)}`);
        return r.stdout.trim();
    }

    /** A shell command inside a machine (its own docker CLI reaches its engine on the unix socket). */
    function onMachine(host: string, script: string): Promise<string> {
        return laptop("exec", `${NETWORK}-${host}`, "sh", "-c", script);
    }

    /**
     * Printed when diagnose or the probe still fails where it should not (see the diagnose case): per
     * machine, how long an exec into it takes and whether it succeeds, its addresses and routes,
     * its INPUT rules with counters (filter and security, where the probe counts), a tcp
     * connect from it to every other machine's 7946, and its engine's serf and memberlist log
     * lines. Data for the next look at the cause.
     */
    async function flakeDigest(hosts: readonly string[]): Promise<string> {
        const out: string[] = [];
        for (const host of hosts) {
            const others = hosts.filter((h) => h !== host).map((h) => `${NETWORK}-${h}`);
            const script = [
                "ip -4 -o addr show",
                "ip route",
                "iptables -w -S INPUT -v",
                "iptables -w -t security -S INPUT -v",
                `for a in ${others.join(" ")}; do nc -z -w 2 "$a" 7946 </dev/null; echo "tcp/7946 to $a: exit $?"; done`,
            ].join("; ");
            const started = Date.now();
            const r = await run(DOCKER, ["-H", laptopInfo().dockerHost, "exec", `${NETWORK}-${host}`, "sh", "-c", script], { timeoutMs: 60_000 });
            out.push(`--- ${host}: exec exited ${r.code} in ${((Date.now() - started) / 1000).toFixed(1)}s`, r.stdout.trim(), r.stderr.trim());
            // Its engine's serf and memberlist lines (dockerd is the container's main process).
            const log = await run(DOCKER, ["-H", laptopInfo().dockerHost, "logs", `${NETWORK}-${host}`], { timeoutMs: 60_000 });
            out.push(
                `${host}'s serf and memberlist lines:`,
                `${log.stdout}\n${log.stderr}`
                    .split("\n")
                    .filter((l) => /serf|memberlist/.test(l))
                    .join("\n"),
            );
        }
        return out.filter(Boolean).join("\n");
    }

    before(async function () {
        stacksUsed.add(LAPTOP.stack);
        bridgesUsed.add(LAPTOP.bridge);
        stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "dovl-dind-lab-state-"));
        // One laptop per machine: a concurrent run of this file waits here.
        unlock = await timed("waiting for the laptop", () => lockLaptop(20 * 60_000, (pid) => note(`dind: the laptop is in use by pid ${pid}; waiting`)));
        const deps = await timed("lab-dind-deps.sh", () => run("bash", [path.join(REPO, "scripts", "lab-dind-deps.sh")], { timeoutMs: 900_000 }));
        assert.equal(deps.code, 0, `scripts/lab-dind-deps.sh: ${describeRun(deps)}`);
        laptopStarted = true;
        await timed("laptop up (engine + image import)", () => laptopUp());
        const r = await timed("lab up", () => lab<UpJson>("up"));
        assert.ok(r.json !== undefined, `lab up printed no JSON: ${describeRun(r)}`);
        up = r.json;
        const listed = (x: UpJson["resources"][number]) => x.type === "docker:index/container:Container" || x.name.startsWith("underlay-probe-");
        for (const res of up.resources.filter((x) => listed(x) && x.seconds !== undefined)) {
            timing(`  ${res.name}`, res.seconds!);
        }
    });

    after(async function () {
        // Whatever happened above: the program's resources first, then the laptop.
        try {
            if (stateDir !== undefined && fs.existsSync(path.join(stateDir, "dind-lab.json"))) {
                const r = await lab<DownJson>("down");
                if (r.code !== 0) {
                    note(`dind: down in after() failed: ${describeRun(r)}`);
                }
            }
            if (laptopStarted) {
                await timed("laptop down", () => laptopDown());
            }
        } finally {
            if (stateDir !== undefined) {
                fs.rmSync(stateDir, { recursive: true, force: true });
            }
            unlock?.();
        }
    });

    it("up: every resource created, the program's own check passed, three engines registered in consul", function () {
        assert.equal(up.ok, true, `up failed: ${up.error}`);
        assert.deepEqual(
            up.resources
                .filter((r) => r.type === "docker:index/container:Container")
                .map((r) => r.name)
                .sort(),
            [
                "c1-container",
                "c2-container",
                "kvstore-machine-container",
                "swarm-manager-engine-container",
                "swarm-node1-engine-container",
                "swarm-node2-engine-container",
            ],
        );
        assert.ok(up.resources.every((r) => r.status === "created"));
        assert.deepEqual({ passed: up.exports?.["connectivity"]?.passed, failed: up.exports?.["connectivity"]?.failed }, { passed: 2, failed: 0 });
        assert.deepEqual(up.exports?.["registeredEngines"], ["172.29.0.13:2376", "172.29.0.194:2376", "172.29.0.71:2376"]);
        assert.deepEqual(up.exports?.["placements"], PLACED);
        note(`dind: up in ${up.seconds.toFixed(1)}s`);
    });

    it("check: c1 <-> c2 by IP and by name", async function () {
        const r = await timed("lab check", () => lab<CheckJson>("check"));
        assert.equal(r.code, 0, describeRun(r));
        assert.ok(r.json !== undefined, `lab check printed no JSON: ${describeRun(r)}`);
        assert.equal(r.json.failed, 0);
        assert.equal(r.json.passed, 2);
        assert.equal(r.json.pairs.length, 2);
        for (const p of r.json.pairs) {
            assert.deepEqual({ from: p.from, byIp: p.byIp, byName: p.byName, ok: p.ok }, { from: p.from, byIp: true, byName: true, ok: true });
        }
    });

    it("diagnose: every probe through docker exec, every endpoint on every engine, every serf member; a DROP of udp/4789 in swarm-manager named pair by pair", async function () {
        const diagnose = async (what: string) => {
            const r = await timed(what, () => lab<DiagnoseReport>("diagnose"));
            assert.ok(r.json !== undefined, `lab diagnose printed no JSON: ${describeRun(r)}`);
            return { code: r.code, report: r.json };
        };
        // Seen once in CI (2026-12-03), cause not found: an engine's serf still without one member after
        // diagnose's 35 s wait, the network sound. One more run then, for gossip alone; the probes must
        // hold the first time (their flake was execs landing in an overlay's namespace: the exec case below).
        let holds = await diagnose("lab diagnose");
        if (holds.report.failures.length > 0 && holds.report.failures.every((f) => f.startsWith("gossip: "))) {
            note(`dind: diagnose's gossip incomplete where nothing was cut, once more: ${holds.report.failures.join("; ")}`);
            holds = await diagnose("lab diagnose (again)");
        }
        if (holds.report.failures.length > 0) {
            note(`dind: the machines after diagnose failed:\n${await flakeDigest(HOSTS)}`);
        }
        assert.deepEqual(holds.report.failures, []);
        assert.equal(holds.code, 0);
        // tcp/8500 to the store from each host; 7946 tcp+udp and udp/4789 both ways between the hosts.
        assert.equal(holds.report.probes.length, 21);
        assert.deepEqual(holds.report.overlays, [
            { network: "net1", seen: { "swarm-manager": ["c1", "c2"], "swarm-node1": ["c1", "c2"], "swarm-node2": ["c1", "c2"] } },
        ]);
        assert.deepEqual(
            holds.report.gossip.map((g) => [g.host, g.members]),
            HOSTS.map((h) => [h, HOSTS]),
        );
        const manager = `${NETWORK}-swarm-manager`;
        const drop = ["INPUT", "-p", "udp", "--dport", "4789", "-m", "comment", "--comment", "dovl-dind-diagnose-test", "-j", "DROP"];
        await laptop("exec", manager, "iptables", "-w", "-I", ...drop);
        try {
            let cut = await diagnose("lab diagnose (udp/4789 dropped in swarm-manager)");
            if (cut.report.failures.length > 2 && cut.report.failures.slice(2).every((f) => f.startsWith("gossip: "))) {
                note(`dind: diagnose's gossip incomplete beside the two cut pairs, once more: ${cut.report.failures.join("; ")}`);
                cut = await diagnose("lab diagnose (udp/4789 dropped in swarm-manager, again)");
            }
            assert.deepEqual(cut.report.failures, ["swarm-node1 -> swarm-manager udp/4789: no answer", "swarm-node2 -> swarm-manager udp/4789: no answer"]);
            assert.equal(cut.code, 1);
            assert.equal(cut.report.probes.filter((p) => p.ok).length, 19);
        } finally {
            await run(DOCKER, ["-H", laptopInfo().dockerHost, "exec", manager, "iptables", "-w", "-D", ...drop]);
        }
        // diagnose's own counting rules are gone from every machine; the program's probe leaves none either.
        for (const host of HOSTS) {
            assert.doesNotMatch(await laptop("exec", `${NETWORK}-${host}`, "iptables", "-w", "-t", "security", "-S", "INPUT"), /docker-overlay probe/, host);
        }
        note(`dind: diagnose held in ${holds.report.seconds.toFixed(1)}s; with the DROP it named the two pairs`);
    });

    it("machines: privileged containers of the stack's images, each with its own hostname, data root and engine identity", async function () {
        const seen = new Set<string>();
        for (const host of HOSTS) {
            const c = JSON.parse(await laptop("inspect", `${NETWORK}-${host}`))[0];
            assert.equal(c.Config.Image, "docker-overlay/dind:20.10.5");
            assert.equal(c.HostConfig.Privileged, true);
            assert.equal(c.Config.Hostname, host);
            assert.equal(c.State.Health.Status, "healthy");
            const mounts = c.Mounts.map((m: { Type: string; Destination: string }) => `${m.Type}:${m.Destination}`);
            assert.deepEqual(mounts, ["volume:/var/lib/docker"], `${host}: only its own anonymous data-root volume`);
            const [name, id, key, version] = (
                await onMachine(
                    host,
                    "docker info --format '{{.Name}} {{.ID}}'; sha256sum /etc/docker/key.json | cut -c1-64; docker version --format '{{.Server.Version}}'",
                )
            ).split(/\s+/);
            assert.equal(name, host);
            assert.match(version, /^20\.10\.5/);
            assert.ok(!seen.has(id) && !seen.has(key), `${host}: engine identity ${id} / key.json ${key} shared with another machine`);
            seen.add(id).add(key);
        }
        const kv = JSON.parse(await laptop("inspect", `${NETWORK}-kvstore`))[0];
        assert.equal(kv.Config.Image, "docker-overlay/consul:1.8.7");
        assert.match(await laptop("exec", `${NETWORK}-kvstore`, "consul", "version"), /^Consul v1\.8\.7/);
    });

    it("exec: docker-init is each machine's PID 1, so `docker exec` enters the machine's namespace even while dockerd keeps a thread in an overlay's sandbox", async function () {
        // A cluster-store dockerd keeps one thread per overlay with a container on the machine locked in
        // that overlay's sandbox namespace (libnetwork `drivers/overlay/ov_network.go:791-808`); were
        // dockerd PID 1 and that thread its main one, every exec would land there (DindContainerSpec.init).
        const sandboxed: string[] = [];
        for (const host of HOSTS) {
            const c = JSON.parse(await laptop("inspect", `${NETWORK}-${host}`))[0];
            assert.equal(c.HostConfig.Init, true, host);
            const address = c.NetworkSettings.Networks[NETWORK].IPAddress as string;
            const [pid1, eth0, elsewhere] = (
                await onMachine(
                    host,
                    [
                        "cat /proc/1/comm",
                        "ip -4 -o addr show dev eth0 | awk '{print $4}'",
                        'me=$(readlink /proc/self/ns/net); n=0; for t in /proc/$(cat /var/run/docker.pid)/task/*; do [ "$(readlink "$t/ns/net")" = "$me" ] || n=$((n + 1)); done; echo "$n"',
                    ].join("; "),
                )
            ).split("\n");
            assert.equal(pid1, "docker-init", host);
            assert.equal(eth0, `${address}/24`, `${host}: the exec is in the namespace of the machine's address`);
            if (Number(elsewhere) > 0) {
                sandboxed.push(host);
            }
        }
        // c1 and c2 are on net1 on swarm-node2 and swarm-node1: their engines have the thread.
        assert.deepEqual(
            sandboxed.filter((h) => h !== "swarm-manager"),
            ["swarm-node1", "swarm-node2"],
        );
    });

    it("network: the machines sit on a user-defined bridge (172.29.0.0/24, MTU 1450) apart from the overlay", async function () {
        const n = JSON.parse(await laptop("network", "inspect", NETWORK))[0];
        assert.equal(n.Driver, "bridge");
        assert.deepEqual(n.IPAM.Config, [{ Subnet: "172.29.0.0/24", Gateway: "172.29.0.1" }]);
        assert.equal(n.Options["com.docker.network.driver.mtu"], "1450");
        const addresses = Object.values(n.Containers as Record<string, { Name: string; IPv4Address: string }>)
            .map((c) => `${c.Name}=${c.IPv4Address}`)
            .sort();
        assert.deepEqual(addresses, [
            `${NETWORK}-kvstore=172.29.0.2/24`,
            `${NETWORK}-swarm-manager=172.29.0.13/24`,
            `${NETWORK}-swarm-node1=172.29.0.194/24`,
            `${NETWORK}-swarm-node2=172.29.0.71/24`,
        ]);
        const overlay = JSON.parse(await onMachine("swarm-node1", "docker network inspect net1"))[0];
        assert.equal(overlay.Scope, "global");
        assert.deepEqual(overlay.IPAM.Config, [{ Subnet: "10.0.0.0/24", Gateway: "10.0.0.1" }]);
    });

    it("MTU: overlay containers get 1400 on the 1450 fabric; full-size packets cross without fragments", async function () {
        for (const [c, host] of Object.entries(PLACED)) {
            const other = c === "c1" ? "c2" : "c1";
            const out = await onMachine(
                host,
                `docker exec ${c} sh -c 'cat /sys/class/net/eth0/mtu; ping -q -c 5 -W 2 -s 1372 ${other} | grep -o "[0-9]*% packet loss"; ` +
                    `awk "/^Ip:/{n++; if (n == 1) { for (i = 1; i <= NF; i++) h[i] = \\$i } else { for (i = 1; i <= NF; i++) if (h[i] == \\"FragCreates\\") print \\$i }}" /proc/net/snmp'`,
            );
            const [mtu, loss, fragments] = out.split("\n");
            assert.deepEqual({ mtu, loss, fragments }, { mtu: "1400", loss: "0% packet loss", fragments: "0" }, `${c} on ${host}`);
        }
    });

    it("TLS: the engines' API answers only clients with the cluster CA's certificate", async function () {
        for (const [i, host] of HOSTS.entries()) {
            const args = (await onMachine(host, "tr '\\0' ' ' </proc/1/cmdline")).split(" ");
            for (const flag of [
                "--tlsverify",
                "--tlscacert=/docker-overlay/tls/ca.pem",
                "--tlscert=/docker-overlay/tls/cert.pem",
                "--tlskey=/docker-overlay/tls/key.pem",
            ]) {
                assert.ok(args.includes(flag), `${host}: dockerd runs without ${flag}: ${args.join(" ")}`);
            }
            const argv = inLaptop([DOCKER, "-H", `tcp://127.0.0.1:${2376 + i}`, "version"]);
            const plain = await run(argv[0], argv.slice(1), { timeoutMs: 30_000 });
            assert.notEqual(plain.code, 0, `${host}: a client without a certificate got an answer`);
        }
    });

    it("labels: set on swarm-node1, then removed, in place: the same machine container and engine, c2 not restarted, the check passes", async function () {
        const node1 = `${NETWORK}-swarm-node1`;
        const labels = async () =>
            (await onMachine("swarm-node1", "docker info --format '{{range .Labels}}{{println .}}{{end}}'")).split("\n").filter(Boolean).sort();
        const identity = async () => ({
            machine: await laptop("inspect", "--format", "{{.Id}} {{.State.StartedAt}}", node1),
            engine: await onMachine("swarm-node1", "docker info --format '{{.ID}}'"),
            c2: await onMachine("swarm-node1", "docker inspect --format '{{.Id}} {{.State.StartedAt}}' c2"),
        });
        const touched = (u: UpJson) => (u.steps ?? []).filter((st) => st.op !== "same").map((st) => `${st.op} ${st.type} ${st.name}`);
        const before = await identity();
        assert.deepEqual(await labels(), []);
        // A copy of the stack file under the same name (the stack's name comes from it).
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dovl-dind-labels-"));
        try {
            const copy = path.join(dir, path.basename(STACK_FILE));
            const text = fs.readFileSync(STACK_FILE, "utf8");
            fs.writeFileSync(copy, text.replace("    - name: swarm-node1\n", "    - name: swarm-node1\n      labels: { zone: b, disk: ssd }\n"));
            const set = await timed("lab up (labels set)", () => lab<UpJson>("up", copy));
            assert.equal(set.code, 0, describeRun(set));
            // The consul store carries the cluster record, which lists the hosts' labels.
            assert.deepEqual(touched(set.json!), [
                "update command:local:Command swarm-node1-engine-config",
                "update consul:index/keyPrefix:KeyPrefix cluster-record-keys",
            ]);
            assert.deepEqual(await labels(), ["disk=ssd", "zone=b"]);
            fs.writeFileSync(copy, text);
            const unset = await timed("lab up (labels removed)", () => lab<UpJson>("up", copy));
            assert.equal(unset.code, 0, describeRun(unset));
            assert.deepEqual(touched(unset.json!), [
                "update command:local:Command swarm-node1-engine-config",
                "update consul:index/keyPrefix:KeyPrefix cluster-record-keys",
            ]);
            assert.deepEqual(await labels(), []);
            assert.deepEqual(await identity(), before, "the machine, its engine or c2 was made again or restarted");
            note(`dind: labels set in ${set.json!.seconds.toFixed(1)}s, removed in ${unset.json!.seconds.toFixed(1)}s`);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
        const r = await lab<CheckJson>("check");
        assert.equal(r.code, 0, describeRun(r));
        assert.equal(r.json?.passed, 2);
    });

    it("underlay probe: one per host through docker exec; a host added beside a DROP of udp/4789 in swarm-manager fails naming that pair, and joins once it is gone", async function () {
        assert.deepEqual(
            up.resources
                .filter((r) => r.name.startsWith("underlay-probe-") && r.type === "command:local:Command")
                .map((r) => `${r.name} ${r.status}`)
                .sort(),
            ["underlay-probe-swarm-manager created", "underlay-probe-swarm-node1 created", "underlay-probe-swarm-node2 created"],
        );
        const manager = `${NETWORK}-swarm-manager`;
        const drop = ["INPUT", "-p", "udp", "--dport", "4789", "-m", "comment", "--comment", "dovl-dind-probe-test", "-j", "DROP"];
        const probeRules = async (host: string) =>
            (await laptop("exec", `${NETWORK}-${host}`, "iptables", "-w", "-t", "security", "-S", "INPUT"))
                .split("\n")
                .filter((l) => l.includes("docker-overlay probe"));
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dovl-dind-probe-"));
        try {
            const copy = path.join(dir, path.basename(STACK_FILE));
            const text = fs.readFileSync(STACK_FILE, "utf8");
            fs.writeFileSync(copy, text.replace("    - name: swarm-node2\n", "    - name: swarm-node2\n    - name: swarm-node3\n"));
            await laptop("exec", manager, "iptables", "-w", "-I", ...drop);
            const noAnswers = (u: UpJson) =>
                u.resources.filter((r) => r.status === "failed").flatMap((f) => (f.error ?? "").split("\n").filter((l) => l.endsWith(": no answer")));
            const cut = await timed("lab up (a host added, udp/4789 dropped)", () => lab<UpJson>("up", copy));
            if (cut.json !== undefined && noAnswers(cut.json).length > 1) {
                note(`dind: the machines after the probe named more than the dropped pair:\n${await flakeDigest([...HOSTS, "swarm-node3"])}`);
            }
            assert.notEqual(cut.code, 0, describeRun(cut));
            assert.ok(cut.json !== undefined, describeRun(cut));
            const failed = cut.json.resources.filter((r) => r.status === "failed");
            assert.deepEqual(
                failed.map((f) => f.name),
                ["underlay-probe-swarm-node3"],
            );
            assert.deepEqual(noAnswers(cut.json), ["swarm-node3 -> swarm-manager udp/4789: no answer"], failed.map((f) => f.error ?? "").join("\n"));
            // swarm-node3's engine runs, in no store: it joins by its config command, which waits for every probe.
            assert.ok(!cut.json.resources.some((r) => r.name === "swarm-node3-engine-config"), "swarm-node3 joined the store before the probe passed");
            assert.equal(await onMachine("swarm-node3", "docker info --format '{{.ClusterStore}}'"), "");
            // The rule met the probe's datagrams; the probe left no rule of its own in any machine.
            assert.match(await laptop("exec", manager, "iptables", "-w", "-S", "INPUT", "-v"), /--comment dovl-dind-probe-test -c [1-9][0-9]* /);
            for (const host of [...HOSTS, "swarm-node3"]) {
                assert.deepEqual(await probeRules(host), [], host);
            }
            await laptop("exec", manager, "iptables", "-w", "-D", ...drop);
            const joined = await timed("lab up (the host added, nothing dropped)", () => lab<UpJson>("up", copy));
            assert.equal(joined.code, 0, describeRun(joined));
            assert.ok(
                joined.json!.resources.some((r) => r.name === "underlay-probe-swarm-node3" && r.status === "created"),
                "swarm-node3's probe did not pass on the second up",
            );
            note(`dind: probe of the added host failed in ${cut.json.seconds.toFixed(1)}s (its 30 s window), passed in ${joined.json!.seconds.toFixed(1)}s`);
            // The stack as it was: swarm-node3 removed again.
            fs.writeFileSync(copy, text);
            const removed = await lab<UpJson>("up", copy);
            assert.equal(removed.code, 0, describeRun(removed));
            assert.doesNotMatch(await laptop("ps", "-a", "--format", "{{.Names}}"), /swarm-node3/);
        } finally {
            await run(DOCKER, ["-H", laptopInfo().dockerHost, "exec", manager, "iptables", "-w", "-D", ...drop]);
            fs.rmSync(dir, { recursive: true, force: true });
        }
        const r = await lab<CheckJson>("check");
        assert.equal(r.code, 0, describeRun(r));
        assert.equal(r.json?.passed, 2);
    });

    it("nothing in this machine's root namespace: no published port, no Docker bridge", async function () {
        const listeners = await run("ss", ["-Hltn"]);
        assert.doesNotMatch(listeners.stdout, /127\.0\.0\.1:237[678]\b/);
        const links = await run("ip", ["-br", "link"]);
        assert.doesNotMatch(links.stdout, /^(br-|docker0)/m);
    });

    it("down: deletes everything the program made; the laptop's engine is empty again", async function () {
        const r = await timed("lab down", () => lab<DownJson>("down"));
        assert.equal(r.code, 0, describeRun(r));
        assert.ok(r.json !== undefined, `lab down printed no JSON: ${describeRun(r)}`);
        assert.deepEqual(r.json.failed, []);
        assert.equal(await laptop("ps", "-aq"), "");
        assert.equal(await laptop("volume", "ls", "-q"), "");
        assert.deepEqual((await laptop("network", "ls", "--format", "{{.Name}}")).split("\n").sort(), ["bridge", "host", "none"]);
        assert.ok(!fs.existsSync(path.join(stateDir, "dind-lab.json")), "the lab's state file is gone");
    });
});
