#!/usr/bin/env bash
# The main job on its embedded default: build, boot the local lab VM, and run the real Pulumi engine's
# `pulumi up --stack lab` against it (local state backend, passphrase secrets; the host scripts go over SSH
# through the `@pulumi/command` provider), then show that mail leaves the lab host from the dedicated /64 and
# that forward-confirmed reverse DNS holds, that a second run changes nothing, and that the policy pack
# passes. It prints the engine's plugins and the provider versions the stack's state records. `--destroy`
# also removes what was added at the end.
#
# Environment: LAB_INSTANCE (lab instance, default "default"), PULUMI_CONFIG_PASSPHRASE (the lab stack's
# passphrase; default "ipv6-mail-lab": it guards nothing but the lab's own state).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
destroy=0
[ "${1:-}" = "--destroy" ] && destroy=1

step() { printf '\n==> %s\n' "$*" >&2; }
fail() {
  printf '\ndemo: FAILED: %s\n' "$*" >&2
  exit 1
}
lab_ssh() { bash lab/lab.sh ssh "$@"; }
topo() { python3 -c 'import json,sys; v=json.load(open("lab/topology.json")); [v:=v[k] for k in sys.argv[1:]]; print(v)' "$@"; }

step "build (tsc)"
npm run --silent build
step "Pulumi engine (built from source, cached): CLI, language host and plugins"
eval "$(bash scripts/pulumi-engine.sh --env)"
bash scripts/pulumi-engine.sh --plugins 2>/dev/null >&2 || fail "scripts/pulumi-engine.sh --plugins failed"
step "lab VM"
export LAB_INSTANCE=${LAB_INSTANCE:-default}
bash lab/lab.sh start

export PULUMI_BACKEND_URL="file://$repo/.pulumi-state"
export PULUMI_CONFIG_PASSPHRASE=${PULUMI_CONFIG_PASSPHRASE:-ipv6-mail-lab}
mkdir -p "$repo/.pulumi-state"
pulumi stack select lab >/dev/null 2>&1 || pulumi stack init lab --secrets-provider passphrase >/dev/null

step "HE's tcp/25 filter off (the lab stack declares the Sage unblock)"
lab_ssh lab-ctl he sage on

step "pulumi up --stack lab"
pulumi up --stack lab --yes --skip-preview --color never

step "the providers this update used (from the stack's state)"
providers=$(pulumi stack export --stack lab | node -e '
const d = JSON.parse(require("fs").readFileSync(0, "utf8")).deployment;
const lines = (d.resources || [])
  .filter((r) => r.type.startsWith("pulumi:providers:"))
  .map((r) => `${r.type.slice("pulumi:providers:".length)} ${(r.inputs && r.inputs.version) || "(no version)"}`);
console.log([...new Set(lines)].sort().join("\n"));')
printf '%s\n' "$providers" | sed 's/^/  /' >&2
printf '%s\n' "$providers" | grep -q '^command 1\.2\.1$' || fail "the lab stack was not applied by the command provider 1.2.1"

smtp=$(pulumi stack output smtpAddress --stack lab)
host=$(pulumi stack output hostName --stack lab)
ptr=$(pulumi stack output ptrName --stack lab)
zone=$(topo host zone)
ns=$(topo internet dns ipv6)
mx_domain=$(topo internet mx domain)

step "publish the stack's DNS records in the lab's DNS server"
reverse_zone=$(printf %s "$ptr" | cut -d. -f17-)
pulumi stack output dnsRecords --stack lab --json | lab_ssh lab-ctl dns load-records "$zone" "$reverse_zone"

step "forward-confirmed reverse DNS, queried from the internet namespace"
ptr_answer=$(lab_ssh lab-ctl ns internet dig +short -x "$smtp" "@$ns" | tr -d '\r')
aaaa_answer=$(lab_ssh lab-ctl ns internet dig +short AAAA "${ptr_answer%.}" "@$ns" | tr -d '\r')
[ "${ptr_answer%.}" = "$host" ] || fail "PTR of $smtp is '$ptr_answer', expected $host"
[ "$aaaa_answer" = "$smtp" ] || fail "AAAA of $host is '$aaaa_answer', expected $smtp"

step "send a message from the lab host's Postfix to the remote MX"
lab_ssh lab-ctl mx clear
id="demo-$(date +%s)"
lab_ssh "printf 'Subject: %s\n\nipv6-mail demo\n' '$id' | sendmail -f root@$zone postmaster@$mx_domain && postqueue -f"
peer=""
for _ in $(seq 1 60); do
  peer=$(lab_ssh lab-ctl mx log | python3 -c 'import json,sys
for line in sys.stdin:
    line=line.strip()
    if line: e=json.loads(line); print(e.get("peer",""))' | tail -1)
  [ -n "$peer" ] && break
  sleep 1
done
[ "$peer" = "$smtp" ] || fail "the MX saw the delivery from '$peer', expected the SMTP address $smtp"

step "a second run changes nothing"
pulumi preview --stack lab --expect-no-changes --color never >/dev/null

step "the policy pack passes (with the lab's policy config)"
pulumi preview --stack lab --policy-pack policies --policy-pack-config stacks/policy-config.lab.json --color never >/dev/null

step "a bad variant (SMTP bound to the provider's shared /64, no IPv6 firewall) is refused by the policy pack"
bad_out=$(mktemp)
(
  cd tests/engine/bad-lab
  pulumi stack select bad >/dev/null 2>&1 || pulumi stack init bad --secrets-provider passphrase >/dev/null
  pulumi preview --stack bad --policy-pack "$repo/policies" --color never
) >"$bad_out" 2>&1 && fail "the policy pack accepted the bad variant: $(cat "$bad_out")"
for rule in smtp-from-dedicated-prefix ipv6-firewall-configured; do
  grep -q "$rule" "$bad_out" || fail "the bad variant's preview did not name $rule: $(cat "$bad_out")"
done
violated=$(grep -o '\] *[a-z0-9-]*  (' "$bad_out" | sed 's/^\] *//; s/ *($//' | sort -u | paste -sd ' ' - || true)
echo "violated rules: $violated" >&2
rm -f "$bad_out"

if [ "$destroy" = 1 ]; then
  step "pulumi destroy"
  pulumi destroy --stack lab --yes --color never >/dev/null
fi

cat <<SUMMARY

Verified on the lab VM (real kernel, real sshd, real Postfix, real Pulumi engine):
  - pulumi up applied the tunnel, the IPv6 firewall and the Postfix binding over SSH, through the
    providers: $(printf '%s' "$providers" | paste -sd, - | sed 's/,/, /g')
  - mail to $mx_domain left from $smtp (the MX logged that peer)
  - PTR $smtp -> $host and AAAA $host -> $smtp (FCrDNS)
  - a second preview reports no changes; the policy pack passes, and refuses the bad variant
    (violated: $violated)
SUMMARY
