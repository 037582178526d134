import * as pulumi from "@pulumi/pulumi";
import { DriverKind } from "../../lib/config/types";
import { dindDriver } from "./dind";
import { dockerMachineDriver } from "./dockerMachine";
import { netnsDriver } from "./netns";
import { sshDriver } from "./ssh";
import { MachineDriver } from "./types";

export interface DriverSecrets {
    /** ssh driver: private key for every machine (config `docker-overlay:sshPrivateKey`, a secret). */
    sshPrivateKey?: pulumi.Output<string>;
}

/** The machine driver for `driver.kind`. */
export function machineDriver(kind: DriverKind, secrets: DriverSecrets): MachineDriver {
    switch (kind) {
        case "netns":
            return netnsDriver;
        case "dind":
            return dindDriver;
        case "docker-machine":
            return dockerMachineDriver;
        case "ssh":
            if (secrets.sshPrivateKey === undefined) {
                throw new Error(
                    "docker-overlay:sshPrivateKey: the ssh driver needs a private key; set it with `pulumi config set --secret docker-overlay:sshPrivateKey < ~/.ssh/id_ed25519`",
                );
            }
            return sshDriver({ privateKey: secrets.sshPrivateKey });
    }
}

export { MachineDriver } from "./types";
