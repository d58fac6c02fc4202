import { configJsonSchema } from '../config/schema.js';

/** `portcullis schema`: the JSON Schema of the config file, generated from the one zod schema. */
export async function runSchema(): Promise<number> {
  const schema = configJsonSchema() as Record<string, unknown>;
  const out = { $id: 'https://portcullis.dev/schema/portcullis.schema.json', title: 'Portcullis configuration', ...schema };
  process.stdout.write(JSON.stringify(out, null, 2) + '\n');
  return 0;
}
