/**
 * Facts one section's check hands to the next (and to the cross-section
 * rules): only values that passed their own checks, so one mistake gives one
 * problem rather than a cascade.
 */
import { Ipv4Network } from "../../net/cidr";
import { PlacementHost } from "../../placement/place";
import { DriverKind, EngineMode } from "../types";

/** The network the driver's machines sit on, when the driver has one (netns underlay, dind subnet). */
export interface Fabric {
    /** The config key: `driver.underlay` or `driver.subnet`. */
    key: string;
    net: Ipv4Network;
    /** `the underlay` / `the dind subnet`. */
    noun: string;
    /** What the first usable address is: `the bridge's address`. */
    firstIs: string;
    defaulted: boolean;
}

export interface DriverFacts {
    /** undefined when `driver.kind` is invalid: driver-dependent rules are skipped. */
    kind?: DriverKind;
    fabric?: Fabric;
    /** The underlay MTU when the plan knows it and it is valid (netns driver.underlayMtu, dind driver.mtu; given or the default). */
    underlayMtu?: { key: string; value: number; defaulted: boolean };
}

export interface EngineFacts {
    mode?: EngineMode;
    /** `engine.swarm.addressPool` when given and a valid CIDR. */
    addressPool?: Ipv4Network;
    /** `engine.swarm.addressPoolMaskLength`, when valid (or the default). */
    maskLength?: number;
}

/** What constraints are checked against: the hosts whose name is valid, with their valid labels. */
export interface HostFacts {
    names: string[];
    targets: PlacementHost[];
    labelKeys: Set<string>;
    /** Every host has a valid, unique name: `node==x` can be checked against `names`. */
    namesComplete: boolean;
    /** Every host's labels are valid: label constraints can be checked against `labelKeys`. */
    labelsComplete: boolean;
}

/** The networks containers can refer to. */
export interface NetworkIndex {
    networks: NetworkFacts[];
    /** Every network has a valid name: an attachment naming none of them is a mistake of its own. */
    complete: boolean;
}

export interface NetworkFacts {
    index: number;
    name: string;
    net?: Ipv4Network;
    gateway?: string;
}
