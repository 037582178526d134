/**
 * The underlay probe on ssh hosts (the pure part; the netns one is
 * lib/probe/underlay.ts, whose counting-rule script both use). The program's
 * machine reaches every host over ssh but enters no namespace, and the hosts'
 * underlay addresses (their advertise interface's) are not known to the
 * program, so there are no watch commands: one command per host, run where
 * the program runs, that
 *  - reads SELF's and each target's address of `engine.advertiseInterface`,
 *  - sets SELF's own counting rules at each target (tag `<round tag>-<SELF>`,
 *    so concurrent senders never touch each other's rules),
 *  - sends from SELF and reads each target's counter, until all counted or
 *    the window passed; else fails naming each pair, as on netns;
 * and removes SELF's rules from each target again before it ends, passed or
 * failed (the hosts are the user's; a run sets fresh ones), so it needs no
 * delete. Why the sender decides, and why a failed sender re-runs alone:
 * lib/probe/underlay.ts.
 */
import { createHash } from "crypto";
import * as path from "path";
import { Probe } from "../plan/probes";
import { assign, assignColumns, bashPreamble, scriptFragment } from "../render/script";
import { shJoin } from "../render/shell";
import { appendTo, PROBE_WAIT_SECONDS } from "./underlay";

const SH_DIR = path.join(__dirname, "sh");

/** The environment variable the probe's scripts take the ssh private key from (a secret). */
export const SSH_KEY_ENV = "DOCKER_OVERLAY_SSH_KEY";

/** How the program's machine logs in to a host (the ssh driver's connection). */
export interface SshEndpoint {
    user: string;
    host: string;
    port: number;
    /** `<type> <base64>`: the only host key accepted; undefined accepts any (as the command provider). */
    hostKey?: string;
}

/** One thing a host sends to: a stack host (over ssh), or an existing store's address (a tcp connect). */
export interface SshProbeTarget {
    name: string;
    ssh?: SshEndpoint;
    /** For a target without ssh: its address. */
    address?: string;
    protocol: Probe["protocol"];
    port: number;
}

/** Host name -> what it must reach; `endpoint` gives a stack host's ssh endpoint, undefined for what is no host (an existing store). */
export function sshProbeTargets(probes: readonly Probe[], endpoint: (host: string) => SshEndpoint | undefined): Map<string, SshProbeTarget[]> {
    const targets = new Map<string, SshProbeTarget[]>();
    for (const p of probes) {
        const ssh = endpoint(p.to);
        const t: SshProbeTarget = { name: p.to, ...(ssh !== undefined ? { ssh } : { address: p.to }), protocol: p.protocol, port: p.port };
        appendTo(targets, p.from, t);
    }
    return targets;
}

/** A digest of the round (what is probed, over which connections and interface) and the machines' ids: the rules' tag and each command's trigger. */
export function sshProbeDigest(targets: Map<string, SshProbeTarget[]>, iface: string, machineIds: readonly string[]): string {
    const sorted = [...targets.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return createHash("sha256")
        .update(JSON.stringify({ targets: sorted, iface, machineIds }))
        .digest("hex")
        .slice(0, 12);
}

/** A host's probe (see the file's comment). Run where the program runs, with the key in SSH_KEY_ENV. */
export function renderSshProbeScript(p: {
    tag: string;
    host: string;
    self: SshEndpoint;
    iface: string;
    targets: readonly SshProbeTarget[];
    waitSeconds?: number;
}): string {
    return [
        ...bashPreamble(`docker-overlay: does the underlay carry what ${p.host} must reach? (over ssh)`, "lib/probe/ssh.ts"),
        assign("TAG", p.tag),
        assign("SELF", p.host),
        assign("SELF_SSH", `${p.self.user}@${p.self.host}`),
        assign("SELF_PORT", p.self.port),
        assign("SELF_HOSTKEY", p.self.hostKey ?? ""),
        assign("IFACE", p.iface),
        assign("WAIT_SECONDS", p.waitSeconds ?? PROBE_WAIT_SECONDS),
        ...assignColumns(p.targets, {
            T_NAME: (t) => t.name,
            T_SSH: (t) => (t.ssh !== undefined ? `${t.ssh.user}@${t.ssh.host}` : ""),
            T_SSHPORT: (t) => (t.ssh !== undefined ? String(t.ssh.port) : ""),
            T_HOSTKEY: (t) => t.ssh?.hostKey ?? "",
            T_ADDR: (t) => t.address ?? "",
            T_PROTO: (t) => t.protocol,
            T_PORT: (t) => String(t.port),
        }),
        assign("PROBE_SH", scriptFragment(SH_DIR, "underlay-probe.sh")),
        scriptFragment(SH_DIR, "ssh-session.sh"),
        scriptFragment(SH_DIR, "probe-from-ssh.sh"),
        "",
    ].join("\n");
}

/** A command run on one host over ssh, as the probe logs in (its key in SSH_KEY_ENV): `npm run diagnose`'s overlay views. */
export function renderSshRunScript(p: { self: SshEndpoint; argv: readonly string[] }): string {
    return [
        ...bashPreamble("docker-overlay: one command on a host over ssh", "lib/probe/ssh.ts"),
        assign("SELF_SSH", `${p.self.user}@${p.self.host}`),
        assign("SELF_PORT", p.self.port),
        assign("SELF_HOSTKEY", p.self.hostKey ?? ""),
        scriptFragment(SH_DIR, "ssh-session.sh"),
        `ssh_to "$SELF_SSH" "$SELF_PORT" "$SELF_HOSTKEY" ${shJoin(p.argv)}`,
        "",
    ].join("\n");
}
