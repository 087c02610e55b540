import * as fs from "node:fs";
import * as path from "node:path";
import { ComponentProvider } from "@pulumi/pulumi/provider/experimental";
import { MailServer } from "../components";

/** The directory of the provider's TypeScript source, which the analyzer reads (also when run from `dist/`). */
export const PROVIDER_SOURCE_DIR = path.resolve(__dirname, "..", "..", "provider");

const packageJson = JSON.parse(
  fs.readFileSync(path.resolve(PROVIDER_SOURCE_DIR, "..", "package.json"), "utf8"),
) as { version: string };

/**
 * The component provider of the package, versioned as the package. Its schema is inferred by Pulumi's
 * analyzer from the TypeScript in {@link PROVIDER_SOURCE_DIR} (that directory's tsconfig.json and
 * package.json; the first declaration of a component it reaches from `index.ts` decides the schema, see
 * `mail-server.ts`); it constructs the package's TypeScript classes.
 */
export const ipv6MailProvider = new ComponentProvider({
  name: "ipv6-mail",
  dirname: PROVIDER_SOURCE_DIR,
  version: packageJson.version,
  components: [MailServer],
});
