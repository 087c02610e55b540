/**
 * The entry point the Pulumi CLI loads for `pulumi preview --policy-pack policies` (through
 * `policies/package.json`'s `main`, after `npm run build`). Starting the analyzer takes the process over, so
 * nothing else imports this file: tests and the harness use `pack.ts`.
 */
import { servePack } from "./pack";

servePack();
