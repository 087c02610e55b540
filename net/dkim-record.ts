import { isDomainName } from "./mail-dns-plan";

/** The owner name of a DKIM key record: `<selector>._domainkey.<domain>` (RFC 6376 section 3.6.2.1). */
export function dkimRecordName(selector: string, domain: string): string {
  if (!/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/i.test(selector)) {
    throw new Error(`dkimRecordName: selector "${selector}" is not one DNS label`);
  }
  if (!isDomainName(domain)) throw new Error(`dkimRecordName: domain "${domain}" is not a domain name`);
  return `${selector.toLowerCase()}._domainkey.${domain.toLowerCase()}`;
}

/**
 * The TXT text of a DKIM RSA key record from the base64 public key the host printed (`p=`, the DER
 * SubjectPublicKeyInfo). Longer than 255 characters for a 2048-bit key: publish it split into strings
 * (`splitTxt255`), which receivers join.
 */
export function dkimRecordText(publicKeyBase64: string): string {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(publicKeyBase64)) {
    throw new Error(
      "dkimRecordText: the public key is not base64 (expected the host's dkim-public-key line)",
    );
  }
  return `v=DKIM1; k=rsa; p=${publicKeyBase64}`;
}
