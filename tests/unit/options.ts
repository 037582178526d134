/**
 * Resource options as the engine receives them, which the runner's
 * registrations do not record: ignoreChanges, deleteBeforeReplace,
 * replaceOnChanges, replaceWith and each input's property dependencies (what
 * the engine's delete-before-replace walk follows). Captured by wrapping the
 * mock monitor's registerResource while `fn` runs.
 */
import { MockMonitor } from "@pulumi/pulumi/runtime/mocks";

export interface RegisteredOptions {
    ignoreChanges: string[];
    /** undefined when the program left it to the provider. */
    deleteBeforeReplace: boolean | undefined;
    replaceOnChanges: string[];
    replaceWith: string[];
    /** Input name -> URNs it depends on, sorted. */
    propertyDependencies: Record<string, string[]>;
}

/** The parts of a RegisterResourceRequest read here. */
interface RegisterRequest {
    getType(): string;
    getName(): string;
    getIgnorechangesList(): string[];
    getDeletebeforereplacedefined(): boolean;
    getDeletebeforereplace(): boolean;
    getReplaceonchangesList(): string[];
    getReplaceWithList(): string[];
    getPropertydependenciesMap(): { forEach(callback: (value: { getUrnsList(): string[] }, key: string) => void): void };
}

type RegisterResource = (req: RegisterRequest, callback: unknown) => unknown;

/** Runs `fn` and returns its result with the options of every registration, by `<type>::<name>`. */
export async function withOptions<T>(fn: () => Promise<T>): Promise<{ result: T; options: Map<string, RegisteredOptions> }> {
    const options = new Map<string, RegisteredOptions>();
    const proto = MockMonitor.prototype as unknown as { registerResource: RegisterResource };
    const original = proto.registerResource;
    let failure: unknown;
    proto.registerResource = function (this: unknown, req: RegisterRequest, callback: unknown) {
        try {
            const deps: Record<string, string[]> = {};
            req.getPropertydependenciesMap().forEach((value, key) => {
                deps[key] = [...new Set<string>(value.getUrnsList())].sort();
            });
            options.set(`${req.getType()}::${req.getName()}`, {
                ignoreChanges: req.getIgnorechangesList(),
                deleteBeforeReplace: req.getDeletebeforereplacedefined() ? req.getDeletebeforereplace() : undefined,
                replaceOnChanges: req.getReplaceonchangesList(),
                replaceWith: req.getReplaceWithList(),
                propertyDependencies: deps,
            });
        } catch (err) {
            failure ??= err;
        }
        return original.call(this, req, callback);
    };
    try {
        const result = await fn();
        if (failure !== undefined) {
            throw failure instanceof Error ? failure : new Error(`capturing options failed: ${JSON.stringify(failure)}`);
        }
        return { result, options };
    } finally {
        proto.registerResource = original;
    }
}

export function optionsOf(options: Map<string, RegisteredOptions>, type: string, name: string): RegisteredOptions {
    const o = options.get(`${type}::${name}`);
    if (o === undefined) {
        throw new Error(`no registration ${type}::${name}; registered: ${[...options.keys()].join(", ")}`);
    }
    return o;
}
