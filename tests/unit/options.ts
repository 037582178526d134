/**
 * Resource options and property dependencies as the engine receives them, by
 * `<type>::<name>`, read from the runner's own registrations (runner/program.ts
 * records them for the lab's step generator).
 */
import { ProgramRun } from "../../runner/program";

export interface RegisteredOptions {
    ignoreChanges: string[];
    /** undefined when the program left it to the provider. */
    deleteBeforeReplace: boolean | undefined;
    replaceOnChanges: string[];
    replaceWith: string[];
    /** Input name -> URNs it depends on, sorted. */
    propertyDependencies: Record<string, string[]>;
}

/** Runs `fn` and returns its result with the options of every registration it made. */
export async function withOptions<T extends ProgramRun>(fn: () => Promise<T>): Promise<{ result: T; options: Map<string, RegisteredOptions> }> {
    const result = await fn();
    const options = new Map<string, RegisteredOptions>();
    for (const r of result.registrations) {
        options.set(`${r.type}::${r.name}`, {
            ignoreChanges: r.options.ignoreChanges,
            deleteBeforeReplace: r.options.deleteBeforeReplace,
            replaceOnChanges: r.options.replaceOnChanges,
            replaceWith: r.options.replaceWith,
            propertyDependencies: r.propertyDependencies,
        });
    }
    return { result, options };
}

export function optionsOf(options: Map<string, RegisteredOptions>, type: string, name: string): RegisteredOptions {
    const o = options.get(`${type}::${name}`);
    if (o === undefined) {
        throw new Error(`no registration ${type}::${name}; registered: ${[...options.keys()].join(", ")}`);
    }
    return o;
}
