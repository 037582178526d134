/**
 * The underlay MTU of a machine the program does not make (ssh, docker-machine):
 * read on the machine, from the interface its engine advertises on, by a small
 * command of its own (components/machines/ssh.ts, dockerMachine.ts). Its one
 * stdout line, the MTU, is that command's `stdout` output; every overlay's
 * `com.docker.network.driver.mtu` is derived from all hosts' (lib/plan/mtu.ts,
 * reportedOverlayDriverOptions). The same command refuses a `networks[].mtu`
 * the machine's underlay cannot carry, naming the host, its MTU and the key,
 * before any network exists (the plan cannot know it for these drivers).
 * The shell: lib/drivers/sh/underlay-mtu.sh (POSIX sh).
 */
import * as path from "path";
import { MIN_MTU } from "../config/defaults";
import { ESP_OVERHEAD, UnderlayMtuRequirement, VXLAN_OVERHEAD } from "../plan/mtu";
import { assign, scriptFragment } from "../render/script";
import { shJoin } from "../render/shell";

export interface UnderlayMtuReadParams {
    /** The host (for messages). */
    host: string;
    /** The interface the engine advertises on (engine.advertiseInterface); empty or undefined: the one holding `address`. */
    interface?: string;
    /** The host's address, where no interface is named. */
    address?: string;
    /** The body of `run_ip`: runs `ip "$@"` on the machine (ssh: `ip "$@"`; docker-machine: through `docker-machine ssh`). */
    runIp: string;
    /** networks[].mtu the underlay must carry (underlayMtuRequirements). */
    requirements: readonly UnderlayMtuRequirement[];
}

/** The read command's script: prints the underlay MTU, or fails with the reason. */
export function renderUnderlayMtuScript(p: UnderlayMtuReadParams): string {
    if (!p.interface && !p.address) {
        throw new Error(`underlay MTU of ${p.host}: neither an interface nor an address to read it from`);
    }
    return [
        "#!/bin/sh",
        `# docker-overlay: the underlay MTU of ${p.host} (the only line on stdout).`,
        "# Rendered by docker-overlay (lib/drivers/underlayMtu.ts).",
        "set -eu",
        assign("HOST", p.host),
        assign("INTERFACE", p.interface ?? ""),
        assign("ADDRESS", p.address ?? ""),
        assign("MIN_MTU", MIN_MTU),
        assign("VXLAN_OVERHEAD", VXLAN_OVERHEAD),
        assign("ESP_OVERHEAD", ESP_OVERHEAD),
        `run_ip() { ${p.runIp}; }`,
        scriptFragment(path.join(__dirname, "sh"), "underlay-mtu.sh"),
        ...p.requirements.map((r) => shJoin(["need", r.key, r.network, String(r.mtu), r.encrypted ? "1" : "0", String(r.needs)])),
        `printf '%s\\n' "$mtu"`,
        "",
    ].join("\n");
}

/** The MTU the read command printed; undefined before it ran (its stdout unset or empty); a clear error for anything else. */
export function parseUnderlayMtu(host: string, stdout: string | undefined): number | undefined {
    if (stdout === undefined || stdout === "") {
        return undefined;
    }
    const text = stdout.trim();
    if (!/^[1-9][0-9]{0,5}$/.test(text)) {
        throw new Error(`the underlay MTU read on ${host} is not a number: ${JSON.stringify(stdout)}`);
    }
    return Number(text);
}
