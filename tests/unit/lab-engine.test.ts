/**
 * `npm run lab -- engine stop|start <host>` (lab/stack.ts labEngine, lab/engineProcess.ts):
 * what it refuses, before it touches any process. Stopping and starting real engines is
 * proven in the lab (tests/lab/swarm-managers.test.ts goes through the command).
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse, stringify } from "yaml";
import { labEngine } from "../../lab/stack";

const REPO = path.resolve(__dirname, "..", "..");

describe("lab engine stop|start", () => {
    let dir: string;
    let stackFile: string;

    before(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "lab-engine-"));
        // The dev stack with its machines' directories in scratch space.
        const doc = parse(fs.readFileSync(path.join(REPO, "Pulumi.dev.yaml"), "utf8")) as { config: Record<string, Record<string, unknown>> };
        doc.config["docker-overlay:driver"] = { ...doc.config["docker-overlay:driver"], stateDir: path.join(dir, "state"), runDir: path.join(dir, "run") };
        stackFile = path.join(dir, "Pulumi.dev.yaml");
        fs.writeFileSync(stackFile, stringify(doc));
        fs.mkdirSync(path.join(dir, "state", "swarm-node1"), { recursive: true });
        fs.mkdirSync(path.join(dir, "run", "swarm-node1"), { recursive: true });
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("refuses another driver's stack, naming what to do on dind", async () => {
        await assert.rejects(
            labEngine(path.join(REPO, "examples", "Pulumi.dind.yaml"), "stop", "swarm-node1"),
            new Error(
                "engine stop is for netns stacks, whose engines are processes on this machine; dind uses the dind driver: docker stop or docker start the host's engine container",
            ),
        );
    });

    it("refuses a host the stack does not have, listing its hosts", async () => {
        await assert.rejects(labEngine(stackFile, "stop", "m9"), new Error("m9 is no host of dev; its hosts: swarm-manager, swarm-node1, swarm-node2"));
    });

    it("refuses to stop an engine that is not running (no pidfile, or a pid that is gone)", async () => {
        const pidFile = path.join(dir, "run", "swarm-node1", "docker.pid");
        await assert.rejects(labEngine(stackFile, "stop", "swarm-node1"), new Error(`the engine of swarm-node1 is not running (no live pid in ${pidFile})`));
        fs.writeFileSync(pidFile, "999999999\n");
        await assert.rejects(labEngine(stackFile, "stop", "swarm-node1"), new Error(`the engine of swarm-node1 is not running (no live pid in ${pidFile})`));
        assert.equal(fs.existsSync(path.join(dir, "state", "swarm-node1", "engine-stopped.json")), false);
    });

    it("refuses to start an engine that runs, or one that `engine stop` did not stop", async () => {
        const pidFile = path.join(dir, "run", "swarm-node1", "docker.pid");
        fs.writeFileSync(pidFile, `${process.pid}\n`);
        await assert.rejects(labEngine(stackFile, "start", "swarm-node1"), new Error(`the engine of swarm-node1 is running (pid ${process.pid})`));
        fs.rmSync(pidFile);
        await assert.rejects(
            labEngine(stackFile, "start", "swarm-node1"),
            new Error(
                "the engine of swarm-node1 was not stopped by `npm run lab -- engine stop swarm-node1`, so nothing says how to start it again; `npm run lab -- down` and `up` make it anew",
            ),
        );
    });
});
