/**
 * The underlay probed before the cluster forms (issue #11 item 3): the pure
 * part. From the probe plan (lib/plan/probes.ts: every directed host pair and
 * port/protocol the mode needs), two kinds of script, their shell in
 * lib/probe/sh/:
 *
 *  - watch (one per participating machine: every host, and the KV machine the
 *    driver makes): run inside the machine's network namespace, it replaces the
 *    stack's counting rules there with one per expected (source, protocol,
 *    port); its delete removes them. Nothing has to listen: the rule counts what
 *    arrived (underlay-probe.sh says why).
 *  - from (one per host, after every watch exists): sends from the host's
 *    namespace to each target it must reach and reads the target's counter, until
 *    each counted it or WAIT seconds passed; else it fails naming each pair:
 *    `swarm-node1 -> swarm-node2 udp/4789: no answer`.
 *
 * Why the sender, not the target, decides (the suggested design had each host
 * wait for its own counters): a failed `up` records the probes that passed, so
 * the next `up` re-runs only the failed ones. A target waiting for datagrams
 * would wait for peers whose probes passed and are not run again, and fail
 * again after the underlay was fixed; a sender that failed sends again and reads
 * its targets' counters, which stay until the watch commands run again. On
 * netns the program's machine reaches every namespace, so the sender can read
 * them.
 *
 * Every value goes into the script's header (assign), so the text is
 * deterministic; the probe script itself is inlined (PROBE_SH), so nothing of
 * the repository is read when it runs.
 */
import { createHash } from "crypto";
import * as path from "path";
import { Probe } from "../plan/probes";
import { assign, assignColumns, bashPreamble, scriptFragment } from "../render/script";
import { shJoin } from "../render/shell";

const SH_DIR = path.join(__dirname, "sh");

/** The probe script's file (lab/diagnose.ts runs it with arguments). */
export const UNDERLAY_PROBE_SCRIPT = path.join(SH_DIR, "underlay-probe.sh");
/** Seconds a host's probe sends and waits before it names what did not arrive. */
export const PROBE_WAIT_SECONDS = 10;

/** One counting rule: what a machine expects to arrive. */
export interface ProbeWatch {
    /** The sender's underlay address. */
    source: string;
    protocol: Probe["protocol"];
    port: number;
}

/** One thing a host sends to, and whose arrival it checks. */
export interface ProbeTarget {
    name: string;
    address: string;
    /** The target's network namespace (a path for `nsenter --net=`); undefined for an existing KV store (a plain tcp connect). */
    namespace?: string;
    protocol: Probe["protocol"];
    port: number;
}

/** A target with the tag of its watch's rules (machineProbeTag), as a host's probe reads them. */
export interface TaggedProbeTarget extends ProbeTarget {
    /** Empty for a target without a namespace. */
    tag: string;
}

export interface ProbeRound {
    /** Machine name -> the counting rules it needs (machines that expect nothing are left out). */
    watches: Map<string, ProbeWatch[]>;
    /** Host name -> what it must reach (hosts that reach nothing are left out). */
    targets: Map<string, ProbeTarget[]>;
}

/**
 * The probe plan as watches and targets. `address` gives every machine's
 * underlay address (a name it does not know is an existing store's host, taken
 * as the address); `namespace` a machine's namespace, undefined for what is no
 * machine of the stack.
 */
export function probeRound(
    probes: readonly Probe[],
    address: (name: string) => string | undefined,
    namespace: (name: string) => string | undefined,
): ProbeRound {
    const watches = new Map<string, ProbeWatch[]>();
    const targets = new Map<string, ProbeTarget[]>();
    for (const p of probes) {
        const from = address(p.from);
        if (from === undefined) {
            throw new Error(`underlay probe: no underlay address for host "${p.from}"`);
        }
        const ns = namespace(p.to);
        const to = address(p.to) ?? p.to;
        if (ns !== undefined) {
            appendTo(watches, p.to, { source: from, protocol: p.protocol, port: p.port });
        }
        appendTo(targets, p.from, { name: p.to, address: to, ...(ns !== undefined ? { namespace: ns } : {}), protocol: p.protocol, port: p.port });
    }
    return { watches, targets };
}

