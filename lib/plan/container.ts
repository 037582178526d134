/**
 * A container's inputs as the stack's config decides them, in one place: the
 * docker container's inputs are built from it (components/placedContainer.ts),
 * and in swarm mode so is its settle's replacement trigger, which must change
 * exactly when the container is replaced (every one of these inputs is ForceNew
 * in the docker provider: kreuzwerker v4.5.0 resource_docker_container.go, and
 * docs/provider-rules.md). A constraint that does not move the container, for
 * one, changes nothing here.
 *
 * Pure: no Pulumi here.
 */
import { ContainerConfig } from "../config/types";

export interface ContainerSpec {
    /** The container's name, its hostname and its alias on every overlay. */
    name: string;
    image: string;
    /** Empty: the image's own. */
    command: string[];
    /** `KEY=value`, in the config's order. */
    envs: string[];
    /** The overlays it attaches to (stack names), each with its fixed address if any. */
    networks: { name: string; ipv4Address?: string }[];
    /** The host placement chose (the container's provider). */
    host: string;
}

export function containerSpec(c: ContainerConfig, host: string): ContainerSpec {
    return {
        name: c.name,
        image: c.image,
        command: [...c.command],
        envs: Object.entries(c.env).map(([k, v]) => `${k}=${v}`),
        networks: c.networks.map((a) => ({ name: a.name, ...(a.ipv4Address ? { ipv4Address: a.ipv4Address } : {}) })),
        host,
    };
}

/** The spec as one string (a settle's trigger): equal exactly when every input is. */
export function containerSpecKey(spec: ContainerSpec): string {
    return JSON.stringify(spec);
}
