/**
 * A small JSON Schema (draft-07) checker for the keywords schema/stack.schema.json
 * uses, so the tests can check stack files against the schema the way an
 * editor does, without a dependency. Returns one line per violation.
 */
type Schema = boolean | { [key: string]: unknown };

function typeOf(v: unknown): string {
    if (v === null) return "null";
    if (Array.isArray(v)) return "array";
    if (typeof v === "number") return Number.isInteger(v) ? "integer" : "number";
    return typeof v;
}

export function schemaErrors(schema: Schema, value: unknown, at = "$"): string[] {
    if (schema === true) return [];
    if (schema === false) return [`${at}: not allowed`];
    const s = schema;
    const errors: string[] = [];
    const t = typeOf(value);
    if (s["type"] !== undefined && s["type"] !== t && !(s["type"] === "number" && t === "integer")) {
        return [`${at}: must be ${String(s["type"])}, is ${t}`];
    }
    if (s["const"] !== undefined && JSON.stringify(s["const"]) !== JSON.stringify(value)) errors.push(`${at}: must be ${JSON.stringify(s["const"])}`);
    if (Array.isArray(s["enum"]) && !s["enum"].some((e) => JSON.stringify(e) === JSON.stringify(value))) errors.push(`${at}: must be one of ${s["enum"].join(", ")}`);
    if (typeof s["pattern"] === "string" && typeof value === "string" && !new RegExp(s["pattern"]).test(value)) errors.push(`${at}: must match ${s["pattern"]}`);
    if (typeof value === "number") {
        if (typeof s["minimum"] === "number" && value < s["minimum"]) errors.push(`${at}: below ${s["minimum"]}`);
        if (typeof s["maximum"] === "number" && value > s["maximum"]) errors.push(`${at}: above ${s["maximum"]}`);
    }
    if (Array.isArray(value)) {
        if (typeof s["minItems"] === "number" && value.length < s["minItems"]) errors.push(`${at}: fewer than ${s["minItems"]} items`);
        if (s["items"] !== undefined) value.forEach((item, i) => errors.push(...schemaErrors(s["items"] as Schema, item, `${at}[${i}]`)));
    }
    if (t === "object") {
        const obj = value as Record<string, unknown>;
        const props = (s["properties"] ?? {}) as Record<string, Schema>;
        for (const key of (s["required"] ?? []) as string[]) if (!(key in obj)) errors.push(`${at}.${key}: required`);
        for (const [key, v] of Object.entries(obj)) {
            if (s["propertyNames"] !== undefined) errors.push(...schemaErrors(s["propertyNames"] as Schema, key, `${at}.${key} (name)`));
            if (key in props) errors.push(...schemaErrors(props[key], v, `${at}.${key}`));
            else if (s["additionalProperties"] !== undefined) errors.push(...schemaErrors(s["additionalProperties"] as Schema, v, `${at}.${key}`));
        }
    }
    for (const sub of (s["allOf"] ?? []) as Schema[]) errors.push(...schemaErrors(sub, value, at));
    if (Array.isArray(s["anyOf"]) && !s["anyOf"].some((sub) => schemaErrors(sub as Schema, value, at).length === 0)) errors.push(`${at}: matches none of anyOf`);
    if (Array.isArray(s["oneOf"]) && s["oneOf"].filter((sub) => schemaErrors(sub as Schema, value, at).length === 0).length !== 1) errors.push(`${at}: must match exactly one of oneOf`);
    if (s["not"] !== undefined && schemaErrors(s["not"] as Schema, value, at).length === 0) errors.push(`${at}: must not match`);
    if (s["if"] !== undefined && schemaErrors(s["if"] as Schema, value, at).length === 0 && s["then"] !== undefined) {
        errors.push(...schemaErrors(s["then"] as Schema, value, at));
    }
    return errors;
}
