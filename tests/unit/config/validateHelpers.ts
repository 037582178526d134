/**
 * The dev stack of the validation tests, and the helpers each
 * validate-<section>.test.ts uses: a copy of it with an edit applied, and the
 * formatted problems validation finds in that copy.
 */
import { RawConfig } from "../../../lib/config/types";
import { formatProblem, validateConfig } from "../../../lib/config/validate";

/** The dev stack exactly as docs/architecture.md ("The dev stack") writes it. */
export const DEV_STACK = {
    driver: { kind: "netns", underlay: "10.199.0.0/24" },
    kvStore: { backend: "consul", machine: "kvstore", port: 8500 },
    engine: { mode: "cluster-store", advertiseInterface: "eth1", apiPort: 2376 },
    hosts: [{ name: "swarm-manager", role: "manager" }, { name: "swarm-node1", labels: { storage: "ssd" } }, { name: "swarm-node2" }],
    networks: [{ name: "net1", subnet: "10.0.0.0/24", gateway: "10.0.0.1", ipRange: "10.0.0.0/25", internal: false, encrypted: false }],
    containers: [
        { name: "c1", image: "busybox", command: ["top"], networks: ["net1"], constraints: ["node==swarm-node2"] },
        { name: "c2", image: "busybox", command: ["top"], networks: ["net1"], constraints: ["node==swarm-node1"] },
    ],
};

/** An edit of a raw stack config: tests set any key at any depth, often to a wrongly typed value, to make it invalid. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the edits write deliberately ill-typed config; no type short of any admits them
export type Edit = (raw: any) => void;

export function devWith(edit: Edit): RawConfig {
    const raw = structuredClone(DEV_STACK);
    edit(raw);
    return raw;
}

/** The formatted problems of the dev stack with `edit` applied. */
export function problems(edit: Edit): string[] {
    return validateConfig(devWith(edit), "dev").map(formatProblem);
}

export const P = "docker-overlay:";
