// Building a MailServer under the mocks until everything it registers has arrived, and reading its parts' facts.
import { MailServer, MailServerArgs } from "../../../components";
import type { MailFacts } from "../../../facts/mail-facts";
import { MockEnvironment, unwrap, valueOf } from "./mock-harness";

/** Builds a MailServer and waits for its DNS records, its host commands and every registration. */
export async function buildMailServer(
  env: MockEnvironment,
  name: string,
  args: MailServerArgs,
): Promise<MailServer> {
  const server = new MailServer(name, args);
  await valueOf(server.dnsRecords);
  await valueOf(server.hostCommands.confirm?.stdout);
  await env.settle();
  return server;
}

/** The `facts` output of the registration of `type` named `name`. */
export function registeredFacts(env: MockEnvironment, type: string, name: string): MailFacts {
  return (unwrap(env.get(type, name).outputs) as { facts: MailFacts }).facts;
}
