/**
 * Child process that captures the MailServer templates (see `host-templates.ts`) and proves cloning against
 * fresh captures. Usage: node dist/bench/templates-worker.js <file>. Prints one `BENCH-RESULT {json}` line.
 */
import { writeFileSync } from "node:fs";
import { reportResult } from "./child-process";
import { captureTemplates, checkTemplates } from "./host-templates";

async function main(): Promise<void> {
  const file = process.argv[2];
  if (!file) throw new Error("templates-worker: give the file to write the templates to");
  const templates = await captureTemplates();
  await checkTemplates(templates);
  writeFileSync(file, JSON.stringify(templates));
  reportResult({ file });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
