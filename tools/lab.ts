/**
 * `npm run lab -- up|preview|status|check|diagnose|down [<stack-file.yaml>] [--json]`
 * (Linux, root). Applies the program to real daemons on this machine; see
 * docs/architecture.md ("The lab"), lab/stack.ts (the commands) and lab/applier.ts.
 *
 *   up      runs index.ts with the stack's config; every resource is performed
 *           for real as the program's dependencies allow, and recorded in
 *           /var/lib/docker-overlay/lab/<stack>.json as it goes. On a stack that is
 *           already up: the engine's steps against the recorded state (lab/executor.ts).
 *   status  hosts, KV store and containers (with live addresses).
 *   check   pings every pair of containers (lib/check/pairs.ts) and prints the matrix; in
 *           swarm mode also the managers as the program's own check judges them (quorum,
 *           who does not answer, who reaches no leader): a lost quorum fails it.
 *   diagnose the underlay probes the mode needs between the hosts, each overlay as every
 *           engine sees it, each engine's gossip (lab/diagnose.ts); exit 1 on any failure.
 *   preview the steps `up` would take against the recorded state (lab/preview.ts).
 *   down    deletes everything in reverse; without a complete state it asks the
 *           program what it would have created (collect mode) and deletes that.
 *   engine stop|start <host>
 *           (netns) stops a host's engine, or starts it again as its machine's
 *           create started it (lab/engineProcess.ts): to try a cluster by hand.
 *
 * Secret config (the ssh driver's `sshPrivateKey`) comes from files named by
 * environment variables (lab/secrets.ts's SECRET_FILE_VARIABLES).
 */
import * as fs from "fs";
import * as path from "path";
import { parseArgs } from "util";
import { ApplierEvent } from "../lab/applier";
import { renderMatrix } from "../lab/check";
import { appliedSummary, previewJson, renderPreviewText } from "../lab/preview";
import { renderDiagnoseText } from "../lab/diagnose";
import { DeleteEvent, labCheck, labDiagnose, labDown, labEngine, labPreview, labStatus, labUp } from "../lab/stack";
import { LabStatus, renderStatusText } from "../lab/status";

// -------------------------------------------------------------------- CLI

function printEvent(e: ApplierEvent): void {
    if (e.kind === "invoke") {
        process.stdout.write(`${e.error === undefined ? ">" : "!"} invoke ${e.token}  ${e.seconds.toFixed(1)}s${e.error === undefined ? "" : "  FAILED"}\n`);
        return;
    }
    // As `pulumi up` marks its steps: + create, ~ update, +- replace, - delete.
    const mark = { created: "+", updated: "~", replaced: "+-", deleted: "-", failed: "!" }[e.kind];
    process.stdout.write(`${mark} ${e.record.type} ${e.record.name}  ${e.seconds.toFixed(1)}s${e.kind === "failed" ? "  FAILED" : ""}\n`);
}

function printDelete(e: DeleteEvent): void {
    const mark = e.outcome === "deleted" ? "-" : e.outcome === "absent" || e.outcome === "skipped" ? "=" : "!";
    const note =
        e.outcome === "absent" ? "  (already gone)" : e.outcome === "skipped" ? "  (deleted with another resource)" : e.outcome === "failed" ? "  FAILED" : "";
    process.stdout.write(`${mark} ${e.record.type} ${e.record.name}  ${e.seconds.toFixed(1)}s${note}\n`);
}

const USAGE = [
    "usage: npm run lab -- up|preview|status|check|diagnose|down [<stack-file.yaml>] [--json] [--program <index.ts>]",
    "       npm run lab -- engine stop|start <host> [<stack-file.yaml>] [--json]",
    "",
].join("\n");

