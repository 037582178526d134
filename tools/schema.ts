/**
 * `npm run schema`: writes schema/stack.schema.json, the stack file's JSON
 * Schema, from the field table validation reads (lib/config/fields.ts).
 * `npm run schema -- --check` only says whether the committed file is current
 * (exit 1 when it is not).
 */
import * as fs from "fs";
import * as path from "path";
import { SCHEMA_FILE, stackSchemaText } from "../lib/config/schema";

function main(argv: string[]): number {
    const check = argv.includes("--check");
    if (argv.some((a) => a !== "--check")) {
        process.stderr.write("usage: npm run schema [-- --check]\n");
        return 2;
    }
    const file = path.resolve(__dirname, "..", SCHEMA_FILE);
    const text = stackSchemaText();
    const current = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : undefined;
    if (check) {
        if (current !== text) {
            process.stderr.write(`${SCHEMA_FILE} is out of date: run npm run schema\n`);
            return 1;
        }
        process.stdout.write(`${SCHEMA_FILE} is current\n`);
        return 0;
    }
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
    process.stdout.write(`${SCHEMA_FILE}: ${current === text ? "unchanged" : "written"}\n`);
    return 0;
}

process.exit(main(process.argv.slice(2)));
