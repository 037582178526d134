/**
 * The underlay probed before the cluster forms (issue #11 item 3): the pure
 * part. The probes (lib/plan/probes.ts: directed host pairs and the
 * port/protocol the mode needs) are grouped into commands by `probeOwners`
 * (each pair belongs to the later of its two hosts), and each command's script
 * (lib/probe/sh/probe-pairs.sh), run on the machine running the program:
 *
 *  - sets its own counting rules (its tag) at each target machine, one per
 *    expected (source, protocol, port), fresh counters; nothing has to listen:
 *    a rule counts what arrived (underlay-probe.sh says why);
 *  - sends from each source to each target and reads the targets' counters, until
 *    each pair arrived or WAIT seconds passed; else fails naming each pair:
 *    `swarm-node1 -> swarm-node2 udp/4789: no answer`;
 *  - removes its rules from every target again, passed or failed, so it needs no
 *    delete and leaves nothing behind.
 *
 * It reaches the machines through a transport: netns (nsenter into each
 * machine's namespace, addresses from the plan; probe-netns.sh), ssh (each
 * host logged in to with the driver's key, addresses read from its advertise
 * interface; probe-ssh.sh, ssh-session.sh), docker (dind: `docker exec` into
 * each machine's container through the local Docker, addresses from the plan;
 * probe-docker.sh) or docker-machine (`docker-machine ssh` into each VM,
 * addresses read there or from `docker-machine ip`; probe-docker-machine.sh).
 *
 * Why the sender's command decides (not a target waiting for datagrams): a
 * failed `up` records the commands that passed, so the next `up` re-runs only
 * the failed ones; a target waiting would wait for peers whose commands passed
 * and are not run again.
 *
 * Every value goes into the script's header (assign), so the text is
 * deterministic; the probe script itself is inlined (PROBE_SH), so nothing of
 * the repository is read when it runs.
 */
import { createHash } from "crypto";
import * as path from "path";
import { ClusterConfig } from "../config/types";
import { kvMachineName } from "../plan/cluster";
import { Probe } from "../plan/probes";
import { renderDockerCliPrelude } from "../render/dockerCli";
import { assign, assignColumns, bashPreamble, scriptFragment } from "../render/script";
import { SshEndpoint } from "./ssh";

const SH_DIR = path.join(__dirname, "sh");

/** The probe script's file (lab/diagnose.ts runs it with arguments). */
export const UNDERLAY_PROBE_SCRIPT = path.join(SH_DIR, "underlay-probe.sh");
/** Seconds a probe command sends and waits before it names what did not arrive. */
export const PROBE_WAIT_SECONDS = 10;
/**
 * The same through `docker exec` (dind): a round costs about 5 s there, not a fraction of one
 * (measured in the lab: 0.3 s per exec, the targets' rules set and read one after another, and
 * nc's 1 s wait for a reply to each datagram), so 10 s left room for one or two rounds, and one
 * slow round named pairs that had nothing wrong (CI, 2026-12-02: swarm-node1's six pairs).
 */
export const DOCKER_PROBE_WAIT_SECONDS = 30;
/**
 * The same through `docker-machine ssh`: every call is a docker-machine process that asks the
 * machine's driver for its state first (docker/machine `commands/ssh.go` cmdSSH: GetState, a
 * VBoxManage call on virtualbox) and then a new ssh connection (`ControlMaster=no`,
 * `libmachine/ssh/client.go` baseSSHArgs), so a round costs seconds, as through `docker exec`.
 * This machine has no docker-machine (Debian does not package it); over the ssh lab's machines
 * with its ssh argv (tests/lab/ssh.test.ts) a passing command of 7 probes took 4.2 s, without the state check.
 */
export const DOCKER_MACHINE_PROBE_WAIT_SECONDS = 30;

