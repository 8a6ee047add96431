/**
 * JSON Schema of environment files, generated from the zod schema so editors can complete and
 * check `environments/*.json`. Every field is optional in a file (profile defaults fill the
 * rest), so `required` lists are dropped. Regenerate with `npm run schema`; a test fails when
 * the committed file is stale.
 */
import * as fs from "fs";
import * as path from "path";
import { z } from "zod";
import { environmentSchema } from "./schema";

export const ENV_SCHEMA_FILE = "environments/environment.schema.json";

function dropRequired(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(dropRequired);
  if (typeof node !== "object" || node === null) return node;
  return Object.fromEntries(
    Object.entries(node)
      .filter(([key]) => key !== "required")
      .map(([key, value]) => [key, dropRequired(value)]),
  );
}

export function environmentJsonSchema(): string {
  const schema = dropRequired(z.toJSONSchema(environmentSchema, { target: "draft-2020-12", io: "input" })) as {
    properties: Record<string, unknown>;
  };
  schema.properties = { $schema: { type: "string" }, ...schema.properties };
  return `${JSON.stringify({ title: "uyoop-cal environment", ...schema }, null, 2)}\n`;
}

export function writeEnvironmentJsonSchema(projectRoot: string): void {
  fs.writeFileSync(path.join(projectRoot, ENV_SCHEMA_FILE), environmentJsonSchema());
}
