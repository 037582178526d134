/**
 * The order the program starts the hosts' machines and engines in, as `dependsOn`
 * edges: for each host, the host whose machine must be up before its own. Two rules,
 * one per mode, each for its own reason:
 *
 *  - cluster-store: a chain in config order, each engine after the one before it
 *    (lib/engine/gossip.ts: libnetwork's one-shot serf join can leave an engine alone
 *    for good when engines start together).
 *  - swarm: every host after the network host (the first manager), the others
 *    together. When one change replaces every machine (a `driver.images` entry,
 *    engine flags), each machine is delete-before-replace and the engine runs each
 *    registration's steps as soon as the program makes it (pulumi v3.248.0
 *    pkg/resource/deploy/step_executor.go:141-150, :395-427). Registered together,
 *    the network host's chain deletes everything that depends on it by property or
 *    provider (every container, the overlays, the joins) while a worker's chain skips
 *    those as "already deleted due to some other DBR" (step_generator.go:1964-1967)
 *    and stops its engine at once: a container's network attachment is then still a
 *    running task at the manager, and the overlay's delete fails `network <id> is in
 *    use by task <id>`, a message the docker provider does not retry (2 of 3 lab
 *    runs, the first time on this machine). Registered after the network host's
 *    machine, a worker's chain starts only once that chain is done, every engine
 *    still running while the containers and overlays go: the SDK sends a
 *    registration only once its `dependsOn` have their URNs
 *    (sdk/nodejs/runtime/resource.ts:944-946), which the engine gives when their
 *    steps are done.
 *
 * Where a driver's engines join their store after they start (netns, dind:
 * MachineDriver.joinsStoreLater), components/cluster.ts applies the same edges twice: to the
 * machines, and to the joins (the gossip rule's own subject).
 *
 * A `dependsOn` alone replaces nothing: the engine replaces a dependent only through its
 * provider or a property dependency (step_generator.go:3036-3076
 * calculateDependentReplacements), so stacks made before keep every resource.
 */
export function engineStartAfter(hostNames: readonly string[], rule: { chain: true } | { after: string }): Map<string, string | undefined> {
    const afterOf = (name: string, i: number): string | undefined =>
        "chain" in rule ? (i > 0 ? hostNames[i - 1] : undefined) : name === rule.after ? undefined : rule.after;
    return new Map(hostNames.map((name, i) => [name, afterOf(name, i)]));
}