/** Where a machine of a probe is reached: its namespace (netns), its ssh login, or neither (an existing store: a tcp connect). */
export interface ProbeMachine {
    name: string;
    /** The underlay address; undefined on ssh hosts (read on the host). */
    address?: string;
    /** netns: the machine's network namespace (a path for `nsenter --net=`). */
    namespace?: string;
    /** ssh: how the program's machine logs in to it. */
    ssh?: SshEndpoint;
    /** docker: its container on the local Docker (privileged, with iptables: a dind engine machine). */
    container?: string;
    /**
     * docker-machine: the machine's name there. Its address is read at run time: `docker-machine ip`,
     * or, with `iface` (an engine in cluster-store mode: its cluster-advertise interface), that interface's.
     * `connectOnly`: no counting rules there, a tcp connect from each source instead (the KV machine:
     * its store is a container published with `-p`, whose connections Docker's DNAT forwards past
     * INPUT, libnetwork `iptables/iptables.go:284-318` Forward).
     */
    dockerMachine?: { name: string; iface?: string; connectOnly?: true };
}

/** A name of an ssh stack's probe: reached by its ssh login, or (no host of the stack: an existing store) by its address. */
export function sshProbeMachine(name: string, ssh: SshEndpoint | undefined): ProbeMachine {
    return ssh !== undefined ? { name, ssh } : { name, address: name };
}

/**
 * A name of a docker-machine stack's probe: a host's engine machine (its address read from
 * `engineInterface`, the interface it advertises, where there is one; else `docker-machine ip`),
 * the KV machine (its `docker-machine ip`, and a connect instead of rules: ProbeMachine.dockerMachine
 * says why), or no machine of the stack (an existing store) by its address.
 */
export function dockerMachineProbeMachine(config: ClusterConfig, name: string, engineInterface: string | undefined): ProbeMachine {
    if (config.hosts.some((h) => h.name === name)) {
        return { name, dockerMachine: { name, ...(engineInterface !== undefined ? { iface: engineInterface } : {}) } };
    }
    return name === kvMachineName(config) ? { name, dockerMachine: { name, connectOnly: true } } : { name, address: name };
}

/** A probe command's machines and pairs (indexes into `machines`). */
export interface ProbeTables {
    machines: ProbeMachine[];
    pairs: { from: number; to: number; protocol: Probe["protocol"]; port: number }[];
}

/** The probes as tables: `place` says where each name named by a probe is reached. */
export function probeTables(probes: readonly Probe[], place: (name: string) => ProbeMachine): ProbeTables {
    const machines: ProbeMachine[] = [];
    const index = new Map<string, number>();
    const at = (name: string): number => {
        let i = index.get(name);
        if (i === undefined) {
            i = machines.push({ ...place(name), name }) - 1;
            index.set(name, i);
        }
        return i;
    };
    const pairs = probes.map((p) => ({ from: at(p.from), to: at(p.to), protocol: p.protocol, port: p.port }));
    return { machines, pairs };
}

/** How the program's machine reaches the probe's machines. */
export type ProbeTransport =
    | { kind: "netns" }
    | { kind: "ssh"; /** engine.advertiseInterface: a host's underlay address is this interface's */ iface: string }
    | { kind: "docker"; /** the local Docker the machines' containers run on (dind's localDockerHost) */ host: string }
    | { kind: "docker-machine" };

/**
 * A probe command's script (see the file's comment). `tag` names its counting
 * rules (space-free; only this command's rules carry it); `what` says whose pairs
 * in its success line. ssh: run with the private key in SSH_KEY_ENV (lib/probe/ssh.ts).
 */