/** Appends to the list under `key` in place (a copy per append made the round quadratic in each host's targets). */
export function appendTo<K, V>(map: Map<K, V[]>, key: K, value: V): void {
    const list = map.get(key);
    if (list === undefined) {
        map.set(key, [value]);
    } else {
        list.push(value);
    }
}

/**
 * A machine's watch: create replaces the stack's counting rules in its
 * namespace (fresh counters for this round), delete removes them, and
 * succeeds when the namespace is gone (the machine went first, or vanished:
 * its rules went with it). Run on the machine running the program; each
 * enters the namespace itself (`nsenter --net`, as the netns driver does).
 */
export function renderProbeWatchScripts(p: { tag: string; machine: string; address: string; namespace: string; watches: readonly ProbeWatch[] }): {
    create: string;
    delete: string;
} {
    const head = (title: string) => [
        ...bashPreamble(title, "lib/probe/underlay.ts"),
        assign("NS", p.namespace),
        assign("PROBE_SH", scriptFragment(SH_DIR, "underlay-probe.sh")),
    ];
    const probe = (args: readonly string[]) => `exec nsenter --net="$NS" bash -c "$PROBE_SH" underlay-probe ${shJoin(args)}`;
    return {
        create: [
            ...head(`docker-overlay: counting rules for the underlay probe into ${p.machine}`),
            probe(["watch-reset", p.tag, p.address, ...p.watches.flatMap((w) => [w.source, w.protocol, String(w.port)])]),
            "",
        ].join("\n"),
        delete: [
            ...head(`docker-overlay: remove the underlay probe's counting rules from ${p.machine}`),
            '[ -e "$NS" ] || exit 0',
            probe(["watch-clear", p.tag]),
            "",
        ].join("\n"),
    };
}

/** A host's probe (run on the machine running the program, as root): see the file's comment. */
export function renderProbeFromScript(p: {
    host: string;
    address: string;
    namespace: string;
    targets: readonly TaggedProbeTarget[];
    waitSeconds?: number;
}): string {
    return [
        ...bashPreamble(`docker-overlay: does the underlay carry what ${p.host} must reach?`, "lib/probe/underlay.ts"),
        assign("SELF", p.host),
        assign("SELF_ADDR", p.address),
        assign("SELF_NS", p.namespace),
        assign("WAIT_SECONDS", p.waitSeconds ?? PROBE_WAIT_SECONDS),
        ...assignColumns(p.targets, {
            T_NAME: (t) => t.name,
            T_ADDR: (t) => t.address,
            T_NS: (t) => t.namespace ?? "",
            T_TAG: (t) => t.tag,
            T_PROTO: (t) => t.protocol,
            T_PORT: (t) => String(t.port),
        }),
        assign("PROBE_SH", scriptFragment(SH_DIR, "underlay-probe.sh")),
        scriptFragment(SH_DIR, "probe-from.sh"),
        "",
    ].join("\n");
}

/**
 * A digest of the whole round: what is probed (a host added or removed, a role,
 * a port), and the given machines' ids. Any change of what is probed runs the
 * whole round again under new tags; a no-op `up` runs nothing.
 */
export function probeRoundDigest(round: ProbeRound, machineIds: readonly string[]): string {
    const sorted = <T>(m: Map<string, T>) => [...m.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return createHash("sha256")
        .update(JSON.stringify({ watches: sorted(round.watches), targets: sorted(round.targets), machineIds }))
        .digest("hex")
        .slice(0, 12);
}

/**
 * The tag of one set of counting rules: `<stack>-<digest>`. A replaced watch's
 * successor is created before the old one is deleted (create-before-delete,
 * as every command here), so the old delete must clear only its own rules: a
 * tag per round, and per machine (its id).
 */
export function probeRoundTag(stack: string, digest: string): string {
    return `${stack}-${digest}`;
}

/**
 * A machine's watch tag: the round's digest and the machine's id, so a replaced
 * machine (a new namespace, without rules) gets a new watch, and every probe that
 * reads it runs again. Only that machine's id: every id in every tag made each of
 * a 300-host plan's 600 probe commands depend on all 301 machines (2 s and 250 MB
 * of the plan, bench plan 300x10).
 */
export function machineProbeTag(stack: string, roundDigest: string, machineId: string): string {
    return probeRoundTag(stack, createHash("sha256").update(`${roundDigest} ${machineId}`).digest("hex").slice(0, 12));
}
