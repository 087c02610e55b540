#!/usr/bin/env bash
# The PR pipeline of README's GitHub workflow, on this machine: `pulumi preview` of a production stack with the
# policy pack, its JSON events turned into SARIF by the report CLI, and the SARIF checked by the SARIF SDK's
# validator. The real CLI and the real provider plugins (scripts/pulumi-engine.sh), FAKE provider tokens, and
# the previews run inside a network namespace with loopback only (`unshare -n`), so any API call fails
# loudly instead of reaching a cloud.
#
#   bash scripts/pr-pipeline.sh [options] STACK [CONFIG]
#
#   STACK     the stack name, e.g. do-prod or hetzner-prod; its config is stacks/Pulumi.STACK.yaml, or
#             PROJECT/Pulumi.STACK.yaml with --project
#   CONFIG    a stack config file to preview under that name instead
#   --project DIR
#             another Pulumi project than this repository's (e.g. tests/engine/bad-prod, production stacks
#             written by hand); it is copied, with this repository's dist/ and node_modules/ linked into it
#   --expect-refused RULE[,RULE...]
#             the preview must FAIL the pack, with exactly these mandatory rule ids; default: it must pass
#             (advisory findings are allowed)
#   --policy-pack-config FILE   passed to the previews (levels, options, exceptions per rule)
#   --out DIR  keep what the run made there: preview.jsonl, report.txt, report.json,
#              policy.sarif, sarif-validation.sarif, planned.txt (default: a temporary directory, removed)
#   --no-build do not run `npm run build` first (the caller just did)
#   --text     also run the plain `pulumi preview` first and show its output (preview.txt)
#
# Exit 0 when the outcome is the expected one, 1 otherwise (with the reason), 2 on bad usage.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)

expect_refused=""
policy_config=""
project_src=$repo
out=""
build=1
text=0
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --expect-refused) expect_refused=$2; shift 2 ;;
    --policy-pack-config) policy_config=$(realpath "$2"); shift 2 ;;
    --out) out=$2; shift 2 ;;
    --project) project_src=$(realpath "$2"); shift 2 ;;
    --no-build) build=0; shift ;;
    --text) text=1; shift ;;
    -h | --help) sed -n '2,25p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "pr-pipeline: unknown option $1" >&2; exit 2 ;;
    *) args+=("$1"); shift ;;
  esac
