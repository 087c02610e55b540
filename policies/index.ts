/**
 * The entry point the Pulumi CLI loads for `pulumi preview --policy-pack policies` (through
 * `policies/package.json`'s `main`, after `npm run build`). Constructing the PolicyPack starts the analyzer's
 * gRPC server, so nothing else imports this file: tests and the harness use `pack.ts`.
 *
 * This process runs the pack's policies and nothing else, so it lets them share one deserialized copy of each
 * resource's properties per analysis (`shareResourceProperties`: the rules only read them); importing the
 * rules elsewhere changes nothing in `@pulumi/policy`.
 */
import { PolicyPack } from "@pulumi/policy";
import { PACK_NAME, packArgs, shareResourceProperties } from "./pack";

shareResourceProperties();
new PolicyPack(PACK_NAME, packArgs);
