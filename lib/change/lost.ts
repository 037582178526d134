/**
 * A host marked lost (`hosts[].lost`: an ssh machine gone for good) leaves traces on the
 * machines that answer, which would keep its overlays in use when they are deleted later:
 * in cluster-store mode its containers' endpoints in the store, in swarm mode its node
 * (lib/swarm/scripts.ts renderSwarmForgetScript). This is the cluster-store half: what
 * to remove, and the script that removes it through an engine that answers.
 */
import * as path from "path";
import { ClusterConfig } from "../config/types";
import { DockerCliAccess, renderDockerCliPrelude } from "../render/dockerCli";
import { assign, assignColumns, bashPreamble, scriptFragment } from "../render/script";

/** An overlay endpoint: the container's name is the endpoint's name on the network. */
export interface OverlayEndpoint {
    network: string;
    container: string;
}

/** The overlay endpoints of the containers placed on `host`, in config order. */
export function endpointsOn(config: ClusterConfig, placements: Readonly<Record<string, string>>, host: string): OverlayEndpoint[] {
    return config.containers.filter((c) => placements[c.name] === host).flatMap((c) => c.networks.map((n) => ({ network: n.name, container: c.name })));
}

/**
 * The script that removes a lost host's overlay endpoints from the cluster store through
 * the engine at `via` (lib/change/sh/forget-endpoints.sh says how); an endpoint already
 * gone is fine. Create only: it changes nothing the stack keeps.
 */
export function renderForgetEndpointsScript(p: {
    stack: string;
    host: string;
    via: string;
    endpoints: readonly OverlayEndpoint[];
    access: DockerCliAccess;
}): string {
    return [
        ...bashPreamble(`docker-overlay: the overlay endpoints of lost host ${p.host} in stack ${p.stack}, removed from the store`, "lib/change/lost.ts"),
        ...renderDockerCliPrelude(p.access),
        assign("NAME", p.host),
        assign("VIA", p.via),
        ...assignColumns(p.endpoints, { E_NET: (e) => e.network, E_CTR: (e) => e.container }),
        scriptFragment(path.join(__dirname, "sh"), "forget-endpoints.sh"),
        "",
    ].join("\n");
}
