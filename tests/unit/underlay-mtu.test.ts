/**
 * ssh and docker-machine hosts report their underlay MTU (lib/drivers/underlayMtu.ts):
 * the rendered read scripts run against stub `ip` (and `docker-machine`)
 * binaries, the cluster's option from every host's report (lib/plan/mtu.ts),
 * and the wiring: every overlay's options depend on every host's reader.
 */
import * as assert from "node:assert/strict";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { loadStackFile } from "../../lib/config/load";
import { RawConfig } from "../../lib/config/types";
import { renderDockerMachineUnderlayMtuScript } from "../../lib/drivers/dockerMachine";
import { renderSshUnderlayMtuScript } from "../../lib/drivers/ssh";
import { parseUnderlayMtu } from "../../lib/drivers/underlayMtu";
import { clusterUnderlayMtu, reportedOverlayDriverOptions, underlayMtuRequirements } from "../../lib/plan/mtu";
import { previewMocks } from "../../runner/mocks";
import { ProgramRun, runProgram } from "../../runner/program";
import { appliedMocks } from "./appliedMocks";
import { find, T } from "./helpers";

const OPTION = "com.docker.network.driver.mtu";
const EXAMPLES = path.resolve(__dirname, "..", "..", "examples");

describe("underlay MTU reported by the machines (lib/plan/mtu.ts)", () => {
    it("an overlay spans every host: the smallest reported MTU, capped at 9000; networks[].mtu still wins; 1500 needs no option", () => {
        assert.equal(clusterUnderlayMtu([1500, 1400, 1460]), 1400);
        assert.equal(clusterUnderlayMtu([9001, 9001]), 9000);
        assert.equal(clusterUnderlayMtu([]), undefined);
        assert.deepEqual(reportedOverlayDriverOptions([1500, 1400], { encrypted: false }), { [OPTION]: "1400" });
        assert.deepEqual(reportedOverlayDriverOptions([1500, 1500], { encrypted: true }), {});
        assert.deepEqual(reportedOverlayDriverOptions([1500, 1400], { encrypted: false, mtu: 1300 }), { [OPTION]: "1350" });
        assert.deepEqual(reportedOverlayDriverOptions([], { encrypted: false }), {});
    });

    it("what networks[].mtu asks of each host's underlay, keyed as validation names it", () => {
        assert.deepEqual(
            underlayMtuRequirements([
                { name: "a", encrypted: false },
                { name: "b", encrypted: false, mtu: 1400 },
                { name: "c", encrypted: true, mtu: 1400 },
            ]),
            [
                { key: "networks[1].mtu", network: "b", mtu: 1400, encrypted: false, needs: 1450 },
                { key: "networks[2].mtu", network: "c", mtu: 1400, encrypted: true, needs: 1476 },
            ],
        );
    });

    it("parses the reader's one line; undefined before it ran; anything else is an error naming the host", () => {
        assert.equal(parseUnderlayMtu("n1", "1400"), 1400);
        assert.equal(parseUnderlayMtu("n1", "1400\n"), 1400);
        assert.equal(parseUnderlayMtu("n1", undefined), undefined);
        assert.equal(parseUnderlayMtu("n1", ""), undefined);
        assert.throws(() => parseUnderlayMtu("n1", "mtu 1400"), { message: 'the underlay MTU read on n1 is not a number: "mtu 1400"' });
    });
});

/**
 * A stub `ip`: `ip -o link show [dev X]` prints $FAKE/link/<X> (all of them without `dev`),
 * failing like iproute2 for a missing device; `ip -o addr show` prints $FAKE/addr. Every call
 * is appended to $FAKE/calls.
 */
const FAKE_IP = `#!/bin/sh
echo "ip $*" >>"$FAKE/calls"
case "$*" in
  "-o link show dev "*) f="$FAKE/link/$5"; [ -f "$f" ] || { echo "Device \\"$5\\" does not exist." >&2; exit 1; }; cat "$f" ;;
  "-o link show") cat "$FAKE"/link/* ;;
  "-o addr show") cat "$FAKE/addr" ;;
  *) echo "stub ip: unexpected $*" >&2; exit 2 ;;
esac
`;

