/**
 * The JSON Schema of a stack file (`Pulumi.<stack>.yaml`), generated from the
 * field table validation reads (fields.ts), so the two cannot drift. Shipped
 * as schema/stack.schema.json (`npm run schema` rewrites it; a unit test fails
 * when the committed file differs) and named on the first line of each stack
 * file, the way yaml-language-server reads it:
 *
 *   # yaml-language-server: $schema=schema/stack.schema.json
 *
 * Editors then complete keys, show descriptions, enums and defaults, and flag
 * unknown keys as a stack is typed. The schema says shapes; validation
 * (`npm run validate`) stays the authority for everything across keys
 * (overlaps, addresses inside subnets, placement, unique names).
 */
import { DEFAULTS } from "./defaults";
import { DRIVER_DESCRIPTION, DRIVER_FIELDS, DRIVER_KIND_FIELD, Field, Fields, keysOf, ObjectField, SECRET_KEYS, Section, SECTIONS } from "./fields";
import { CONFIG_KEYS, DriverKind, PROJECT } from "./types";

/** Where the schema is shipped, relative to the repository's root. */
export const SCHEMA_FILE = "schema/stack.schema.json";

type Json = { [key: string]: unknown };

/** One field of the table as a JSON Schema. */
export function fieldSchema(field: Field): Json {
    const description = { description: field.description };
    switch (field.type) {
        case "string":
            return {
                type: "string",
                ...description,
                ...(field.enum !== undefined ? { enum: [...field.enum] } : {}),
                ...(field.default !== undefined ? { default: field.default } : {}),
            };
        case "integer":
            return {
                type: "integer",
                ...description,
                minimum: field.minimum,
                maximum: field.maximum,
                ...(field.default !== undefined ? { default: field.default } : {}),
            };
        case "boolean":
            return { type: "boolean", ...description, ...(field.default !== undefined ? { default: field.default } : {}) };
        case "object":
            return objectSchema(field.fields, field.description, field.required);
        case "map":
            return { type: "object", ...description, additionalProperties: { type: "string" } };
        case "list":
            return {
                type: "array",
                ...description,
                items: fieldSchema(field.items),
                ...(field.minItems !== undefined ? { minItems: field.minItems } : {}),
                ...(field.default !== undefined ? { default: field.default } : {}),
            };
        case "oneOf":
            return { ...description, oneOf: field.options.map(fieldSchema) };
    }
}

function objectSchema(fields: Fields, description: string, required?: readonly string[]): Json {
    return {
        type: "object",
        description,
        properties: Object.fromEntries(keysOf(fields).map((key) => [key, fieldSchema(fields[key])])),
        ...(required !== undefined && required.length > 0 ? { required: [...required] } : {}),
        additionalProperties: false,
    };
}

/**
 * `docker-overlay:driver`: every kind's keys are listed (for completion), and
 * per kind (`if kind is ...`) only that kind's keys are allowed. Without
 * `kind`, the driver is the default kind.
 */
function driverSchema(): Json {
    const kinds = DRIVER_KIND_FIELD.enum;
    const properties: Json = { kind: fieldSchema(DRIVER_KIND_FIELD) };
    for (const kind of kinds) {
        const fields: Fields = DRIVER_FIELDS[kind];
        for (const key of keysOf(fields)) {
            properties[key] = withKind(fieldSchema(fields[key]), kind);
        }
    }
    return {
        type: "object",
        description: DRIVER_DESCRIPTION,
        properties,
        allOf: kinds.map((kind) => ({
            if: {
                properties: { kind: { const: kind } },
                // An absent kind is the default kind: only its `if` matches then.
                ...(kind === DEFAULTS.driverKind ? {} : { required: ["kind"] }),
            },
            then: {
                properties: Object.fromEntries(["kind", ...keysOf(DRIVER_FIELDS[kind])].map((key) => [key, true])),
                additionalProperties: false,
            },
        })),
    };
}

function withKind(schema: Json, kind: DriverKind): Json {
    return { ...schema, description: `(${kind} driver) ${String(schema["description"])}` };
}

function sectionSchema(key: (typeof CONFIG_KEYS)[number], section: Section): Json {
    if (key === "driver") {
        return driverSchema();
    }
    if (section.fields !== undefined) {
        return objectSchema(section.fields, section.description);
    }
    const item = section.item as ObjectField;
    return {
        type: "array",
        description: section.description,
        items: fieldSchema(item),
        ...(section.minItems !== undefined ? { minItems: section.minItems } : {}),
    };
}

/** The stack file's JSON Schema (draft-07, which yaml-language-server reads). */
export function stackSchema(): Json {
    const configKeys = [...CONFIG_KEYS.map((k) => `${PROJECT}:${k}`), ...Object.keys(SECRET_KEYS).map((k) => `${PROJECT}:${k}`)];
    const properties: Json = {};
    for (const key of CONFIG_KEYS) {
        properties[`${PROJECT}:${key}`] = sectionSchema(key, SECTIONS[key]);
    }
    for (const [key, description] of Object.entries(SECRET_KEYS)) {
        properties[`${PROJECT}:${key}`] = {
            type: "object",
            description: `${description} A secret: Pulumi stores it encrypted as { secure: ... }.`,
            properties: { secure: { type: "string" } },
            required: ["secure"],
        };
    }
    return {
        $schema: "http://json-schema.org/draft-07/schema#",
        title: `${PROJECT} stack file (Pulumi.<stack>.yaml)`,
        description:
            `The ${PROJECT}:* keys of a Pulumi stack file. Generated from lib/config/fields.ts (npm run schema); ` +
            "npm run validate -- <stack-file> checks what a schema cannot (overlaps, addresses, placement).",
        type: "object",
        properties: {
            config: {
                type: "object",
                description: `The stack's configuration: ${PROJECT}:<key> entries (keys of other namespaces are left alone).`,
                properties,
                required: [`${PROJECT}:hosts`],
                // Any other namespace's keys, but no unknown docker-overlay: key.
                propertyNames: { anyOf: [{ enum: configKeys }, { not: { pattern: `^${PROJECT}:` } }] },
            },
            secretsprovider: { type: "string", description: "Pulumi: the stack's secrets provider." },
            encryptedkey: { type: "string", description: "Pulumi: the stack's encrypted data key." },
            encryptionsalt: { type: "string", description: "Pulumi: the passphrase provider's salt." },
            environment: { description: "Pulumi ESC environments the stack imports." },
        },
    };
}

/** The text of schema/stack.schema.json: what `npm run schema` writes and the test compares. */
export function stackSchemaText(): string {
    return `${JSON.stringify(stackSchema(), null, 2)}\n`;
}
