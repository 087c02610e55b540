/**
 * DNSBL query names (RFC 5782), checked against ip-address's reverse form, and the DKIM and DMARC record texts.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Address6 } from "ip-address";

import {
  dkimRecordName,
  dkimRecordText,
  dmarcRecordName,
  dmarcRecordText,
  dnsblQueryName,
} from "../../../net";

describe("dnsblQueryName", () => {
  for (const address of ["2001:db8:5ace::1", "2001:470:1f0b:9a::25", "::ffff:7f00:2"]) {
    it(`${address}: 32 nibbles, least significant first, under the list`, () => {
      const expected = new Address6(address).reverseForm().replace(/\.ip6\.arpa\.$/, ".dnsbl.example.net");
      const name = dnsblQueryName(address, "DNSBL.example.net");
      assert.equal(name, expected);
      assert.equal(name.split(".").length, 32 + 3);
    });
  }
  it("is not the 16-bit-group form", () => {
    assert.notEqual(dnsblQueryName("2001:db8::1", "l.example"), "1.0.0.0.0.0.db8.2001.l.example");
    assert.match(
      dnsblQueryName("2001:db8::1", "l.example"),
      /^1(\.0){23}\.8\.b\.d\.0\.1\.0\.0\.2\.l\.example$/,
    );
  });
  it("refuses a zone that is not a domain name", () => {
    assert.throws(() => dnsblQueryName("2001:db8::1", "not a zone"), /not a domain name/);
  });
});

describe("DKIM and DMARC records", () => {
  it("names and texts", () => {
    assert.equal(dkimRecordName("Mail2026", "Example.org"), "mail2026._domainkey.example.org");
    assert.equal(dkimRecordText("MIIBIjAN+/a="), "v=DKIM1; k=rsa; p=MIIBIjAN+/a=");
    assert.throws(() => dkimRecordText("-----BEGIN"), /not base64/);
    assert.throws(() => dkimRecordName("a.b", "example.org"), /one DNS label/);
    assert.equal(dmarcRecordName("Example.org"), "_dmarc.example.org");
    assert.equal(dmarcRecordText(), "v=DMARC1; p=quarantine");
    assert.equal(
      dmarcRecordText({ policy: "reject", reportAddress: "dmarc@example.org" }),
      "v=DMARC1; p=reject; rua=mailto:dmarc@example.org",
    );
    assert.throws(() => dmarcRecordText({ reportAddress: "no-at-sign" }), /reportAddress "no-at-sign"/);
  });
});