/** A stub `docker-machine`: `docker-machine ssh NAME COMMAND` runs COMMAND in sh with the stub ip (the machine's shell). */
const FAKE_DOCKER_MACHINE = `#!/bin/sh
echo "docker-machine $*" >>"$FAKE/calls"
[ "$1" = ssh ] && [ "$2" = dm1 ] || { echo "stub docker-machine: unexpected $*" >&2; exit 2; }
sh -c "$3"
`;

function link(index: number, name: string, mtu: number): string {
    return `${index}: ${name}@if9: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu ${mtu} qdisc noqueue state UP mode DEFAULT group default qlen 1000\\    link/ether 02:42:0a:96:16:0c brd ff:ff:ff:ff:ff:ff link-netnsid 0\n`;
}

describe("underlay MTU read scripts against stub binaries (lib/drivers/sh/underlay-mtu.sh)", () => {
    let fake: string;
    beforeEach(() => {
        fake = fs.mkdtempSync(path.join(os.tmpdir(), "dovl-mtu-"));
        fs.mkdirSync(path.join(fake, "bin"));
        fs.mkdirSync(path.join(fake, "link"));
        fs.writeFileSync(path.join(fake, "bin", "ip"), FAKE_IP, { mode: 0o755 });
        fs.writeFileSync(path.join(fake, "bin", "docker-machine"), FAKE_DOCKER_MACHINE, { mode: 0o755 });
        fs.writeFileSync(path.join(fake, "link", "1-lo"), "1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN mode DEFAULT\n");
        fs.writeFileSync(path.join(fake, "link", "eth0"), link(2, "eth0", 1500));
        fs.writeFileSync(path.join(fake, "link", "eth1"), link(3, "eth1", 1400));
        fs.writeFileSync(
            path.join(fake, "addr"),
            [
                "1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever",
                "2: eth0    inet 192.168.99.100/24 brd 192.168.99.255 scope global eth0\\       valid_lft forever preferred_lft forever",
                "3: eth1    inet 10.150.22.12/24 scope global eth1\\       valid_lft forever preferred_lft forever",
                "",
            ].join("\n"),
        );
    });
    afterEach(() => fs.rmSync(fake, { recursive: true, force: true }));

    function run(script: string, interpreter = "/bin/sh"): { code: number | null; stdout: string; stderr: string; calls: string[] } {
        const r = spawnSync(interpreter, ["-c", script], {
            encoding: "utf8",
            // stdin not a socket: bash would take itself for a remote shell and read ~/.bashrc.
            stdio: ["ignore", "pipe", "pipe"],
            env: { PATH: `${path.join(fake, "bin")}:/usr/bin:/bin`, FAKE: fake },
        });
        const calls = fs.existsSync(path.join(fake, "calls")) ? fs.readFileSync(path.join(fake, "calls"), "utf8").trim().split("\n") : [];
        return { code: r.status, stdout: r.stdout, stderr: r.stderr, calls };
    }

    const ssh = (advertiseInterface: string, networks: Parameters<typeof underlayMtuRequirements>[0] = []) =>
        renderSshUnderlayMtuScript({ hostname: "swarm-node2", advertiseInterface, requirements: underlayMtuRequirements(networks) });

    it("ssh: prints the advertise interface's MTU as the only stdout line", () => {
        const r = run(ssh("eth1"));
        assert.deepEqual([r.code, r.stdout, r.stderr], [0, "1400\n", ""]);
        assert.deepEqual(r.calls, ["ip -o link show dev eth1"]);
        assert.equal(parseUnderlayMtu("swarm-node2", r.stdout), 1400);
    });

    it("ssh: an advertise interface the machine does not have fails, listing the ones it has", () => {
        const r = run(ssh("eth9"));
        assert.equal(r.code, 1);
        assert.equal(r.stdout, "");
        assert.equal(
            r.stderr,
            "docker-overlay: swarm-node2 has no interface eth9 (engine.advertiseInterface), so its underlay MTU cannot be read; it has: lo eth0 eth1\n",
        );
    });

    it("ssh: a networks[].mtu the host's underlay cannot carry fails naming the key, the host, its interface and MTU", () => {
        const fits = run(ssh("eth1", [{ name: "net1", encrypted: false, mtu: 1350 }]));
        assert.deepEqual([fits.code, fits.stdout], [0, "1400\n"]);
        const plain = run(
            ssh("eth1", [
                { name: "net1", encrypted: false },
                { name: "net2", encrypted: false, mtu: 1351 },
            ]),
        );
        assert.deepEqual([plain.code, plain.stdout], [1, ""]);
        assert.equal(
            plain.stderr,
            "docker-overlay: networks[1].mtu 1351 (network net2) is more than host swarm-node2's underlay carries: eth1 has MTU 1400, which leaves at most 1350 (50 bytes of VXLAN); use at most 1350, or raise the MTU of eth1\n",
        );
        const encrypted = run(ssh("eth1", [{ name: "secure", encrypted: true, mtu: 1328 }]));
        assert.equal(encrypted.code, 1);
        assert.equal(
            encrypted.stderr,
            "docker-overlay: networks[0].mtu 1328 (network secure) is more than host swarm-node2's underlay carries: eth1 has MTU 1400, which leaves at most 1324 (50 bytes of VXLAN and 26 of ESP, rounded down to a multiple of 4); use at most 1324, or raise the MTU of eth1\n",
        );
    });

    it("ssh: an underlay below 1280 is refused", () => {
        fs.writeFileSync(path.join(fake, "link", "eth1"), link(3, "eth1", 1200));
        const r = run(ssh("eth1"));
        assert.equal(r.code, 1);
        assert.equal(
            r.stderr,
            "docker-overlay: swarm-node2's underlay (eth1) has MTU 1200, less than the 1280 an overlay needs (IPv6's minimum link MTU; overlays get 50 less)\n",
        );
    });

    it("docker-machine, swarm mode: the interface holding the machine's IP, read over docker-machine ssh (bash quotes each argument)", () => {
        fs.writeFileSync(path.join(fake, "link", "eth0"), link(2, "eth0", 1460));
        const script = renderDockerMachineUnderlayMtuScript({ name: "dm1", address: "192.168.99.100", requirements: [] });
        const r = run(script, "/bin/bash");
        assert.deepEqual([r.code, r.stdout, r.stderr], [0, "1460\n", ""]);
        assert.deepEqual(r.calls, [
            "docker-machine ssh dm1 ip -o addr show ",
            "ip -o addr show",
            "docker-machine ssh dm1 ip -o link show dev eth0 ",
            "ip -o link show dev eth0",
        ]);
    });

    it("docker-machine, cluster-store mode: the advertise interface; an address no interface holds fails", () => {
        const r = run(
            renderDockerMachineUnderlayMtuScript({ name: "dm1", advertiseInterface: "eth1", address: "192.168.99.100", requirements: [] }),
            "/bin/bash",
        );
        assert.deepEqual([r.code, r.stdout], [0, "1400\n"]);
        const lost = run(renderDockerMachineUnderlayMtuScript({ name: "dm1", address: "192.168.99.7", requirements: [] }), "/bin/bash");
        assert.equal(lost.code, 1);
        assert.equal(lost.stderr, "docker-overlay: no interface on dm1 holds its address 192.168.99.7, so its underlay MTU cannot be read (ip -o addr show)\n");
    });
});

