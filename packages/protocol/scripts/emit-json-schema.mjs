// Writes dist/schema/<name>.json from the built package, so clients in other languages can
// validate frames without zod.
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { protocolJsonSchemas } from "../dist/index.js";

const out = join(dirname(fileURLToPath(import.meta.url)), "..", "dist", "schema");
mkdirSync(out, { recursive: true });
const schemas = protocolJsonSchemas();
for (const [name, schema] of Object.entries(schemas)) {
  writeFileSync(join(out, `${name}.json`), JSON.stringify(schema, null, 2) + "\n");
}
writeFileSync(join(out, "index.json"), JSON.stringify(schemas, null, 2) + "\n");
