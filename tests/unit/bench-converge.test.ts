/** The convergence figures of the report (bench/report.ts): saturation9, cpu/host, parallel/serial and their place in the last line and RESULTS.md. */
import * as assert from "node:assert/strict";
import { ConvergeMode, ConvergeResult, ConvergeRun } from "../../bench/converge";
import { BenchResults, headline, headlineLine, renderResults, saturation } from "../../bench/report";

const MACHINE = { cpu: "test cpu", cores: 2, memoryGB: 8, kernel: "6.0", os: "Test OS", node: "v20.0.0" };

function run(mode: ConvergeMode, apply: number, wall: number, cpu?: number): ConvergeRun {
    return {
        mode,
        total: wall - 0.1,
        wall,
        apply,
        startup: 1,
        ...(cpu !== undefined ? { cpu } : {}),
        down: 2,
        phases: { kv: 1, engines: 2, network: 0.1, containers: 1.5, check: 0.3 },
        order: ["a", "b"],
    };
}

function results(runs: ConvergeRun[], cores = 2): BenchResults {
    const converge: ConvergeResult = { stacks: { hosts3: "a", hosts9: "b" }, cores, runs, failures: [] };
    return { startedAt: new Date("2026-11-30T22:00:00Z"), seconds: 60, runs: 3, load: {}, converge };
}

describe("bench converge: saturation9, cpu/host and parallel/serial", () => {
    it("saturation is wall time over CPU-seconds per core: 1 when every core is busy throughout", () => {
        assert.equal(saturation(10, 20, 2), 1);
        assert.equal(saturation(12, 20, 2), 1.2);
        assert.equal(saturation(12, 6, 1), 2);
    });

    it("saturation9 is the median of the 9-host runs' own ratios on the run's cores; cpu/host the 9-host minus 3-host median CPU-s over 6", () => {
        const h = headline(
            results(
                [
                    run("parallel3", 4, 6, 5),
                    run("serial3", 8, 10, 5.5),
                    run("parallel9", 10, 12, 16), // 12 / 8 = 1.5
                    run("parallel3", 5, 7, 6),
                    run("serial3", 9, 11, 6),
                    run("parallel9", 11, 13, 20), // 13 / 10 = 1.3
                    run("parallel3", 6, 8, 4),
                    run("serial3", 10, 12, 5),
                    run("parallel9", 12, 15, 30), // 15 / 15 = 1.0
                ],
                2,
            ),
        );
        assert.equal(h.saturation9, 1.3);
        assert.equal(h.cpuPerHost, (20 - 5) / 6);
        assert.equal(h.parallelSerial, 5 / 9);
    });

    it("without CPU-seconds (no cpuacct cgroup) saturation9 and cpu/host are n/a, parallel/serial still measured", () => {
        const h = headline(results([run("parallel3", 4, 6), run("serial3", 8, 10), run("parallel9", 10, 12)]));
        assert.equal(h.saturation9, undefined);
        assert.equal(h.cpuPerHost, undefined);
        assert.equal(
            headlineLine(h),
            "bench: plan300x10=n/a plan/floor=n/a rss=n/a parallel/serial=0.50 saturation9=n/a cpu/host=n/a overlay/underlay=n/a noop=n/a addhost/full=n/a",
        );
    });

    it("the last line has saturation9 and cpu/host where hosts9/hosts3 was", () => {
        const h = headline(results([run("parallel3", 4, 6, 5), run("serial3", 8, 10, 6), run("parallel9", 10, 12.5, 17)], 2));
        assert.equal(
            headlineLine(h),
            "bench: plan300x10=n/a plan/floor=n/a rss=n/a parallel/serial=0.50 saturation9=1.47 cpu/host=2.00 overlay/underlay=n/a noop=n/a addhost/full=n/a",
        );
    });

    it("RESULTS.md: goal rows for saturation9 (met at or under 1.15) and cpu/host, the per-run saturation column and the floors explained", () => {
        const md = (nine: number) => renderResults(results([run("parallel3", 4, 6, 5), run("serial3", 8, 10, 6), run("parallel9", 10, nine, 16)], 2), MACHINE);
        const row = (text: string) => text.split("\n").find((l) => l.startsWith("| 9 hosts, parallel `lab up`"));
        assert.equal(row(md(9.2)), "| 9 hosts, parallel `lab up`: wall time / (its CPU-seconds / cores) | <= 1.15 | 1.15 | **met** |");
        assert.equal(row(md(9.3)), "| 9 hosts, parallel `lab up`: wall time / (its CPU-seconds / cores) | <= 1.15 | 1.16 | **missed** |");
        const text = md(12);
        assert.ok(text.includes("| CPU-seconds each added host costs ((9-host - 3-host CPU-s) / 6) | reported, lower is better | 1.83 CPU-s | |"));
        assert.ok(text.includes("| seed's cluster, parallel apply / serial apply | <= 0.5 | 0.50 | **met** |"));
        assert.ok(text.includes("parallel/serial = 0.50 (goal <= 0.5); saturation9 = 1.50 (goal <= 1.15; 2 cores); cpu/host = 1.83 CPU-s."));
        // The 9-host row: apply 10 (min, max), lab up wall 12, CPU 16, saturation 12 / (16 / 2) = 1.50.
        assert.match(
            text,
            /^\| 9 hosts, 6 containers .* \| 10\.00 \| 10\.00 \| 10\.00 \| 12\.00 \| 16\.00 \| 1\.50 \| 1\.00 \| 2\.00 \| 0\.10 \| 1\.50 \| 0\.30 \|$/m,
        );
        assert.ok(text.includes("The floors. saturation9: on a machine of n cores a run of C CPU-seconds cannot take less than C / n seconds"));
        assert.ok(text.includes("so <= 0.5 is out of reach in this mode. That is decided"));
    });
});
