/**
 * The baseline policy pack of the engine item (`npm run bench -- --engine`): the pack's own analyzer, served
 * the way `policies/index.ts` serves it, with no rules. A `pulumi preview` with it pays what any policy pack
 * costs (the CLI starting the language host and Node, loading the analyzer, gRPC and protobuf, the analyzer
 * calls) but no rule and no stack model; the pack's figure over this one is what its rules add.
 */
import { serveAnalyzer } from "../../policies/analyzer/serve-pack";

serveAnalyzer(
  {
    name: "ipv6-mail-no-rules",
    description: "The ipv6-mail analyzer with no rules (a bench baseline).",
    displayName: "ipv6-mail, no rules",
    tags: [],
  },
  [],
).catch((err: unknown) => {
  console.error(`bench empty pack: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
