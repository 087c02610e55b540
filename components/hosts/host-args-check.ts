import { ConfigProblem, isDomainName } from "../../net";

/**
 * Checks a mail host's name. It must be a fully qualified name: DigitalOcean only sets the IPv4 PTR of a
 * droplet whose name is an FQDN, and the name is also the PTR target and Postfix's `myhostname` (FCrDNS).
 */
export function checkHostName(value: unknown, field: string): ConfigProblem[] {
  if (isDomainName(value)) return [];
  return [
    {
      field,
      value,
      problem: "is not a fully qualified domain name",
      fix: 'give the mail host\'s FQDN, e.g. "mx1.example.org" (letters, digits and hyphens, at least two labels)',
    },
  ];
}

/**
 * Checks the SSH keys of a cloud host: at least one key installed by the provider, and the private key the
 * remote commands log in with. `accountName` names where keys live ("DigitalOcean account").
 */
export function checkCloudSshKeys(
  args: { sshKeys?: unknown; sshPrivateKey?: unknown } | undefined,
  fieldPrefix: string,
  accountName: string,
): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  if (!Array.isArray(args?.sshKeys) || args.sshKeys.length === 0) {
    problems.push({
      field: `${fieldPrefix}sshKeys`,
      value: args?.sshKeys,
      problem: "must name at least one SSH key",
      fix: `give the name, id or fingerprint of a key in your ${accountName}`,
    });
  }
  if (args?.sshPrivateKey === undefined || args.sshPrivateKey === "") {
    problems.push({
      field: `${fieldPrefix}sshPrivateKey`,
      value: "(secret)",
      problem: "is needed to configure the host over SSH",
      fix: "pulumi config set --secret sshPrivateKey < ~/.ssh/id_ed25519",
    });
  }
  return problems;
}
