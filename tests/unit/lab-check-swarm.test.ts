/**
 * `npm run lab -- check` in swarm mode (lab/check.ts programSwarmVerdict): the managers as the
 * program's own check judges them, from one round of the `connectivity-ping` script the lab
 * state recorded, run as `pulumi up` ran it. A fake runner stands for bash here; the lab test
 * (tests/lab/swarm-managers.test.ts) runs it on real engines.
 */
import * as assert from "node:assert/strict";
import { programSwarmVerdict, renderMatrix } from "../../lab/check";
import { ScriptRun, ScriptRunner } from "../../lab/clients/script";
import { LabState, ResourceRecord } from "../../lab/state";

const CHECK: ResourceRecord = {
    urn: "urn:pulumi:t::docker-overlay::docker-overlay:index:OverlayCluster$docker-overlay:check:ConnectivityCheck$command:local:Command::connectivity-ping",
    type: "command:local:Command",
    name: "connectivity-ping",
    custom: true,
    parent: "",
    provider: "",
    dependsOn: [],
    status: "created",
    startedAt: "2026-12-01T00:00:00Z",
    inputs: { create: "the check's script", interpreter: ["/bin/bash", "-c"], environment: { DOCKER_OVERLAY_CLIENT_CA: "ca" } },
};

function state(swarm: unknown, resources: ResourceRecord[] = [CHECK]): LabState {
    return {
        version: 1,
        stack: "t",
        stackFile: "/x/Pulumi.t.yaml",
        program: "/x/index.ts",
        status: "succeeded",
        startedAt: "",
        resources,
        exports: { swarm },
    };
}

function runner(stdout: string, code = 0, stderr = ""): { run: ScriptRunner; runs: ScriptRun[] } {
    const runs: ScriptRun[] = [];
    return {
        runs,
        run: async (r) => {
            runs.push(r);
            return { code, signal: null, stdout, stderr };
        },
    };
}

const SWARM = { managers: 3, answering: ["m2", "m3"], notAnswering: ["m1"], majority: 2, quorum: true };
const WARNING = "manager m1 does not answer; the swarm keeps its quorum: 2 of 3 managers answer (m2, m3), a majority needs 2";

describe("lab check in swarm mode: the program's own judgement of the managers", () => {
    it("runs the recorded check once, as recorded, with no converge window, and keeps its swarm, warnings and error", async () => {
        const fake = runner(JSON.stringify({ pairs: [], passed: 2, failed: 0, swarm: SWARM, warnings: [WARNING] }));
        assert.deepEqual(await programSwarmVerdict(state({ manager: "m1" }), fake.run), { swarm: SWARM, warnings: [WARNING] });
        assert.deepEqual(fake.runs, [
            {
                script: "the check's script",
                interpreter: ["/bin/bash", "-c"],
                environment: { DOCKER_OVERLAY_CLIENT_CA: "ca", DOCKER_OVERLAY_CHECK_CONVERGE_SECONDS: "0" },
            },
        ]);
        const lost = "swarm has lost its quorum: 1 of 3 managers answer (m3); m1, m2 do not; a majority needs 2: start the stopped managers' engines";
        const failed = runner(JSON.stringify({ pairs: [], passed: 0, failed: 0, swarm: { ...SWARM, quorum: false }, error: lost }), 1);
        assert.deepEqual(await programSwarmVerdict(state({ manager: "m1" }), failed.run), { swarm: { ...SWARM, quorum: false }, error: lost });
    });

    it("nothing in cluster-store mode or without a check; an unreadable result is an error saying why", async () => {
        const fake = runner("{}");
        assert.equal(await programSwarmVerdict(state(null), fake.run), undefined);
        assert.equal(await programSwarmVerdict(state({ manager: "m1" }, []), fake.run), undefined);
        assert.deepEqual(fake.runs, []);
        const broken = runner("", 2, "bash: line 1: oops\nfatal: no docker\n");
        assert.deepEqual(await programSwarmVerdict(state({ manager: "m1" }), broken.run), {
            error: "the program's check printed no result (exit 2): bash: line 1: oops / fatal: no docker",
        });
    });

    it("the text names the warnings and a failed swarm under the matrix", () => {
        const text = renderMatrix({ containers: [], pairs: [], passed: 0, failed: 0, warnings: [WARNING], error: "swarm has no leader: ..." });
        assert.deepEqual(text.trim().split("\n").slice(-3), [`warning: ${WARNING}`, "FAIL swarm: swarm has no leader: ...", "check: 0 of 0 pairs hold"]);
    });
});
