/**
 * Plan-time placement of containers on hosts, the way classic swarm's
 * scheduler did it with the `spread` strategy, so a preview shows where each
 * container lands:
 *
 * 1. containers are placed one by one, in config order;
 * 2. a container's eligible hosts satisfy ALL of its constraints;
 * 3. among those, the host with the fewest containers placed so far wins,
 *    ties going to the host whose name sorts first (plain code-point order,
 *    independent of locale and of the order hosts are listed in).
 *
 * Every host is eligible, whatever its role: in the seed all hosts are engines,
 * except, for a container on an overlay, a swarm node whose availability is
 * `pause` or `drain`: swarm schedules no new task there, and a container's
 * attachment to a swarm overlay is a task (measured: `attaching to network
 * failed ... context deadline exceeded` after 20 s on a paused node). A drained
 * host's containers therefore move to another host, as drain asks.
 *
 * A running stack keeps its placements, as classic swarm did: a container is
 * scheduled once and stays where it runs. Given the placements the stack has
 * now (`previous`, the stack's `placements` output), a container whose host is
 * still eligible for it stays there, counted before anything is placed; only
 * the others (new ones, those whose host left or no longer fits their
 * constraints) are spread, in config order, around them, and never onto a host
 * marked lost (`hosts[].lost`): a container the stack has there stays recorded
 * there until the host is removed, and one it does not have there whose
 * constraints fit only lost hosts is a problem (nothing can be created on a
 * lost host; found at plan time, nothing else is created). Spread afresh from the
 * config alone, adding a third host to two hosts with four containers would move
 * two of them (a, b, a, b becomes a, b, c, a), and every move replaces a
 * running container. With no `previous` (a new stack) the two are the same.
 */
import { HostAvailability } from "../config/types";
import { Constraint, ConstraintTarget, formatConstraint, hostMatcher, parseConstraint, satisfies } from "./constraints";

export interface PlacementContainer {
    name: string;
    /** Constraint strings, with or without the `constraint:` prefix. */
    constraints: readonly string[];
    /** The overlays it joins: on a swarm node each is a task, which a paused or drained node does not take. */
    networks?: readonly unknown[];
}

/** A host as placement sees it: its name, labels, (swarm mode) availability and whether it is lost. */
export interface PlacementHost extends ConstraintTarget {
    availability?: HostAvailability;
    /** `hosts[].lost`: the machine is gone for good; what it holds stays recorded there, nothing new goes there. */
    lost?: true;
}

/** Whether swarm starts new tasks on the host (unset: as swarm has it, active). */
function takesNewTasks(h: PlacementHost): boolean {
    return h.availability === undefined || h.availability === "active";
}

export interface PlacementProblem {
    container: string;
    /** Index of the container in the list given to `placeContainers`. */
    index: number;
    /** Index of the offending constraint, when one constraint is the problem (it does not parse). */
    constraint?: number;
    message: string;
}

export interface PlacementResult {
    /** Container name -> host name, for every container that could be placed. */
    placements: Record<string, string>;
    problems: PlacementProblem[];
}

/**
 * @param previous container name -> host, as the running stack has them (its `placements`
 * output, empty for a stack never updated); a container keeps its host while that host is
 * eligible for it. Undefined where they are not known (validation): then a container that
 * only lost hosts fit is placed on one, since it may be there already.
 */
