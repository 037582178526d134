/**
 * Root hooks of the lab suite, registered once by whichever test file imports
 * this module first (mocha runs root-suite hooks around all files):
 *  - before everything: the lab can run here (root, scripts/lab-deps.sh done);
 *  - after everything (each file's `after` hooks have taken its stacks down):
 *    `scripts/lab-clean.sh --check` must find nothing, first for the stacks
 *    and bridges the tests used (never skipping anything), then for the whole
 *    machine. On a machine where others run stacks of their own, name their
 *    bridges or stacks in DOCKER_OVERLAY_LAB_CLEAN_EXCEPT_BRIDGES /
 *    DOCKER_OVERLAY_LAB_CLEAN_EXCEPT_STACKS; CI sets neither, so there the
 *    machine must be entirely clean. Before that, what the suite's daemons
 *    wrote to /tmp that no stack owns goes (tmpLeftovers).
 */
import * as assert from "assert";
import * as fs from "fs";
import { allStacks, bridgesUsed, DOCKER_BIN, labClean, note, stacksUsed, timings } from "./lab";

const suiteStarted = Date.now();

/**
 * What the suite's daemons write to /tmp outside any stack's directories, which neither
 * `lab down` nor scripts/lab-clean.sh (it works by stack) can tell from anyone else's:
 *  - `/tmp/consul-test`, empty: Debian's consul 1.8.7 links consul's sdk/testutil, whose
 *    init makes that directory at every start (the path is in the binary);
 *  - `/tmp/containerd.<pid>.stacks.log`: a lab engine's dockerd sends its containerd SIGUSR1
 *    (a goroutine dump) before it kills one that failed its health checks or did not stop in
 *    time (moby 20.10 libcontainerd/supervisor/remote_daemon.go, killDaemon, monitorDaemon).
 * An empty `/tmp/consul-test` goes whoever made it (scripts/lab-deps.sh and lab-dind-deps.sh
 * run `consul version` before the suite); dumps present before the suite are left alone, the
 * others are removed after it and reported (a containerd killed mid-test is worth knowing about).
 */
const CONSUL_TEST_DIR = "/tmp/consul-test";
const containerdDumps = (): string[] => fs.readdirSync("/tmp").filter((f) => /^containerd\.\d+\.stacks\.log$/.test(f));
const dumpsBefore = new Set(containerdDumps());

function removeTmpLeftovers(): void {
    if (fs.existsSync(CONSUL_TEST_DIR) && fs.readdirSync(CONSUL_TEST_DIR).length === 0) {
        fs.rmdirSync(CONSUL_TEST_DIR);
    }
    const dumps = containerdDumps().filter((f) => !dumpsBefore.has(f));
    if (dumps.length > 0) {
        note(`${dumps.length} containerd stack dump(s) in /tmp, removed: a lab dockerd killed or restarted its containerd (${dumps.join(", ")})`);
    }
    for (const f of dumps) {
        fs.rmSync(`/tmp/${f}`, { force: true });
    }
}

before("the lab can run on this machine", function () {
    if (process.getuid?.() !== 0) {
        throw new Error("the lab tests need root (network namespaces, bridges, dockerd)");
    }
    for (const f of [
        DOCKER_BIN,
        "/opt/docker-overlay/engine/bin/dockerd",
        "/opt/docker-overlay/kv/bin/consul",
        "/opt/docker-overlay/kv/bin/etcd",
        "/var/lib/docker-overlay/images/busybox-rootfs.tar",
    ]) {
        if (!fs.existsSync(f)) {
            throw new Error(`${f} is missing: run scripts/lab-deps.sh first`);
        }
    }
});

after("nothing of the lab is left on this machine", async function () {
    this.timeout(400_000);
    // A file whose `after` did not run (or failed) must not leave its stack up.
    for (const s of allStacks) {
        try {
            await s.teardown();
        } catch (err) {
            note(`teardown of ${s.stack} in the root hook: ${(err as Error).message}`);
        }
    }
    removeTmpLeftovers();
    const total = (Date.now() - suiteStarted) / 1000;
    process.stdout.write(`\n      [lab] timings:\n`);
    for (const t of timings) {
        process.stdout.write(`      [lab]   ${t.what.padEnd(24)} ${t.seconds.toFixed(1)}s\n`);
    }
    process.stdout.write(`      [lab]   ${"whole suite".padEnd(24)} ${total.toFixed(1)}s\n`);

    const scope = [...[...stacksUsed].flatMap((s) => ["--stack", s]), ...[...bridgesUsed].flatMap((b) => ["--bridge", b])];
    if (scope.length > 0) {
        const own = await labClean(["--check", ...scope], { strict: true });
        assert.strictEqual(own.code, 0, `the lab tests left something of their own stacks behind:\n${own.stdout}${own.stderr}`);
    }
    const all = await labClean(["--check"]);
    assert.strictEqual(
        all.code,
        0,
        `scripts/lab-clean.sh --check is not clean:\n${all.stdout}${all.stderr}\n` +
            `(stacks other people run on this machine: name their bridges in DOCKER_OVERLAY_LAB_CLEAN_EXCEPT_BRIDGES)`,
    );
});
