/**
 * The entry point the Pulumi CLI loads for `pulumi preview --policy-pack policies` (through
 * `policies/package.json`'s `main`, after `npm run build`). Constructing the PolicyPack starts the analyzer's
 * gRPC server, so nothing else imports this file: tests and the harness use `pack.ts`.
 */
import { PolicyPack } from "@pulumi/policy";
import { PACK_NAME, packArgs } from "./pack";

new PolicyPack(PACK_NAME, packArgs);