done
[ "${#args[@]}" -ge 1 ] && [ "${#args[@]}" -le 2 ] || { sed -n '8,8p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
stack=${args[0]}
if [ "$project_src" = "$repo" ]; then default_config=$repo/stacks/Pulumi.$stack.yaml; else default_config=$project_src/Pulumi.$stack.yaml; fi
config=$(realpath "${args[1]:-$default_config}")
[ -f "$config" ] || { echo "pr-pipeline: no stack config $config" >&2; exit 2; }

say() { printf 'pr-pipeline [%s]: %s\n' "$stack" "$*" >&2; }
fail() {
  say "FAILED: $*"
  exit 1
}

if [ "$build" = 1 ]; then
  say "build (tsc)"
  (cd "$repo" && npm run --silent build)
fi
[ -f "$repo/dist/policies/index.js" ] && [ -f "$repo/dist/policies/report.js" ] ||
  fail "dist/ has no built policy pack: run npm run build"

# The SARIF validator: the SARIF SDK's multitool from npm (@microsoft/sarif-multitool, its Linux binary).
# Without it the pipeline cannot check its SARIF, and says so: it never passes unchecked.
multitool_dir=$(cd "$repo" && node -p 'require("path").dirname(require.resolve("@microsoft/sarif-multitool-linux/package.json"))' 2>/dev/null) ||
  fail "the SARIF validator @microsoft/sarif-multitool (its Linux binary) is not installed: npm ci installs it"
multitool=$multitool_dir/Sarif.Multitool
[ -f "$multitool" ] || fail "the SARIF validator's binary $multitool is missing"
# npm runs no install scripts here, and the package's own script is what sets the run bit.
[ -x "$multitool" ] || chmod 0755 "$multitool"
command -v unshare >/dev/null || fail "unshare (util-linux) is needed to cut the previews off the network"

eval "$(bash "$repo/scripts/pulumi-engine.sh" --env)"

if [ -n "$out" ]; then
  mkdir -p "$out"
  out=$(realpath "$out")
  work=$(mktemp -d)
else
  work=$(mktemp -d)
  out=$work/out
  mkdir -p "$out"
fi
trap 'rm -rf "$work"' EXIT

# A new stack in a project copy of its own: Pulumi.yaml, the built program and node_modules linked, a
# file backend and a passphrase made up for this run (the fake secrets below guard nothing).
project=$work/project
mkdir -p "$project" "$work/state"
if [ "$project_src" = "$repo" ]; then
  cp "$repo/Pulumi.yaml" "$project/"
else
  find "$project_src" -maxdepth 1 -type f ! -name 'Pulumi.*.yaml' -exec cp {} "$project/" \;
fi
ln -s "$repo/dist" "$project/dist"
ln -s "$repo/node_modules" "$project/node_modules"
config_dir=$(cd "$project" && node -e 'const y = require("js-yaml"), fs = require("fs");
console.log(y.load(fs.readFileSync("Pulumi.yaml", "utf8")).stackConfigDir || ".")')
mkdir -p "$project/$config_dir"
cp "$config" "$project/$config_dir/Pulumi.$stack.yaml"
export PULUMI_BACKEND_URL="file://$work/state" PULUMI_CONFIG_PASSPHRASE="pr-pipeline-$RANDOM$RANDOM" CI=true
pulumi_() { pulumi --cwd "$project" --non-interactive --color never "$@"; }
pulumi_ stack init "$stack" >/dev/null

# Fake credentials, in the shape each provider expects, set as secrets the way a user sets the real ones.
fake() { head -c 4096 /dev/urandom | tr -dc "$1" | head -c "$2"; }
ssh-keygen -q -t ed25519 -N '' -C pr-pipeline -f "$work/id_ed25519"
pulumi_ config set --stack "$stack" --secret sshPrivateKey <"$work/id_ed25519"
pulumi_ config set-all --stack "$stack" \
  --secret heUsername="fake-he-user" \
  --secret heUpdateKey="$(fake 'A-Za-z0-9' 16)" \
  --secret digitalocean:token="dop_v1_$(fake 'a-f0-9' 64)" \
  --secret hcloud:token="$(fake 'A-Za-z0-9' 64)" \
  --secret cloudflare:apiToken="$(fake 'A-Za-z0-9_-' 40)"

# Loopback only: the CLI talks to its plugins over 127.0.0.1, nothing else is reachable.
offline() { unshare -n -- bash -c 'ip link set lo up && exec "$@"' offline "$@"; }
links=$(offline ip -o link show | awk -F': ' '{ print $2 }' | paste -sd' ' -)
routes=$(offline bash -c 'ip -4 route show table all; ip -6 route show table all' | grep -v ' dev lo ' || true)
[ "$links" = lo ] && [ -z "$routes" ] ||
  fail "the previews' network namespace is not loopback only (links: $links; routes: $routes)"

pack=(--policy-pack "$repo/policies")
[ -z "$policy_config" ] || pack+=(--policy-pack-config "$policy_config")

start=$SECONDS
set +e
if [ "$text" = 1 ]; then
  say "pulumi preview --policy-pack policies (offline)"
  offline pulumi --cwd "$project" --non-interactive --color never preview --stack "$stack" "${pack[@]}" \
    >"$out/preview.txt" 2>&1
  text_status=$?
  cat "$out/preview.txt"
  say "the text preview took $((SECONDS - start)) s (exit $text_status)"
  start=$SECONDS
fi
say "PULUMI_ENABLE_STREAMING_JSON_PREVIEW=1 pulumi preview --json --policy-pack policies (offline)"
PULUMI_ENABLE_STREAMING_JSON_PREVIEW=1 offline pulumi --cwd "$project" --non-interactive --color never \
  preview --stack "$stack" --json "${pack[@]}" >"$out/preview.jsonl" 2>"$out/preview.stderr"
preview_status=$?
set -e
say "the preview took $((SECONDS - start)) s (exit $preview_status)"
if [ "$text" = 1 ] && [ "$text_status" != "$preview_status" ]; then
  fail "the text preview exited $text_status, the JSON one $preview_status"
fi

# Every resource the program registers must be planned: a preview that stopped early (a plugin that
# failed to configure, an API call refused) plans fewer and says why in its diagnostics.
node -e '
const fs = require("fs");
const planned = [];
const errors = [];
for (const line of fs.readFileSync(process.argv[1], "utf8").split("\n")) {
  if (!line.trim()) continue;
  const e = JSON.parse(line);
  const m = e.resourcePreEvent && e.resourcePreEvent.metadata;
  if (m && m.type !== "pulumi:pulumi:Stack") planned.push(`${m.op} ${m.type} ${m.urn.split("::").pop()}`);
  const d = e.diagnosticEvent;
  // "preview failed" is how the CLI ends any failed preview, a refusal by the pack included.
  if (d && d.severity === "error" && !/^preview failed$/.test(d.message.trim())) errors.push(d.message.trim());
}
fs.writeFileSync(process.argv[2], planned.sort().join("\n") + "\n");
if (errors.length) fs.writeFileSync(process.argv[3], errors.join("\n") + "\n");
' "$out/preview.jsonl" "$out/planned.txt" "$work/engine-errors.txt"
say "planned $(wc -l <"$out/planned.txt") resources:"
sed 's/^/  /' "$out/planned.txt" >&2
grep -q ' command:remote:Command ' "$out/planned.txt" || fail "the preview planned no remote command: see above"
[ ! -s "$work/engine-errors.txt" ] ||
  fail "the preview reported errors other than the pack's findings: $(cat "$work/engine-errors.txt")"

say "SARIF and JSON via the report CLI (dist/policies/report.js)"
report=(node "$repo/dist/policies/report.js" --stack "$stack" --project ipv6-mail --fail-on never)
"${report[@]}" --format text -o "$out/report.txt" "$out/preview.jsonl"
"${report[@]}" --format json -o "$out/report.json" "$out/preview.jsonl"
"${report[@]}" --format sarif --artifact stacks/index.ts -o "$out/policy.sarif" "$out/preview.jsonl"
cat "$out/report.txt" >&2
problems=()

# The outcome: which mandatory rules the preview violated, from the report of the pack's own events.
violated=$(node -e '
const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
const ids = new Set(r.entries
  .filter((e) => e.level === "mandatory" && e.kind !== "exception-applied" && e.kind !== "framework-note").map((e) => e.rule));
console.log([...ids].sort().join(","));
' "$out/report.json")

say "SARIF validation (Sarif.Multitool validate, offline)"
rm -f "$out/sarif-validation.sarif"
set +e
offline "$multitool" validate "$out/policy.sarif" --output "$out/sarif-validation.sarif" >"$work/validate.log" 2>&1
validate_status=$?
set -e
[ "$validate_status" = 0 ] && [ -f "$out/sarif-validation.sarif" ] ||
  fail "the validator did not run (exit $validate_status): $(cat "$work/validate.log")"
findings=$(node -e '
const log = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
const results = (log.runs || []).flatMap((r) => r.results || []);
const bad = results.filter((r) => (r.level || "warning") === "error" || (r.level || "warning") === "warning");
const text = (m) => (m && (m.text || [m.id, ...(m.arguments || [])].join(" "))) || "";
for (const r of bad) console.log(`  ${r.level || "warning"} ${r.ruleId}: ${text(r.message)}`);
' "$out/sarif-validation.sarif")
if [ -n "$findings" ]; then
  problems+=("the SARIF validator found problems in policy.sarif:
$findings")
else
  say "SARIF valid: no errors, no warnings"
fi

say "mandatory rules violated: ${violated:-none}"
if [ -z "$expect_refused" ]; then
  [ "$preview_status" = 0 ] && [ -z "$violated" ] ||
    problems+=("the new stack must pass the pack (advisories allowed); preview exit $preview_status, mandatory violations: ${violated:-none}")
else
  want=$(printf %s "$expect_refused" | tr ',' '\n' | sort -u | paste -sd, -)
  [ "$preview_status" != 0 ] || problems+=("the pack accepted a stack it must refuse (expected: $want)")
  [ "$violated" = "$want" ] || problems+=("the preview was refused for ${violated:-nothing}, expected exactly $want")
fi
if [ "${#problems[@]}" -gt 0 ]; then
  for p in "${problems[@]}"; do say "FAILED: $p"; done
  exit 1
fi
if [ -z "$expect_refused" ]; then
  say "PASSED: every resource planned offline, the pack passes, the SARIF is valid"
else
  say "REFUSED as expected, by $violated; every resource planned offline; the SARIF is valid"
fi
