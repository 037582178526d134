/**
 * `pulumi:providers:docker`: an explicit docker provider, i.e. which engine
 * the docker resources naming it are on. Nothing is created; the lab checks
 * the endpoint now and the applier keeps it by URN.
 */
import { dockerodeOptions, DockerEndpoint } from "../clients/docker";
import { assertKnownInputs } from "./dockerInputs";
import { DiffTable, never, tableDiff } from "./diff";
import { nothingToDelete, ResourceHandler } from "./handler";

export const DOCKER_PROVIDER_TYPE = "pulumi:providers:docker";

export interface DockerProviderInputs {
    host?: string;
    caMaterial?: string;
    certMaterial?: string;
    keyMaterial?: string;
}

/** The inputs the lab translates; anything else is refused. */
export const DOCKER_PROVIDER_INPUTS: readonly string[] = ["host", "caMaterial", "certMaterial", "keyMaterial", "version"];

/**
 * A docker provider's config change is an update of the provider under the same ID,
 * never a replacement (docs/provider-rules.md:117-126: the bridge's DiffConfig replaces
 * only for ForcesProviderReplace, which pulumi-docker sets on nothing; the engine's
 * registry.go:984-1013 keeps the ID): the resources using it are not replaced.
 */
export const DOCKER_PROVIDER_DIFF: DiffTable = { inputs: {}, otherwise: "update", deleteBeforeReplace: never };

export const dockerProvider: ResourceHandler = {
    diff: (req) => tableDiff(DOCKER_PROVIDER_DIFF)(req.olds, req.news),
    types: [DOCKER_PROVIDER_TYPE],
    provider: true,
    // eslint-disable-next-line @typescript-eslint/require-await -- async so that a refused input rejects, as every handler's create does
    async create(ctx, r) {
        assertKnownInputs(DOCKER_PROVIDER_TYPE, r.urn, r.inputs, DOCKER_PROVIDER_INPUTS);
        const host = r.inputs["host"];
        if (typeof host !== "string" || host === "") {
            throw new Error(`${r.type} ${r.urn}: input "host" is not set; the lab does not fall back to DOCKER_HOST`);
        }
        dockerodeOptions(r.inputs as unknown as DockerEndpoint); // refuses unsupported schemes now, not at first use
        ctx.registerProvider(r);
        return { id: ctx.deps.newId(), state: r.inputs };
    },
    /** A config change: the same provider (same id) on the new config (docs/provider-rules.md:117-126). */
    async update(ctx, old, r) {
        return { ...(await dockerProvider.create(ctx, r)), id: old.id };
    },
    delete: nothingToDelete,
};