async function main(): Promise<number> {
    const { values, positionals } = parseArgs({
        args: process.argv.slice(2),
        options: { json: { type: "boolean", default: false }, program: { type: "string" } },
        allowPositionals: true,
    });
    if (positionals[0] === "engine") {
        return engineCommand(positionals.slice(1), values.json === true);
    }
    const [command, file, ...extra] = positionals;
    if (command === undefined || !["up", "preview", "status", "check", "diagnose", "down"].includes(command) || extra.length > 0) {
        process.stderr.write(USAGE);
        return 2;
    }
    const stackFile = path.resolve(file ?? "Pulumi.dev.yaml");
    const json = values.json === true;
    const out = (doc: unknown) => process.stdout.write(JSON.stringify(doc, null, 2) + "\n");

    switch (command) {
        case "up": {
            const r = await labUp(stackFile, { program: values.program, onEvent: json ? undefined : printEvent });
            for (const w of json ? [] : (r.warnings ?? [])) {
                process.stderr.write(`warning: ${w}\n`);
            }
            if (json) {
                out(r);
            } else if (r.noop === true) {
                process.stdout.write(`up: no changes, 0 steps (${r.changes?.same ?? 0} unchanged) in ${r.seconds.toFixed(1)}s (state: ${r.stateFile})\n`);
            } else if (r.ok && r.changes !== undefined) {
                process.stdout.write(`up: ${appliedSummary(r.changes)} in ${r.seconds.toFixed(1)}s (state: ${r.stateFile})\n`);
            } else if (r.ok) {
                process.stdout.write(`up: ${r.resources.length} resources in ${r.seconds.toFixed(1)}s (state: ${r.stateFile})\n`);
            } else {
                process.stderr.write(`\nup FAILED after ${r.seconds.toFixed(1)}s:\n${r.error ?? "unknown error"}\n`);
                if (r.changes !== undefined) {
                    // A day-2 up: the state says what exists after the steps that ran.
                    process.stderr.write(
                        `state kept in ${r.stateFile} (what exists now: see npm run lab -- preview ${file ?? ""}); take it all down with: npm run lab -- down ${file ?? ""}\n`,
                    );
                } else if (fs.existsSync(r.stateFile)) {
                    process.stderr.write(`state kept in ${r.stateFile}; remove what was created with: npm run lab -- down ${file ?? ""}\n`);
                } else {
                    process.stderr.write("nothing was created\n");
                }
            }
            return r.ok ? 0 : 1;
        }
        case "preview": {
            const r = await labPreview(stackFile, { program: values.program });
            process.stdout.write(json ? JSON.stringify(previewJson(r), null, 2) + "\n" : renderPreviewText(r));
            return 0;
        }
        case "down": {
            const r = await labDown(stackFile, { program: values.program, onDelete: json ? undefined : printDelete });
            if (json) {
                out(r);
            } else {
                for (const n of r.notes) {
                    process.stdout.write(`note: ${n}\n`);
                }
                for (const f of r.failed) {
                    process.stderr.write(`FAILED ${f.urn}:\n${f.error}\n`);
                }
                process.stdout.write(
                    `down: ${r.deleted.length} deleted, ${r.absent.length} already gone, ${r.skipped.length} deleted with another, ${r.failed.length} failed in ${r.seconds.toFixed(1)}s (from ${r.source})\n`,
                );
            }
            return r.ok ? 0 : 1;
        }
        case "status": {
            const r = await labStatus(stackFile);
            if (json) {
                out(r.status satisfies LabStatus);
            } else {
                process.stdout.write(renderStatusText(r.status, r.notes));
            }
            return 0;
        }
        case "diagnose": {
            const r = await labDiagnose(stackFile);
            process.stdout.write(json ? JSON.stringify(r, null, 2) + "\n" : renderDiagnoseText(r));
            return r.failures.length === 0 ? 0 : 1;
        }
        case "check": {
            const r = await labCheck(stackFile);
            if (json) {
                out(r);
            } else {
                for (const n of r.notes) {
                    process.stdout.write(`note: ${n}\n`);
                }
                process.stdout.write(renderMatrix(r));
            }
            return r.failed === 0 && r.error === undefined ? 0 : 1;
        }
    }
    return 2;
}

/** `engine stop|start <host> [<stack-file>]`: a netns engine stopped, or started again as its machine started it. */
async function engineCommand(args: string[], json: boolean): Promise<number> {
    const [action, host, file, ...extra] = args;
    if ((action !== "stop" && action !== "start") || host === undefined || extra.length > 0) {
        process.stderr.write(USAGE);
        return 2;
    }
    const r = await labEngine(path.resolve(file ?? "Pulumi.dev.yaml"), action, host);
    const stack = file !== undefined ? ` ${file}` : "";
    if (json) {
        process.stdout.write(JSON.stringify(r, null, 2) + "\n");
    } else if (action === "stop") {
        process.stdout.write(
            `engine stop: ${host}'s engine (pid ${r.pid}) exited ${r.seconds.toFixed(1)}s after SIGTERM\n` +
                `start it again (before down) with: npm run lab -- engine start ${host}${stack}\n` +
                `another host's engine: ${r.docker} -H ${r.dockerHost.replace(`/${host}/`, "/<host>/")} <command>\n`,
        );
    } else {
        process.stdout.write(
            `engine start: ${host}'s engine (pid ${r.pid}) answers ${r.seconds.toFixed(1)}s after its start: ${r.docker} -H ${r.dockerHost} <command>\n`,
        );
    }
    return 0;
}

/** Exits once stdout and stderr are flushed (a bare process.exit cuts off output written to a pipe). */
function exitAfterFlush(code: number): void {
    process.stdout.write("", () => process.stderr.write("", () => process.exit(code)));
}

if (require.main === module) {
    main().then(exitAfterFlush, (err: unknown) => {
        process.stderr.write(`lab: ${err instanceof Error ? err.message : String(err)}\n`);
        exitAfterFlush(1);
    });
}
