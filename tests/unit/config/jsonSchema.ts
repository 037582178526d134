/**
 * Stack files checked against schema/stack.schema.json the way an editor's
 * JSON Schema validator does: ajv (draft-07, the schema's `$schema`), every
 * violation, one line each as `<instance path>: <ajv's message>`.
 */
import Ajv, { ErrorObject } from "ajv";

const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });

function line(e: ErrorObject): string {
    const at = e.instancePath === "" ? "/" : e.instancePath;
    const params = e.params as { additionalProperty?: string; propertyName?: string; allowedValues?: unknown[] };
    const named = params.additionalProperty ?? params.propertyName;
    const extra = named !== undefined ? ` (${named})` : params.allowedValues !== undefined ? `: ${params.allowedValues.join(", ")}` : "";
    return `${at}: ${e.message ?? e.keyword}${extra}`;
}

/** One line per violation of `schema` by `value` (empty when it satisfies the schema). */
export function schemaErrors(schema: object, value: unknown): string[] {
    const validate = ajv.compile(schema);
    return validate(value) ? [] : (validate.errors ?? []).map(line);
}
