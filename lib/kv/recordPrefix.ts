/**
 * Where the program may keep its cluster record in consul.
 *
 * The consul provider's KeyPrefix owns everything under its prefix: Create
 * refuses a prefix that already has keys, Read records every key under it,
 * foreign ones included, the next update deletes the recorded keys the program
 * no longer lists, and Delete removes the whole prefix (TC
 * `consul/resource_consul_key_prefix.go:124-136`, `:206-216`, `:273-325`,
 * `:327-342`; docs/provider-rules.md 3.6). Two stacks with the same prefix are
 * refused by consul at create; the danger is a prefix that contains keys
 * someone else writes: the engines' own tree, or another stack's record nested
 * inside it. The default, `docker-overlay/<stack>`, is one per stack (a stack
 * name has no `/`), and these rules keep a configured prefix out of both.
 *
 * Pure: no Pulumi here.
 */

import { PROJECT } from "../config/types";

/** Where Docker engines in cluster-store mode keep their state (libkv: `docker/nodes/`, `docker/network/`). */
export const ENGINE_KV_TREE = "docker";
/** Where every stack of this project records itself by default: `docker-overlay/<stack>`. */
export const RECORD_TREE = PROJECT;

/** `a/` and `b/` overlap when either key path lies inside (or is) the other. */
function overlaps(a: string, b: string): boolean {
    return `${a}/`.startsWith(`${b}/`) || `${b}/`.startsWith(`${a}/`);
}

/**
 * What is wrong with a well-formed record prefix (no leading or trailing `/`),
 * as a validation message, or undefined when the prefix is safe.
 */
export function recordPrefixProblem(prefix: string): string | undefined {
    const owns = "the consul provider owns every key under its prefix and deletes those it did not write";
    if (overlaps(prefix, ENGINE_KV_TREE)) {
        return `${JSON.stringify(prefix)} overlaps ${ENGINE_KV_TREE}/, where the engines keep the cluster store's state, and ${owns}; choose a prefix outside it, e.g. ${RECORD_TREE}/dev`;
    }
    if (prefix === RECORD_TREE) {
        return `${JSON.stringify(prefix)} contains ${RECORD_TREE}/<stack>, where every stack records itself by default, and ${owns}; add the stack's name, e.g. ${RECORD_TREE}/dev`;
    }
    if (prefix.startsWith(`${RECORD_TREE}/`) && prefix.slice(RECORD_TREE.length + 1).includes("/")) {
        const stack = prefix.slice(RECORD_TREE.length + 1).split("/")[0];
        return `${JSON.stringify(prefix)} lies inside ${RECORD_TREE}/${stack}, stack ${stack}'s default record, and ${owns}; use one level below ${RECORD_TREE}/, e.g. ${RECORD_TREE}/dev`;
    }
    return undefined;
}
