/**
 * `docker:index/remoteImage:RemoteImage`: an image on the engine of its
 * provider. The lab checks it is there (pulling only when asked: no registry
 * is reachable in the lab) and deletes it unless `keepLocally`.
 */
import { assertKnownInputs, onEngine } from "./dockerInputs";
import { DiffTable, never, tableDiff } from "./diff";
import { ResourceHandler } from "./handler";

export const REMOTE_IMAGE_TYPE = "docker:index/remoteImage:RemoteImage";

export interface RemoteImageInputs {
    name?: string;
    keepLocally?: boolean;
    forceRemove?: boolean;
    pullTriggers?: string[];
    triggers?: Record<string, string>;
}

/** The inputs the lab translates; anything else is refused. */
export const REMOTE_IMAGE_INPUTS: readonly string[] = ["name", "keepLocally", "forceRemove", "pullTriggers", "triggers"];

/**
 * What a RemoteImage input change is (docs/provider-rules.md:232-245, kreuzwerker
 * resource_docker_image.go): `name`, `pullTriggers`, `triggers`, `platform` replace
 * (:36-41, :61-68, :84-96); `keepLocally` updates (:55-59). `forceRemove` is not in
 * that table: it is Optional and not ForceNew in the same schema, so an update (an
 * assumption of the lab, not a cited row). Create-before-delete: `name` has an explicit
 * field entry, so the bridge does not auto-name it (docs/provider-rules.md:241-243).
 */
export const REMOTE_IMAGE_DIFF: DiffTable = {
    inputs: { name: "replace", pullTriggers: "replace", triggers: "replace", platform: "replace", keepLocally: "update", forceRemove: "update" },
    otherwise: "replace",
    deleteBeforeReplace: never,
};

export const remoteImage: ResourceHandler = {
    diff: (req) => tableDiff(REMOTE_IMAGE_DIFF)(req.olds, req.news),
    types: [REMOTE_IMAGE_TYPE],
    async create(ctx, r) {
        assertKnownInputs(REMOTE_IMAGE_TYPE, r.urn, r.inputs, REMOTE_IMAGE_INPUTS);
        const inputs = r.inputs as RemoteImageInputs;
        const name = inputs.name;
        if (name === undefined || name === "") {
            throw new Error(`${r.type} ${r.urn}: input "name" is not set`);
        }
        const engine = ctx.engineFor(r);
        let image = await engine.inspectImage(name);
        if (image === undefined) {
            // The provider would pull. No registry is reachable in the lab, and a pull only sends
            // the engine's DNS and HTTPS traffic out of the lab, so pulling is opt-in.
            if (process.env["DOCKER_OVERLAY_LAB_PULL"] !== "1") {
                throw new Error(
                    `${r.type} ${r.urn}: image "${name}" is not on the engine at ${engine.host}. ` +
                        `No registry is reachable in the lab: the image must be preloaded on every engine (the netns driver imports it from a rootfs tarball). ` +
                        `Set DOCKER_OVERLAY_LAB_PULL=1 to let the engine try a pull.`,
                );
            }
            try {
                await engine.pullImage(name);
            } catch (err) {
                throw new Error(
                    `${r.type} ${r.urn}: image "${name}" is not on the engine at ${engine.host}, and pulling it failed (${(err as Error).message.trim()}). ` +
                        `No registry is reachable in the lab: the image must be preloaded on every engine (the netns driver imports it from a rootfs tarball).`,
                );
            }
            image = await engine.inspectImage(name);
            if (image === undefined) {
                throw new Error(`${r.type} ${r.urn}: image "${name}" still missing on ${engine.host} after a pull`);
            }
        }
        return {
            // The provider's id for a remote image: image id followed by the name.
            id: `${image.Id}${name}`,
            state: { ...r.inputs, imageId: image.Id, repoDigest: image.RepoDigests?.[0] ?? "" },
        };
    },
    /**
     * `keepLocally`, `forceRemove` changed: the provider's Update finds the image again
     * (kreuzwerker v4.5.0 internal/provider/resource_docker_image_funcs.go:134-142), as create does here.
     */
    async update(ctx, _old, r) {
        return remoteImage.create(ctx, r);
    },
    async delete(ctx, r) {
        const inputs = r.inputs as RemoteImageInputs;
        if (inputs.name === undefined) {
            return "nothing";
        }
        // A kept image is not removed, but the provider pings the engine first all the same (onEngine).
        return onEngine(ctx, r, inputs.keepLocally === true ? undefined : (e) => e.removeImage(inputs.name as string, inputs.forceRemove ?? false));
    },
};
