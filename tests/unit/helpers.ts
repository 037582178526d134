/** Shared helpers for the mocked tests: run the program for a config, find resources in the result. */
import * as assert from "node:assert/strict";
import { RawConfig } from "../../lib/config/types";
import { previewMocks } from "../../runner/mocks";
import { ProgramRun, Registration, runProgram } from "../../runner/program";
import { loadStackFile } from "../../lib/config/load";
import type { Edit } from "./config/validateHelpers";

export type { Edit };
import * as path from "path";
import { execFileSync } from "node:child_process";

export const DEV_STACK = path.resolve(__dirname, "..", "..", "Pulumi.dev.yaml");

export function devRaw(): RawConfig {
    return loadStackFile(DEV_STACK).raw;
}

/** A deep copy of the dev stack's config with `edit` applied. */
export function devWith(edit: Edit): RawConfig {
    const raw = JSON.parse(JSON.stringify(devRaw())) as RawConfig;
    edit(raw);
    return raw;
}

export async function preview(raw: RawConfig, stack = "dev"): Promise<ProgramRun> {
    return runProgram({ stack, raw, mocks: previewMocks, preview: true, secrets: { sshPrivateKey: "test-key" } });
}

export function find(run: ProgramRun, type: string, name: string): Registration {
    const hits = run.registrations.filter((r) => r.type === type && r.name === name);
    assert.equal(
        hits.length,
        1,
        `expected one ${type} named ${name}, found ${hits.length}: ${run.registrations.map((r) => `${r.type}::${r.name}`).join(", ")}`,
    );
    return hits[0];
}

export function ofType(run: ProgramRun, type: string): Registration[] {
    return run.registrations.filter((r) => r.type === type).sort((a, b) => (a.name < b.name ? -1 : 1));
}

export const T = {
    command: "command:local:Command",
    dockerProvider: "pulumi:providers:docker",
    network: "docker:index/network:Network",
    container: "docker:index/container:Container",
    image: "docker:index/remoteImage:RemoteImage",
    consulProvider: "pulumi:providers:consul",
    keyPrefix: "consul:index/keyPrefix:KeyPrefix",
    cluster: "docker-overlay:index:OverlayCluster",
    host: "docker-overlay:host:DockerHost",
    kv: "docker-overlay:kv:KvStore",
};

/**
 * The daemon.json a netns engine's create script writes (its `DAEMON_JSON=` line, as
 * bash reads it): where the cluster keys are, since they are not dockerd flags.
 */
export function netnsDaemonJsonOf(create: string): Record<string, unknown> {
    const line = create.split("\n").find((l) => l.startsWith("DAEMON_JSON="));
    assert.ok(line !== undefined, "the create script writes no daemon.json");
    return JSON.parse(execFileSync("bash", ["-c", `${line}\nprintf '%s' "$DAEMON_JSON"`], { encoding: "utf8" })) as Record<string, unknown>;
}