export function renderProbeScript(p: { tag: string; what: string; transport: ProbeTransport; tables: ProbeTables; waitSeconds?: number }): string {
    const { machines, pairs } = p.tables;
    // ssh hosts and docker-machine machines have their addresses read on them; every other machine needs one.
    const readOnIt = (m: ProbeMachine) =>
        (p.transport.kind === "ssh" && m.ssh !== undefined) || (p.transport.kind === "docker-machine" && m.dockerMachine !== undefined);
    for (const m of machines) {
        if (!readOnIt(m) && m.address === undefined) {
            throw new Error(`underlay probe: no underlay address for "${m.name}"`);
        }
    }
    const ssh = p.transport.kind === "ssh";
    const transport: Record<string, (m: ProbeMachine) => string> =
        p.transport.kind === "ssh"
            ? {
                  M_SSH: (m: ProbeMachine) => (m.ssh !== undefined ? `${m.ssh.user}@${m.ssh.host}` : ""),
                  M_SSHPORT: (m: ProbeMachine) => (m.ssh !== undefined ? String(m.ssh.port) : ""),
                  M_HOSTKEY: (m: ProbeMachine) => m.ssh?.hostKey ?? "",
              }
            : p.transport.kind === "docker"
              ? { M_CTR: (m: ProbeMachine) => m.container ?? "" }
              : p.transport.kind === "docker-machine"
                ? {
                      M_DM: (m: ProbeMachine) => m.dockerMachine?.name ?? "",
                      M_IFACE: (m: ProbeMachine) => m.dockerMachine?.iface ?? "",
                      M_RULES: (m: ProbeMachine) => (m.dockerMachine !== undefined && m.dockerMachine.connectOnly !== true ? "1" : ""),
                  }
                : { M_NS: (m: ProbeMachine) => m.namespace ?? "" };
    const fragments: Record<ProbeTransport["kind"], string[]> = {
        netns: [scriptFragment(SH_DIR, "probe-netns.sh")],
        ssh: [scriptFragment(SH_DIR, "ssh-session.sh"), scriptFragment(SH_DIR, "probe-ssh.sh")],
        docker: [...renderDockerCliPrelude({ cli: "docker" }), scriptFragment(SH_DIR, "probe-docker.sh")],
        "docker-machine": [scriptFragment(SH_DIR, "probe-docker-machine.sh")],
    };
    const waitSeconds: Record<ProbeTransport["kind"], number> = {
        netns: PROBE_WAIT_SECONDS,
        ssh: PROBE_WAIT_SECONDS,
        docker: DOCKER_PROBE_WAIT_SECONDS,
        "docker-machine": DOCKER_MACHINE_PROBE_WAIT_SECONDS,
    };
    return [
        ...bashPreamble(`docker-overlay: does the underlay carry ${p.what}?${ssh ? " (over ssh)" : ""}`, "lib/probe/underlay.ts"),
        assign("TAG", p.tag),
        assign("WHAT", p.what),
        ...(p.transport.kind === "ssh" ? [assign("IFACE", p.transport.iface)] : []),
        ...(p.transport.kind === "docker" ? [assign("LOCAL_DOCKER", p.transport.host)] : []),
        assign("WAIT_SECONDS", p.waitSeconds ?? waitSeconds[p.transport.kind]),
        ...assignColumns(machines, {
            M_NAME: (m) => m.name,
            // ssh hosts' and docker-machine machines' addresses are read on them; any other keeps its given one.
            M_ADDR: (m) => (readOnIt(m) ? "" : (m.address ?? "")),
            ...transport,
        }),
        ...assignColumns(pairs, {
            P_FROM: (x) => String(x.from),
            P_TO: (x) => String(x.to),
            P_PROTO: (x) => x.protocol,
            P_PORT: (x) => String(x.port),
        }),
        assign("PROBE_SH", scriptFragment(SH_DIR, "underlay-probe.sh")),
        ...fragments[p.transport.kind],
        scriptFragment(SH_DIR, "probe-pairs.sh"),
        "",
    ].join("\n");
}

/**
 * A digest of what a probe command probes, over which places: its trigger with
 * its machines' ids, so a change of its pairs runs it again (known in a preview,
 * where a new machine's id is not), and a no-op `up` runs nothing.
 */
export function probeTablesDigest(tables: ProbeTables, transport: ProbeTransport): string {
    return createHash("sha256").update(JSON.stringify({ tables, transport })).digest("hex").slice(0, 12);
}
