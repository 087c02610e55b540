import { test } from "node:test";
import assert from "node:assert/strict";
import { heredocBodies, parseHostFirewallScript } from "../../policies/core/host-firewall-script";

const RULESET = (inner: string) =>
  [
    "table inet filter {",
    "  chain input {",
    "    type filter hook input priority 0; policy drop;",
    inner,
    "  }",
    "}",
  ].join("\n");
const rulesOf = (text: string) =>
  parseHostFirewallScript(text).chains.flatMap((c) => c.rules.map((r) => r.text));

test("comments: a # at the start of a line or after whitespace ends the line; inside a word it does not", () => {
  assert.deepEqual(
    rulesOf(RULESET("    tcp dport 22 accept # ssh\n# tcp dport 23 accept\n    tcp dport 24 accept#x")),
    ["tcp dport 22 accept", "tcp dport 24 accept#x"],
  );
});

test("comments: a comment line with a stray carriage return inside it is kept as text, as a line-wise reading does", () => {
  assert.deepEqual(rulesOf(RULESET("    tcp dport 22 accept # ssh\r more")), [
    "tcp dport 22 accept # ssh\r more",
  ]);
  assert.deepEqual(rulesOf(RULESET("    tcp dport 22 accept # ssh\r")), ["tcp dport 22 accept # ssh"]);
});

test("nft commands and ip6tables lines are read wherever they are in a long script", () => {
  const filler = Array.from({ length: 500 }, (_, i) => `echo step ${i} # progress`).join("\n");
  const script = [
    filler,
    "nft add chain inet f input '{ type filter hook input priority 0; policy drop; }'",
    filler,
    "nft add rule inet f input tcp dport 25 accept",
    "ip6tables -A INPUT -p tcp --dport 587 -j ACCEPT",
  ].join("\n");
  const parsed = parseHostFirewallScript(script);
  assert.deepEqual(
    parsed.chains.map((c) => [c.family, c.name, c.policy, c.rules.map((r) => r.destinationPorts)]),
    [
      ["inet", "input", "drop", [[{ from: 25, to: 25 }]]],
      ["ip6tables", "INPUT", undefined, [[{ from: 587, to: 587 }]]],
    ],
  );
});

test("heredocBodies: bodies up to their delimiter, tabs dropped for <<-, an unterminated one runs to the end", () => {
  const script = [
    "cat <<'EOF' >/a",
    "one",
    "",
    "EOF",
    "cat <<-NFT >/b",
    "\ttwo",
    "\tNFT",
    "x=$((1 << 2))",
    "cat <<EOF",
    "EOF",
    'cat <<"END"',
    "three",
    "",
  ].join("\n");
  assert.deepEqual(heredocBodies(script), ["one\n", "\ttwo", "", "three\n"]);
  assert.deepEqual(heredocBodies("cat <<EOF"), [""]);
  assert.deepEqual(heredocBodies("no here-document: $((1 << 2))"), []);
});
