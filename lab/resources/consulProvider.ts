/**
 * `pulumi:providers:consul`: an explicit consul provider, i.e. which consul
 * the consul resources and invokes naming it talk to (lab/clients/consul.ts).
 * Nothing is created; the applier keeps it by URN.
 */
import { ResourceRecord } from "../state";
import { DiffTable, never, tableDiff } from "./diff";
import { nothingToDelete, ResourceHandler } from "./handler";

export type { ConsulProviderInputs } from "../clients/consul";

export const CONSUL_PROVIDER_TYPE = "pulumi:providers:consul";

/** The inputs the lab translates; anything else is refused. */
export const CONSUL_PROVIDER_INPUTS: readonly string[] = ["address", "scheme", "token", "datacenter", "caPem", "certPem", "keyPem", "version"];

/** Throws, naming the resource and the inputs, if a consul resource carries anything the lab does not translate (`known`: the inputs it does). */
export function assertKnownConsul(r: ResourceRecord, known: readonly string[]): void {
    const unknown = Object.keys(r.inputs).filter((k) => r.inputs[k] !== undefined && !known.includes(k));
    if (unknown.length > 0) {
        throw new Error(`${r.type} ${r.urn}: the lab applier does not translate input(s) ${unknown.map((k) => `"${k}"`).join(", ")}`);
    }
}

/**
 * A consul provider's config change is an update, never a replacement
 * (docs/provider-rules.md:326-332: bridge DiffConfig; pulumi-consul provider/resources.go:55
 * sets no ForcesProviderReplace).
 */
export const CONSUL_PROVIDER_DIFF: DiffTable = { inputs: {}, otherwise: "update", deleteBeforeReplace: never };

export const consulProvider: ResourceHandler = {
    diff: (req) => tableDiff(CONSUL_PROVIDER_DIFF)(req.olds, req.news),
    types: [CONSUL_PROVIDER_TYPE],
    provider: true,
    // eslint-disable-next-line @typescript-eslint/require-await -- async so that a refused input rejects, as every handler's create does
    async create(ctx, r) {
        assertKnownConsul(r, CONSUL_PROVIDER_INPUTS);
        ctx.registerProvider(r);
        return { id: ctx.deps.newId(), state: r.inputs };
    },
    /** A config change: the same provider (same id) on the new config (docs/provider-rules.md:326-332). */
    async update(ctx, old, r) {
        return { ...(await consulProvider.create(ctx, r)), id: old.id };
    },
    delete: nothingToDelete,
};
