/**
 * `npm run lab -- diagnose` (lab/diagnose.ts) on a running cluster-store stack
 * (tests/lab/stacks/Pulumi.t-diagnose.yaml: consul, dg1, dg2, dg3, a container
 * each on net1): every probe holds, every engine sees every endpoint and every
 * serf member. A DROP rule for udp/4789 in dg2's INPUT chain (inside dg2's own
 * namespace) must give exactly the two pairs into dg2 and exit 1; with the rule
 * gone it holds again. On a kernel without the security table the counting rules
 * go to the top of the filter table's INPUT (lib/probe/sh/underlay-probe.sh): here
 * an iptables first on PATH refuses the table as iptables legacy does on such a
 * kernel, and the real filter table counts real packets.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import "./support/root-hooks";
import { describeRun, gossipDigest, lab, LabStack, run, STACKS } from "./support/lab";
import type { DiagnoseReport } from "../../lab/diagnose";
import { netnsName } from "../../lib/drivers/netns";

describe("lab: diagnose (Pulumi.t-diagnose.yaml)", function () {
    const stack = new LabStack(path.join(STACKS, "Pulumi.t-diagnose.yaml"));
    const dg2 = `/var/run/netns/${netnsName({ stack: stack.stack, name: "dg2" })}`;
    // The test's own rule, in dg2's namespace only; the comment tells it apart.
    const drop = ["INPUT", "-p", "udp", "--dport", "4789", "-m", "comment", "--comment", "docker-overlay lab test: drop VXLAN into dg2", "-j", "DROP"];
    const iptables = (action: "-I" | "-D") => run("nsenter", [`--net=${dg2}`, "iptables", "-w", action, ...drop]);
    let ruleIn = false;

    before(async function () {
        await stack.upOk();
    });

    after(async function () {
        try {
            if (ruleIn) {
                await iptables("-D");
            }
        } finally {
            await stack.teardown();
        }
    });

    async function diagnose(): Promise<{ code: number; report: DiagnoseReport; text: string }> {
        const json = await lab<DiagnoseReport>("diagnose", stack.info.file);
        assert.ok(json.json !== undefined, describeRun(json));
        const text = await lab("diagnose", stack.info.file, false);
        assert.equal(text.code, json.code, `text and --json runs disagree: ${describeRun(text)}`);
        return { code: json.code, report: json.json, text: text.stdout };
    }

    it("passes on the running stack: 21 probes, every endpoint on every engine, every serf member", async function () {
        const { code, report } = await diagnose();
        assert.deepEqual(report.failures, [], gossipDigest(stack.info.stateDir));
        assert.equal(code, 0);
        assert.equal(report.probes.length, 21);
        assert.deepEqual(report.overlays, [{ network: "net1", seen: { dg1: ["c1", "c2", "c3"], dg2: ["c1", "c2", "c3"], dg3: ["c1", "c2", "c3"] } }]);
        assert.deepEqual(
            report.gossip.map((g) => [g.host, g.members]),
            [
                ["dg1", ["dg1", "dg2", "dg3"]],
                ["dg2", ["dg1", "dg2", "dg3"]],
                ["dg3", ["dg1", "dg2", "dg3"]],
            ],
        );
    });

    it("names exactly the pairs a DROP of udp/4789 in dg2 cuts, and exits 1; passes again once the rule is gone", async function () {
        const added = await iptables("-I");
        assert.equal(added.code, 0, describeRun(added));
        ruleIn = true;
        try {
            const { code, report, text } = await diagnose();
            assert.deepEqual(report.failures, ["dg1 -> dg2 udp/4789: no answer", "dg3 -> dg2 udp/4789: no answer"], gossipDigest(stack.info.stateDir));
            assert.equal(code, 1);
            assert.ok(text.includes("FAILED dg1 -> dg2 udp/4789: no answer\nFAILED dg3 -> dg2 udp/4789: no answer\ndiagnose: 2 failures"), text);
        } finally {
            const removed = await iptables("-D");
            assert.equal(removed.code, 0, describeRun(removed));
            ruleIn = false;
        }
        const again = await diagnose();
        assert.deepEqual(again.report.failures, [], gossipDigest(stack.info.stateDir));
        assert.equal(again.code, 0);
        // diagnose's own counting rules are gone again; the program's underlay probe keeps its round's
        // (tag <stack>-<digest>, components/underlayProbe.ts) until down.
        const left = await run("nsenter", [`--net=${dg2}`, "iptables", "-w", "-t", "security", "-S", "INPUT"]);
        assert.deepEqual(
            left.stdout
                .split("\n")
                .filter((l) => l !== "" && l !== "-P INPUT ACCEPT" && !new RegExp(`--comment "docker-overlay probe ${stack.stack}-[0-9a-f]{12} `).test(l)),
            [],
            left.stdout,
        );
        assert.doesNotMatch(left.stdout, /docker-overlay probe diagnose-/);
    });

    it("a kernel without the security table (iptables refusing it, as boot2docker's): the rules count at the top of the filter INPUT, pass, and go; a drop in the network (dg1's OUTPUT) is still named", async function () {
        // iptables and iptables-restore as on such a kernel (iptables legacy's messages); everything else the real ones.
        const bin = fs.mkdtempSync(path.join(os.tmpdir(), "dovl-no-security-"));
        const realIptables = "/usr/sbin/iptables";
        const realRestore = "/usr/sbin/iptables-restore";
        fs.writeFileSync(
            path.join(bin, "iptables"),
            [
                "#!/bin/bash",
                'prev=""',
                'for a in "$@"; do',
                '    if [ "$prev" = -t ] && [ "$a" = security ]; then',
                "        echo \"iptables v1.8.7 (legacy): can't initialize iptables table \\`security': Table does not exist (do you need to insmod?)\" >&2",
                "        exit 3",
                "    fi",
                "    prev=$a",
                "done",
                `exec ${realIptables} "$@"`,
                "",
            ].join("\n"),
            { mode: 0o755 },
        );
        fs.writeFileSync(
            path.join(bin, "iptables-restore"),
            [
                "#!/bin/bash",
                "input=$(cat)",
                'if [ "$(head -n 1 <<<"$input")" = "*security" ]; then',
                "    echo \"iptables-restore v1.8.7 (legacy): iptables-restore: unable to initialize table 'security'\" >&2",
                "    exit 1",
                "fi",
                `${realRestore} "$@" <<<"$input"`,
                "",
            ].join("\n"),
            { mode: 0o755 },
        );
        const dg1 = `/var/run/netns/${netnsName({ stack: stack.stack, name: "dg1" })}`;
        const out = ["OUTPUT", "-p", "udp", "--dport", "4789", "-m", "comment", "--comment", "docker-overlay lab test: drop VXLAN out of dg1", "-j", "DROP"];
        const env = { PATH: `${bin}:${process.env["PATH"] ?? ""}` };
        try {
            const ok = await lab<DiagnoseReport>("diagnose", stack.info.file, true, env);
            assert.ok(ok.json !== undefined, describeRun(ok));
            assert.deepEqual(ok.json.failures, [], describeRun(ok));
            assert.equal(ok.code, 0);
            assert.equal(ok.json.probes.length, 21);
            const added = await run("nsenter", [`--net=${dg1}`, "iptables", "-w", "-I", ...out]);
            assert.equal(added.code, 0, describeRun(added));
            try {
                const cut = await lab<DiagnoseReport>("diagnose", stack.info.file, true, env);
                assert.ok(cut.json !== undefined, describeRun(cut));
                assert.deepEqual(cut.json.failures, ["dg1 -> dg2 udp/4789: no answer", "dg1 -> dg3 udp/4789: no answer"], describeRun(cut));
                assert.equal(cut.code, 1);
            } finally {
                const removed = await run("nsenter", [`--net=${dg1}`, "iptables", "-w", "-D", ...out]);
                assert.equal(removed.code, 0, describeRun(removed));
            }
            // Its rules went to the filter table, and went again.
            for (const ns of [dg1, dg2]) {
                const filter = await run("nsenter", [`--net=${ns}`, "iptables", "-w", "-t", "filter", "-S", "INPUT"]);
                assert.equal(filter.code, 0, describeRun(filter));
                assert.doesNotMatch(filter.stdout, /docker-overlay probe/, filter.stdout);
            }
        } finally {
            fs.rmSync(bin, { recursive: true, force: true });
        }
    });
});
