import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as policySdk from "@pulumi/policy";
import { unknownValue } from "@pulumi/pulumi/runtime/rpc";
import {
  isUnknownValue,
  UNKNOWN_SENTINELS,
  UNKNOWN_STRING_SENTINEL,
  UNKNOWNS_CHECKED_WITH,
  unwrapPolicyProps,
} from "../../policies/core/unknown";

/** What `@pulumi/policy` exports at run time but not in its types (its proxy is `@internal`). */
const sdk = policySdk as unknown as {
  unknownCheckingProxy(props: object): Record<string, unknown>;
  UnknownValueError: new (...args: never[]) => Error;
};

function installedVersion(): string {
  const manifest = join(require.resolve("@pulumi/policy"), "..", "package.json");
  const version = (JSON.parse(readFileSync(manifest, "utf8")) as { version: string }).version;
  return version.replace(/^v/, "");
}

test("the installed @pulumi/policy is the version the unknown-value adapter was checked against", () => {
  assert.equal(
    installedVersion(),
    UNKNOWNS_CHECKED_WITH,
    `@pulumi/policy ${installedVersion()} is installed. Check it against policies/core/unknown.ts (its proxy's ` +
      `keys "__isSpecialProxy"/"__getSpecialProxyTarget" in proxy.js, the sentinels it throws on) and ` +
      `policies/core/stack-policies.ts (reportViolation's { message, urn, enforcementLevel } form in server.js), ` +
      `run tests/policies/pack-analyzer.test.ts, then set UNKNOWNS_CHECKED_WITH to the new version.`,
  );
});

test("@pulumi/policy's proxy throws on exactly the sentinels the adapter knows, and the engine's string sentinel is @pulumi/pulumi's", () => {
  for (const sentinel of UNKNOWN_SENTINELS) {
    const props = sdk.unknownCheckingProxy({ value: sentinel, plain: "203.0.113.7" });
    assert.throws(() => props.value, sdk.UnknownValueError, sentinel);
    assert.equal(props.plain, "203.0.113.7");
    assert.ok(isUnknownValue(sentinel));
  }
  assert.equal(isUnknownValue("04da6b54-80e4-46f7-96ec-b56ff0331ba8"), false);
  assert.equal(UNKNOWN_STRING_SENTINEL, unknownValue);
});

test("the adapter opens @pulumi/policy's proxy, passes plain objects, and refuses a proxy it cannot open", () => {
  const target = { connection: { host: UNKNOWN_STRING_SENTINEL } };
  const opened = unwrapPolicyProps(sdk.unknownCheckingProxy(target));
  assert.equal(opened, target, "the very object behind the proxy");
  assert.equal((opened.connection as { host: string }).host, UNKNOWN_STRING_SENTINEL, "read without a throw");
  const plain = { a: 1 };
  assert.equal(unwrapPolicyProps(plain), plain);
  assert.throws(
    () => unwrapPolicyProps(new Proxy({ a: 1 }, {})),
    /proxy that does not open with "__getSpecialProxyTarget" \(checked with @pulumi\/policy 1\.21\.0\)/,
  );
});
