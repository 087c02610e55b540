import { before, describe, it } from "node:test";
import * as assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { ipv6MailProvider, PROVIDER_SOURCE_DIR } from "../../../provider/component-provider";
import { MtaKind } from "../../../components/mta/mta-settings";
import { HostOs } from "../../../components/hosts/host-os";
import { PrefixSource, ProviderDefaultRoute, SpfAll, SpfAuthorize } from "../../../net";

interface Property {
  type?: string;
  $ref?: string;
  description?: string;
  plain?: boolean;
}
interface ObjectType {
  type: string;
  description?: string;
  properties?: Record<string, Property>;
  enum?: { name: string; value: string; description?: string }[];
}
interface Schema {
  name: string;
  version: string;
  resources: Record<
    string,
    {
      isComponent: boolean;
      description?: string;
      inputProperties: Record<string, Property>;
      requiredInputs: string[];
      properties: Record<string, Property>;
    }
  >;
  types: Record<string, ObjectType>;
}

// The schema Pulumi's analyzer infers from the TypeScript (what `pulumi package add` generates SDKs from).
describe("component provider schema (inferred by Pulumi's analyzer)", () => {
  let schema: Schema;
  before(async () => {
    schema = JSON.parse(await ipv6MailProvider.getSchema()) as Schema;
  });

  it("has MailServer as a component of package ipv6-mail, with its required inputs and outputs", () => {
    assert.equal(schema.name, "ipv6-mail");
    const packageJson = JSON.parse(
      readFileSync(path.join(PROVIDER_SOURCE_DIR, "..", "package.json"), "utf8"),
    );
    assert.equal(schema.version, (packageJson as { version: string }).version);
    const mailServer = schema.resources["ipv6-mail:index:MailServer"];
    assert.ok(
      mailServer?.isComponent,
      `no MailServer component in ${Object.keys(schema.resources).join(", ")}`,
    );
    assert.deepEqual([...mailServer.requiredInputs].sort(), ["firewall", "hostName", "zone"]);
    for (const input of ["digitalocean", "hetzner", "existing", "tunnel", "mta", "dns", "smtpOverIpv4Only"])
      assert.ok(mailServer.inputProperties[input], `MailServer has no input ${input}`);
    for (const output of [
      "smtpAddress",
      "dedicatedPrefix",
      "ptrName",
      "spfRecord",
      "prefixSource",
      "dnsRecords",
    ])
      assert.ok(mailServer.properties[output], `MailServer has no output ${output}`);
  });

  it("documents every field: the TSDoc of the Args becomes the generated SDKs' docs", () => {
    const undocumented: string[] = [];
    const mailServer = schema.resources["ipv6-mail:index:MailServer"];
    if (!mailServer.description) undocumented.push("MailServer");
    for (const [kind, props] of Object.entries({
      input: mailServer.inputProperties,
      output: mailServer.properties,
    }))
      for (const [name, p] of Object.entries(props))
        if (!p.description) undocumented.push(`MailServer ${kind} ${name}`);
    for (const [token, t] of Object.entries(schema.types)) {
      for (const [name, p] of Object.entries(t.properties ?? {}))
        if (!p.description) undocumented.push(`${token}.${name}`);
      for (const e of t.enum ?? []) if (!e.description) undocumented.push(`${token} ${e.name}`);
    }
    assert.deepEqual(undocumented, []);
  });

  it("makes the named choices enums with exactly the values the TypeScript accepts", () => {
    const choices: Record<string, Record<string, string>> = {
      HostOs,
      MtaKind,
      PrefixSource,
      ProviderDefaultRoute,
      SpfAll,
      SpfAuthorize,
    };
    for (const [name, values] of Object.entries(choices)) {
      const t = schema.types[`ipv6-mail:index:${name}`];
      assert.ok(t?.enum, `${name} is not an enum in the schema`);
      assert.deepEqual(
        t.enum.map((e) => e.value).sort(),
        Object.values(values).sort(),
        `${name}'s values differ from the TypeScript`,
      );
    }
    const tunnel = schema.types["ipv6-mail:index:HeTunnelSettings"];
    assert.equal(
      tunnel.properties?.providerDefaultRoute.$ref,
      "#/types/ipv6-mail:index:ProviderDefaultRoute",
    );
  });
});
