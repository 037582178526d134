/**
 * `npm run lab:laptop -- up|down|status|exec [-- <command>...]` (Linux, root):
 * the "laptop" the dind driver runs on (lab/laptop.ts), made on this machine,
 * which has a Docker client but no Docker engine. `exec` runs a command inside
 * the laptop's network namespace, e.g.
 *
 *   npm run lab:laptop -- exec -- npm run lab -- up tests/lab/stacks/Pulumi.dind-lab.yaml
 */
import { spawn } from "child_process";
import * as fs from "fs";
import { parseArgs } from "util";
import { inLaptop, laptopDown, laptopInfo, laptopIsUp, laptopUp } from "../lab/laptop";

async function main(): Promise<number> {
    const { values, positionals } = parseArgs({
        args: process.argv.slice(2),
        options: { json: { type: "boolean", default: false }, "no-images": { type: "boolean", default: false } },
        allowPositionals: true,
    });
    const [command, ...rest] = positionals;
    const out = (doc: unknown) => process.stdout.write(JSON.stringify(doc, null, 2) + "\n");
    switch (command) {
        case "up": {
            const info = laptopUp({ images: values["no-images"] !== true });
            if (values.json) {
                out(info);
            } else {
                process.stdout.write(`laptop up: netns ${info.netns}, docker ${info.dockerHost}\n`);
            }
            return 0;
        }
        case "down":
            laptopDown();
            return 0;
        case "status": {
            const info = { ...laptopInfo(), up: laptopIsUp(), netnsExists: fs.existsSync(`/var/run/netns/${laptopInfo().netns}`) };
            if (values.json) {
                out(info);
            } else {
                process.stdout.write(
                    `laptop ${info.up ? "up" : "down"}: netns ${info.netns}${info.netnsExists ? "" : " (absent)"}, docker ${info.dockerHost}\n`,
                );
            }
            return info.up ? 0 : 1;
        }
        case "exec": {
            if (rest.length === 0) {
                process.stderr.write("usage: npm run lab:laptop -- exec -- <command>...\n");
                return 2;
            }
            const argv = inLaptop(rest);
            const child = spawn(argv[0], argv.slice(1), { stdio: "inherit" });
            return new Promise<number>((resolve) => child.on("close", (code, signal) => resolve(code ?? (signal ? 128 : 1))));
        }
        default:
            process.stderr.write("usage: npm run lab:laptop -- up [--no-images]|down|status [--json]|exec -- <command>...\n");
            return 2;
    }
}

if (require.main === module) {
    main().then(
        (code) => process.stdout.write("", () => process.exit(code)),
        (err: unknown) => {
            process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
            process.exit(1);
        },
    );
}
