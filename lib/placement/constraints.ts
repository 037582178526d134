/**
 * Classic swarm placement constraints, the subset this version supports:
 *
 *   node==<host name>   node!=<host name>   <label>==<value>   <label>!=<value>
 *
 * optionally written in the seed's environment form `constraint:node==swarm-node2`.
 * Values are exact, case-sensitive strings. Classic swarm also understood
 * globs (`*`), regular expressions (`/.../`) and soft constraints (`==~`);
 * those are rejected rather than compared literally, so a constraint never
 * silently means something other than what its author expected.
 *
 * As in classic swarm, `<label>!=<value>` is satisfied by a host that does not
 * have the label at all.
 */

/** The prefix of the seed's `-e constraint:node==...` form. */
export const CONSTRAINT_PREFIX = "constraint:";

/** The key that matches a host's name rather than one of its labels. */
export const NODE_KEY = "node";

export type ConstraintOperator = "==" | "!=";

export interface Constraint {
    key: string;
    operator: ConstraintOperator;
    value: string;
}

export type ConstraintParse = { ok: true; constraint: Constraint } | { ok: false; reason: string };

/** A constraint key: what classic swarm accepted (a letter or `_`, then letters, digits, `_`, `.`, `-`). */
export const CONSTRAINT_KEY = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

/** The host facts a constraint is matched against. */
export interface ConstraintTarget {
    name: string;
    labels: Readonly<Record<string, string>>;
}

/** `constraint:node==x` -> `node==x`; anything else is returned unchanged. */
export function stripConstraintPrefix(text: string): string {
    return text.startsWith(CONSTRAINT_PREFIX) ? text.slice(CONSTRAINT_PREFIX.length) : text;
}

/**
 * Parses one constraint. `reason` completes a sentence about the quoted input,
 * e.g. `"node=x" is not a constraint: ...`.
 */
export function parseConstraint(text: string): ConstraintParse {
    const quoted = JSON.stringify(text);
    const body = stripConstraintPrefix(text);
    const fail = (why: string): ConstraintParse => ({ ok: false, reason: `${quoted} is not a supported constraint: ${why}` });
    if (body.trim() === "") {
        return fail("it is empty; write <key>==<value> or <key>!=<value>, e.g. node==swarm-node1");
    }
    if (body.includes("~=") || body.includes("=~")) {
        return fail("soft constraints and the ~ operators are not supported; use == or != with an exact value");
    }
    const eq = body.indexOf("==");
    const ne = body.indexOf("!=");
    const at = eq < 0 ? ne : ne < 0 ? eq : Math.min(eq, ne);
    if (at < 0) {
        const single = body.indexOf("=");
        if (single > 0) {
            return fail(`compare with == or !=, e.g. ${body.slice(0, single)}==${body.slice(single + 1)}`);
        }
        return fail("expected <key>==<value> or <key>!=<value>, e.g. node==swarm-node1");
    }
    const operator = body.slice(at, at + 2) as ConstraintOperator;
    const key = body.slice(0, at);
    const value = body.slice(at + 2);
    if (key !== key.trim() || value !== value.trim()) {
        return fail(`remove the spaces around ${operator}: ${key.trim()}${operator}${value.trim()}`);
    }
    if (key === "") {
        return fail(`the key before ${operator} is missing; use node or a host label, e.g. node${operator}${value}`);
    }
    if (!CONSTRAINT_KEY.test(key)) {
        return fail(`the key ${JSON.stringify(key)} must start with a letter or _ and contain only letters, digits, _, . and -`);
    }
    if (value === "") {
        return fail(`the value after ${operator} is missing, e.g. ${key}${operator}<value>`);
    }
    if (/^[=!]/.test(value) || value.includes("==") || value.includes("!=")) {
        return fail(`it has more than one operator; write exactly one == or != between key and value`);
    }
    if (value.length >= 2 && value.startsWith("/") && value.endsWith("/")) {
        return fail("regular expressions are not supported in this version; give the exact value");
    }
    if (value.includes("*")) {
        return fail("globs (*) are not supported in this version; give the exact value");
    }
    if (/\s/.test(value)) {
        return fail("the value contains whitespace; constraint values are exact strings without spaces");
    }
    return { ok: true, constraint: { key, operator, value } };
}

/** `node==swarm-node1` (without the `constraint:` prefix). */
export function formatConstraint(c: Constraint): string {
    return `${c.key}${c.operator}${c.value}`;
}

/** Whether `host` satisfies `c`. A `!=` on a label the host lacks is satisfied (classic swarm semantics). */
export function satisfies(host: ConstraintTarget, c: Constraint): boolean {
    const actual = c.key === NODE_KEY ? host.name : Object.prototype.hasOwnProperty.call(host.labels, c.key) ? host.labels[c.key] : undefined;
    const equal = actual === c.value;
    return c.operator === "==" ? equal : !equal;
}

/** Whether `host` satisfies every constraint in `cs` (an empty list is satisfied by every host). */
export function satisfiesAll(host: ConstraintTarget, cs: readonly Constraint[]): boolean {
    return cs.every((c) => satisfies(host, c));
}

/**
 * A matcher over `hosts`: for a container's constraints, the hosts that satisfy them all, in
 * `hosts`' order (what `hosts.filter((h) => satisfiesAll(h, cs))` gives). A `node==<name>`
 * constraint, the usual way to pin a container, looks its host up by name instead of testing
 * every host, so matching n containers against m hosts costs about n + m rather than n x m
 * (3,000 containers on 300 hosts: 900,000 tests, twice, in validation and placement).
 * `hosts` must not change while the matcher is used.
 */
export function hostMatcher<T extends ConstraintTarget>(hosts: readonly T[]): (cs: readonly Constraint[]) => T[] {
    const byName = new Map<string, T[]>();
    for (const h of hosts) {
        const same = byName.get(h.name);
        if (same === undefined) {
            byName.set(h.name, [h]);
        } else {
            same.push(h);
        }
    }
    return (cs) => {
        const pinned = cs.find((c) => c.key === NODE_KEY && c.operator === "==");
        const candidates = pinned === undefined ? hosts : (byName.get(pinned.value) ?? []);
        return candidates.filter((h) => satisfiesAll(h, cs));
    };
}
