/**
 * The command that gives a running engine its cluster store (MachineDriver.joinsStoreLater):
 * the netns, dind and docker-machine drivers render its script (renderNetnsEngineConfigScript,
 * renderDindEngineConfigScript, renderDockerMachineEngineConfigScript); how it is wired is
 * the same for all three, here.
 */
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";

/**
 * `<name>-config`: runs `create` (bash) after the machine and what `joinAfter` names (every
 * underlay probe, the KV store, the engine before it): no engine is in the store before the
 * underlay passed. A changed label is this command's update (its create again, PC
 * `local/commandController.go:67-90`), not a new machine with everything on it. A machine made
 * again starts without its store: its new id replaces this command (`triggers`), which joins it
 * again. No delete: the engine's daemon.json goes with the machine.
 */
export function storeJoinCommand(
    name: string,
    create: pulumi.Input<string>,
    machine: pulumi.CustomResource,
    joinAfter: Promise<pulumi.Resource[]> | undefined,
    parent: pulumi.Resource,
): command.local.Command {
    const after: Promise<pulumi.Resource[]> = (joinAfter ?? Promise.resolve([])).then((rest) => [machine, ...rest]);
    return new command.local.Command(`${name}-config`, { create, interpreter: ["/bin/bash", "-c"], triggers: [machine.id] }, { parent, dependsOn: after });
}
