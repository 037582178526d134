/**
 * The old import path of the lab's Docker side, kept so importers keep
 * working. The code lives by room now: the engine client in
 * lab/clients/docker.ts (tar helper lab/clients/tar.ts), each docker
 * resource's inputs, request translation, create and delete in
 * lab/resources/{dockerProvider,remoteImage,network,container,containerRequest}.ts.
 * New code imports from there.
 */
import { CONTAINER_INPUTS, CONTAINER_TYPE } from "./resources/containerRequest";
import { assertKnownInputs as assertKnown } from "./resources/dockerInputs";
import { DOCKER_PROVIDER_INPUTS, DOCKER_PROVIDER_TYPE } from "./resources/dockerProvider";
import { NETWORK_INPUTS, NETWORK_TYPE } from "./resources/network";
import { REMOTE_IMAGE_INPUTS, REMOTE_IMAGE_TYPE } from "./resources/remoteImage";

export * from "./clients/docker";
export { labelMap, required } from "./resources/dockerInputs";
export type { Label } from "./resources/dockerInputs";
export * from "./resources/dockerProvider";
export * from "./resources/remoteImage";
export * from "./resources/network";
export * from "./resources/container";

/** Inputs the lab translates, per type. Anything else is refused by `assertKnownInputs`. */
export const KNOWN_INPUTS: Record<string, readonly string[]> = {
    [NETWORK_TYPE]: NETWORK_INPUTS,
    [CONTAINER_TYPE]: CONTAINER_INPUTS,
    [REMOTE_IMAGE_TYPE]: REMOTE_IMAGE_INPUTS,
    [DOCKER_PROVIDER_TYPE]: DOCKER_PROVIDER_INPUTS,
};

/** Throws, naming the resource and the inputs, if `inputs` carries anything the lab does not translate. */
export function assertKnownInputs(type: string, urn: string, inputs: Record<string, unknown>): void {
    const known = KNOWN_INPUTS[type];
    if (known === undefined) {
        throw new Error(`lab: no input table for ${type} (${urn})`);
    }
    assertKnown(type, urn, inputs, known);
}
