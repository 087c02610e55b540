/**
 * The package as a Pulumi component provider, so that Python, YAML, Go and C# programs use its components:
 * `pulumi package add <this package>` runs this entry point (package.json `main`, with `PulumiPlugin.yaml` at
 * the package root) to get the schema and generate an SDK, and `pulumi up` runs it to construct them.
 */
// First, so that the analyzer reaches the cross-language declaration of MailServer before the class.
export type { MailServer } from "./mail-server";
import { main } from "@pulumi/pulumi/provider";
import { ipv6MailProvider } from "./component-provider";

void main(ipv6MailProvider, process.argv.slice(2));
