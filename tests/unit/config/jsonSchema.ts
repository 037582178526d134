/**
 * A small JSON Schema (draft-07) checker for the keywords schema/stack.schema.json
 * uses, so the tests can check stack files against the schema the way an
 * editor does. Hand-written because no JSON Schema library is a dependency
 * yet; with ajv as a devDependency this file can go.
 */
type Schema = boolean | { [key: string]: unknown };

function typeOf(v: unknown): string {
    if (v === null) {
        return "null";
    }
    if (Array.isArray(v)) {
        return "array";
    }
    if (typeof v === "number") {
        return Number.isInteger(v) ? "integer" : "number";
    }
    return typeof v;
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/** One line per violation of `schema` by `value` (empty when it satisfies the schema). */
export function schemaErrors(schema: Schema, value: unknown, at = "$"): string[] {
    if (schema === true) {
        return [];
    }
    if (schema === false) {
        return [`${at}: not allowed`];
    }
    const s = schema;
    const t = typeOf(value);
    if (s["type"] !== undefined && s["type"] !== t && !(s["type"] === "number" && t === "integer")) {
        const wanted = typeof s["type"] === "string" ? s["type"] : JSON.stringify(s["type"]);
        return [`${at}: must be ${wanted}, is ${t}`];
    }
    const errors: string[] = [];
    if (s["const"] !== undefined && !same(s["const"], value)) {
        errors.push(`${at}: must be ${JSON.stringify(s["const"])}`);
    }
    if (Array.isArray(s["enum"]) && !s["enum"].some((e) => same(e, value))) {
        errors.push(`${at}: must be one of ${s["enum"].join(", ")}`);
    }
    if (typeof s["pattern"] === "string" && typeof value === "string" && !new RegExp(s["pattern"]).test(value)) {
        errors.push(`${at}: must match ${s["pattern"]}`);
    }
    if (typeof value === "number" && typeof s["minimum"] === "number" && value < s["minimum"]) {
        errors.push(`${at}: below ${s["minimum"]}`);
    }
    if (typeof value === "number" && typeof s["maximum"] === "number" && value > s["maximum"]) {
        errors.push(`${at}: above ${s["maximum"]}`);
    }
    if (Array.isArray(value)) {
        if (typeof s["minItems"] === "number" && value.length < s["minItems"]) {
            errors.push(`${at}: fewer than ${s["minItems"]} items`);
        }
        if (s["items"] !== undefined) {
            value.forEach((item, i) => errors.push(...schemaErrors(s["items"] as Schema, item, `${at}[${i}]`)));
        }
    }
    if (t === "object") {
        const obj = value as Record<string, unknown>;
        const props = (s["properties"] ?? {}) as Record<string, Schema>;
        for (const key of (s["required"] ?? []) as string[]) {
            if (!(key in obj)) {
                errors.push(`${at}.${key}: required`);
            }
        }
        for (const [key, v] of Object.entries(obj)) {
            if (s["propertyNames"] !== undefined) {
                errors.push(...schemaErrors(s["propertyNames"] as Schema, key, `${at}.${key} (name)`));
            }
            if (key in props) {
                errors.push(...schemaErrors(props[key], v, `${at}.${key}`));
            } else if (s["additionalProperties"] !== undefined) {
                errors.push(...schemaErrors(s["additionalProperties"] as Schema, v, `${at}.${key}`));
            }
        }
    }
    for (const sub of (s["allOf"] ?? []) as Schema[]) {
        errors.push(...schemaErrors(sub, value, at));
    }
    const matches = (sub: unknown): boolean => schemaErrors(sub as Schema, value, at).length === 0;
    if (Array.isArray(s["anyOf"]) && !s["anyOf"].some(matches)) {
        errors.push(`${at}: matches none of anyOf`);
    }
    if (Array.isArray(s["oneOf"]) && s["oneOf"].filter(matches).length !== 1) {
        errors.push(`${at}: must match exactly one of oneOf`);
    }
    if (s["not"] !== undefined && matches(s["not"])) {
        errors.push(`${at}: must not match`);
    }
    if (s["if"] !== undefined && s["then"] !== undefined && matches(s["if"])) {
        errors.push(...schemaErrors(s["then"] as Schema, value, at));
    }
    return errors;
}