describe("underlay MTU wiring (mocked): every overlay's options come from every host's reader", () => {
    function exampleRaw(name: string): { stack: string; raw: RawConfig } {
        return loadStackFile(path.join(EXAMPLES, `Pulumi.${name}.yaml`));
    }

    /** docker-machine's create and connection commands' output, as the driver parses it. */
    function dockerMachineStdout(name: string): string | undefined {
        if (name.endsWith("-machine")) {
            return `192.168.99.${100 + ["kvstore", ...HOSTS].findIndex((h) => name.startsWith(`${h}-`))}`;
        }
        return name.endsWith("-connection") ? '{"host":"tcp://192.168.99.101:2376","certPath":"/home/u/.docker/machine/machines/m"}' : undefined;
    }

    /** appliedMocks, with each host's reader printing `mtus[host]`. */
    function reporting(mtus: Record<string, string>): pulumi.runtime.Mocks {
        return {
            newResource: async (args) => {
                const r = await appliedMocks.newResource(args);
                const host = args.name.replace(/-engine-underlay-mtu$/, "");
                const stdout = host !== args.name ? mtus[host] : dockerMachineStdout(args.name);
                return stdout !== undefined && args.type.startsWith("command:") ? { ...r, state: { ...r.state, stdout } } : r;
            },
            call: (args) => appliedMocks.call(args),
        };
    }

    const HOSTS = ["swarm-manager", "swarm-node1", "swarm-node2"];

    for (const [example, type] of [
        ["ssh", "command:remote:Command"],
        ["docker-machine", T.command],
    ] as const) {
        it(`${example}: the option is the smallest host's MTU; options and labels depend on every host's reader; the hosts output shows each`, async () => {
            const { stack, raw } = exampleRaw(example);
            const run: ProgramRun = await runProgram({
                stack,
                raw,
                mocks: reporting({ "swarm-manager": "1500", "swarm-node1": "1460", "swarm-node2": "1500" }),
                preview: false,
                secrets: { sshPrivateKey: "test-key" },
            });
            const readers = HOSTS.map((h) => find(run, type, `${h}-engine-underlay-mtu`).urn).sort();
            const net1 = find(run, T.network, "net1-network");
            assert.deepEqual(net1.inputs["options"], { [OPTION]: "1460" });
            assert.ok(
                (net1.inputs["labels"] as { label: string; value: string }[]).some((l) => l.value === `{"${OPTION}":"1460"}`),
                JSON.stringify(net1.inputs["labels"]),
            );
            assert.deepEqual(net1.propertyDependencies["options"], readers);
            assert.ok(readers.every((u) => net1.dependsOn.includes(u)));
            assert.deepEqual(
                (run.outputs["hosts"] as { name: string; underlayMtu: number }[]).map((h) => [h.name, h.underlayMtu]),
                [
                    ["swarm-manager", 1500],
                    ["swarm-node1", 1460],
                    ["swarm-node2", 1500],
                ],
            );
            // The reader runs after its machine, again whenever the machine is re-created.
            for (const h of HOSTS) {
                const reader = find(run, type, `${h}-engine-underlay-mtu`);
                assert.equal((reader.inputs["triggers"] as unknown[]).length, 1);
                assert.equal(reader.inputs["delete"], undefined);
            }
        });
    }

    it("ssh: the reader reads engine.advertiseInterface and carries the networks[].mtu checks; a network with mtu keeps its planned option", async () => {
        const { stack, raw } = exampleRaw("ssh");
        const withMtu = JSON.parse(JSON.stringify(raw)) as RawConfig;
        (withMtu.networks as { mtu?: number }[])[0].mtu = 1400;
        const run = await runProgram({ stack, raw: withMtu, mocks: previewMocks, preview: true, secrets: { sshPrivateKey: "test-key" } });
        const create = String(find(run, "command:remote:Command", "swarm-node1-engine-underlay-mtu").inputs["create"]);
        assert.match(create, /^INTERFACE=eth1$/m);
        assert.match(create, /^need 'networks\[0\]\.mtu' net1 1400 0 1450$/m);
        // Known at plan time: networks[].mtu decides it, whatever the hosts report (they still gate it).
        assert.deepEqual(find(run, T.network, "net1-network").inputs["options"], { [OPTION]: "1450" });
        // Unknown in a preview until the machines ran: shown as computed, never as a guessed number.
        assert.equal(find(run, T.network, "net2-network").inputs["options"], "[unknown]");
        const readers = HOSTS.map((h) => find(run, "command:remote:Command", `${h}-engine-underlay-mtu`).urn);
        assert.ok(readers.every((u) => find(run, T.network, "net1-network").dependsOn.includes(u)));
    });
});