export function placeContainers(
    hosts: readonly PlacementHost[],
    containers: readonly PlacementContainer[],
    previous?: Readonly<Record<string, string>>,
): PlacementResult {
    const problems: PlacementProblem[] = [];
    const load = new Map<string, number>(hosts.map((h) => [h.name, 0]));
    // Name order once; the spread choice then never depends on how hosts were listed.
    const byName = [...hosts].sort((a, b) => compareNames(a.name, b.name));
    const matchingOf = hostMatcher(byName);

    // Each container's eligible hosts (by name), or undefined once a problem is reported.
    const eligibleOf = containers.map((container, index) => {
        const parsed: Constraint[] = [];
        let unparsable = false;
        container.constraints.forEach((text, constraint) => {
            const result = parseConstraint(text);
            if (result.ok) {
                parsed.push(result.constraint);
            } else {
                unparsable = true;
                problems.push({ container: container.name, index, constraint, message: result.reason });
            }
        });
        if (unparsable) {
            return undefined;
        }
        if (hosts.length === 0) {
            problems.push({ container: container.name, index, message: "there are no hosts to place it on" });
            return undefined;
        }
        const matching = matchingOf(parsed);
        if (matching.length === 0) {
            problems.push({ container: container.name, index, message: unsatisfiableMessage(hosts, parsed) });
            return undefined;
        }
        const onOverlay = (container.networks ?? []).length > 0;
        const closed = onOverlay ? noNewTaskMessage(matching) : undefined;
        if (closed !== undefined) {
            problems.push({ container: container.name, index, message: closed });
            return undefined;
        }
        return onOverlay ? matching.filter(takesNewTasks) : matching;
    });

    // Those that stay where the running stack has them, first, so the rest spread around them.
    const kept = new Map<number, string>();
    eligibleOf.forEach((eligible, index) => {
        const host =
            previous !== undefined && Object.prototype.hasOwnProperty.call(previous, containers[index].name) ? previous[containers[index].name] : undefined;
        if (eligible !== undefined && host !== undefined && eligible.some((h) => h.name === host)) {
            kept.set(index, host);
            load.set(host, (load.get(host) ?? 0) + 1);
        }
    });
    const placements: Record<string, string> = {};
    eligibleOf.forEach((eligible, index) => {
        if (eligible === undefined) {
            return;
        }
        let chosen = kept.get(index);
        if (chosen === undefined) {
            // Never onto a lost host: nothing answers there, and an `up` that creates anything on
            // it fails. Where the placements are not known (validation), one that only lost hosts
            // fit may be there already: placed there.
            const open = eligible.filter((h) => h.lost !== true);
            if (open.length === 0 && previous !== undefined) {
                problems.push({ container: containers[index].name, index, message: onlyLostMessage(eligible) });
                return;
            }
            const candidates = open.length > 0 ? open : eligible;
            chosen = candidates[0].name;
            for (const h of candidates) {
                if ((load.get(h.name) ?? 0) < (load.get(chosen) ?? 0)) {
                    chosen = h.name;
                }
            }
            load.set(chosen, (load.get(chosen) ?? 0) + 1);
        }
        placements[containers[index].name] = chosen;
    });
    return { placements, problems };
}

/**
 * For a container on an overlay whose constraints match only hosts that take no
 * new swarm task (availability pause or drain): why it cannot be placed.
 */
export function noNewTaskMessage(matching: readonly PlacementHost[]): string | undefined {
    if (matching.length === 0 || matching.some(takesNewTasks)) {
        return undefined;
    }
    const closed = matching.map((h) => `${h.name}: availability ${h.availability ?? "active"}`).join(", ");
    return `these constraints match only hosts where swarm starts no new task (${closed}), and the container's overlay attachment is such a task: set their availability to active, or relax a constraint`;
}

/**
 * For a container the running stack does not have on a lost host, whose constraints match
 * only lost hosts: why it cannot be placed.
 */
export function onlyLostMessage(matching: readonly PlacementHost[]): string {
    const lost = matching.map((h) => h.name).join(", ");
    return `these constraints match only hosts marked lost (${lost}), where nothing new can be created, and the stack does not run the container there: relax a constraint, remove the container, or bring a host back and remove its lost`;
}

/**
 * Why no host fits: each host (in the order given) with the constraints it
 * fails, so the user sees which constraint to relax or which label to add.
 */
export function unsatisfiableMessage(hosts: readonly ConstraintTarget[], constraints: readonly Constraint[]): string {
    const all = constraints.map(formatConstraint).join(", ");
    const reasons = hosts.map(
        (h) =>
            `${h.name} fails ${constraints
                .filter((c) => !satisfies(h, c))
                .map(formatConstraint)
                .join(", ")}`,
    );
    return `no host satisfies all of [${all}] (${reasons.join("; ")}); relax a constraint or give a host the labels it needs`;
}

/** Code-point order, the same on every machine. */
function compareNames(a: string, b: string): number {
    return a < b ? -1 : a > b ? 1 : 0;
}
