#!/usr/bin/env bash
# Builds the Pulumi engine (CLI, Node.js language host, provider plugins) from Go modules, because
# the vendor's download site is out of reach on the project's machines and CI. Everything lands in
# a gitignored cache directory; a second run only checks stamps and takes about two seconds.
#
#   bash scripts/pulumi-engine.sh          build what is missing, print progress, then the env lines
#   eval "$(bash scripts/pulumi-engine.sh --env)"
#                                          same, progress on stderr; stdout is only `export` lines
#                                          (PATH, PULUMI_HOME and the switches that keep the CLI offline)
#
# Environment: IPV6_MAIL_CACHE (cache dir, default <repo>/.cache/pulumi-engine). Go's own
# GOMODCACHE/GOCACHE are used as configured. See scripts/engine/README.md for what is built, what
# the module proxy refuses to serve, and the figures measured.
set -euo pipefail

# --- pinned versions (each must agree with the wrapper go.mod that builds it) -----------------------
PULUMI_VERSION="v3.248.0"            # scripts/engine/cli/go.mod; npm @pulumi/pulumi 3.248.0
LANGUAGE_HOST_SDK_VERSION="v3.68.0"  # scripts/engine/language-nodejs/go.mod (see README: why not v3.248.0)
COMMAND_VERSION="1.2.1"              # npm @pulumi/command 1.2.1
# The command provider's own module has no tags; this is the pseudo-version of the commit of tag
# v1.2.1 (7f3eb6f3b77c, committed 2026-03-03T23:59:22Z). The module proxy reachable here refuses it.
COMMAND_PROVIDER_MODULE="github.com/pulumi/pulumi-command/provider"
COMMAND_PROVIDER_PSEUDO="v0.0.0-20260303235922-7f3eb6f3b77c"
COMMAND_PROVIDER_MAIN="cmd/pulumi-resource-command"
COMMAND_PROVIDER_VERSION_VAR="github.com/pulumi/pulumi-command/provider/pkg/version.Version"

PULUMI_MODULE="github.com/pulumi/pulumi/pkg/v3"
PULUMI_SDK_MODULE="github.com/pulumi/pulumi/sdk/v3"
PULUMI_VERSION_VAR="github.com/pulumi/pulumi/sdk/v3/go/common/version.Version"

# --- locations -------------------------------------------------------------------------------------
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/.." && pwd)"
ENGINE_SRC="$HERE/engine"
CACHE="${IPV6_MAIL_CACHE:-$REPO/.cache/pulumi-engine}"
BIN="$CACHE/bin"
LIBEXEC="$CACHE/libexec"
STAMPS="$CACHE/stamps"
WORK="$CACHE/work"
export PULUMI_HOME="$CACHE/home"

ENV_ONLY=0
case "${1:-}" in
  --env) ENV_ONLY=1 ;;
  "") ;;
  -h | --help)
    sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'
    exit 0
    ;;
  *)
    echo "pulumi-engine: unknown argument '$1' (use --env or nothing)" >&2
    exit 2
    ;;
esac

log() { printf 'pulumi-engine: %s\n' "$*" >&2; }
die() {
  log "ERROR: $*"
  exit 1
}

# --- Go: offline-safe settings ---------------------------------------------------------------------
command -v go >/dev/null 2>&1 || die "Go is not installed (need Go >= 1.25.11; the wrappers pin go 1.25)"
# Never fetch a toolchain: the installed Go must be new enough (go.mod says which).
export GOTOOLCHAIN=local
# Builds use the committed go.sum files; nothing may rewrite them.
export GOFLAGS="-mod=readonly -buildvcs=false -trimpath"
# The checksum database, reached through the module proxy, has no entries for some Pulumi releases
# (lookups answer 404); their hashes are pinned in the committed go.sum files instead.
export GONOSUMDB="${GONOSUMDB:+$GONOSUMDB,}github.com/pulumi/pulumi"

mkdir -p "$BIN" "$STAMPS" "$WORK" "$PULUMI_HOME"

# Stamp = hash of everything that determines an artifact; a matching stamp and binary mean "up to date".
stamp_of() { # inputs...
  { printf '%s\n' "$@" "$(go env GOVERSION)" "$GOFLAGS"; } | sha256sum | cut -d' ' -f1
}
is_fresh() { [[ -x "$2" && -f "$STAMPS/$1" && "$(cat "$STAMPS/$1")" == "$3" ]]; }
mark_fresh() { printf '%s\n' "$2" >"$STAMPS/$1"; }

# Checks that a wrapper go.mod requires exactly the pinned version, so the two cannot drift apart.
check_pin() { # dir, module, version
  local got
  got="$(cd "$1" && go list -m -f '{{.Version}}' "$2")"
  [[ "$got" == "$3" ]] || die "$1/go.mod pins $2 at $got but the script pins $3"
}

# Builds a package of a committed wrapper module (its `tool`, or "." for its own main package).
build_pkg() { # wrapper dir, package, output path, ldflags, stamp name, [pinned module, pinned version]
  local dir="$1" pkg="$2" out="$3" ldflags="$4" name="$5" stamp t0
  stamp="$(stamp_of "$pkg" "$ldflags" "$(cat "$dir/go.mod" "$dir/go.sum")" \
    "$(find "$dir" -maxdepth 1 -name '*.go' -exec cat {} +)")"
  if is_fresh "$name" "$out" "$stamp"; then
    log "$name: up to date ($out)"
    return 0
  fi
  [[ -z "${6:-}" ]] || check_pin "$dir" "$6" "$7"
  log "$name: downloading modules for $pkg${7:+@$7} ..."
  t0=$SECONDS
  (cd "$dir" && go mod download) || die "$name: go mod download failed"
  log "$name: modules ready after $((SECONDS - t0)) s; building$([[ $name != pulumi ]] || echo " (cold: about ten minutes on 2 cores)") ..."
  t0=$SECONDS
  mkdir -p "$(dirname "$out")"
  (cd "$dir" && go build -ldflags "$ldflags" -o "$out.tmp" "$pkg") || die "$name: go build failed"
  mv -f "$out.tmp" "$out"
  mark_fresh "$name" "$stamp"
  log "$name: built in $((SECONDS - t0)) s -> $out"
}

# --- 1. the CLI ------------------------------------------------------------------------------------
external_pulumi=""
if cand="$(PATH="${PATH//$BIN:/}" command -v pulumi 2>/dev/null)" && [[ "$cand" != "$BIN/pulumi" ]]; then
  if [[ "$(PULUMI_SKIP_UPDATE_CHECK=true "$cand" version 2>/dev/null || true)" == "$PULUMI_VERSION" ]]; then
    external_pulumi="$cand"
  fi
fi

if [[ -n "$external_pulumi" ]]; then
  log "pulumi: using $external_pulumi ($PULUMI_VERSION, already on PATH)"
else
  build_pkg "$ENGINE_SRC/cli" "$PULUMI_MODULE/cmd/pulumi" "$BIN/pulumi" \
    "-s -w -X $PULUMI_VERSION_VAR=$PULUMI_VERSION" pulumi "$PULUMI_MODULE" "$PULUMI_VERSION"
  got="$(PULUMI_SKIP_UPDATE_CHECK=true "$BIN/pulumi" version)"
  [[ "$got" == "$PULUMI_VERSION" ]] || die "built pulumi reports '$got', expected $PULUMI_VERSION"
fi

# --- 2. the Node.js language host and the dynamic-provider shim -----------------------------------
if [[ -n "$external_pulumi" && -x "$(dirname "$external_pulumi")/pulumi-language-nodejs" ]]; then
  log "pulumi-language-nodejs: using the one beside $external_pulumi"
else
  # The host itself goes to libexec/; bin/ gets the front that adds RunPlugin (policy packs) to it
  # and starts it from ../libexec (scripts/engine/language-nodejs-shim/main.go).
  build_pkg "$ENGINE_SRC/language-nodejs" "$PULUMI_SDK_MODULE/nodejs/cmd/pulumi-language-nodejs" \
    "$LIBEXEC/pulumi-language-nodejs" "-s -w" language-host "$PULUMI_SDK_MODULE" "$LANGUAGE_HOST_SDK_VERSION"
  build_pkg "$ENGINE_SRC/language-nodejs-shim" . "$BIN/pulumi-language-nodejs" "-s -w" language-host-front
fi

# `pulumi.dynamic.Resource` needs the `pulumi-resource-pulumi-nodejs` script the vendor ships beside
# the CLI; the sdk/v3 module of the same release carries it.
shim="$BIN/pulumi-resource-pulumi-nodejs"
if [[ ! -x "$shim" ]]; then
  sdk_dir="$(cd "$ENGINE_SRC/cli" && go list -m -f '{{.Dir}}' "$PULUMI_SDK_MODULE")"
  [[ -n "$sdk_dir" && -f "$sdk_dir/nodejs/dist/pulumi-resource-pulumi-nodejs" ]] ||
    (cd "$ENGINE_SRC/cli" && go mod download "$PULUMI_SDK_MODULE")
  sdk_dir="$(cd "$ENGINE_SRC/cli" && go list -m -f '{{.Dir}}' "$PULUMI_SDK_MODULE")"
  install -m 0755 "$sdk_dir/nodejs/dist/pulumi-resource-pulumi-nodejs" "$shim"
  log "pulumi-resource-pulumi-nodejs: installed from $PULUMI_SDK_MODULE@$PULUMI_VERSION"
fi

# --- 3. the command provider (best effort: the module proxy here does not serve it) ----------------
export PATH="$BIN:$PATH"
export PULUMI_SKIP_UPDATE_CHECK=true PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
command_plugin_dir="$PULUMI_HOME/plugins/resource-command-v$COMMAND_VERSION"
if [[ -x "$command_plugin_dir/pulumi-resource-command" ]]; then
  log "command provider: $COMMAND_VERSION installed in PULUMI_HOME"
elif command -v pulumi-resource-command >/dev/null 2>&1; then
  log "command provider: using $(command -v pulumi-resource-command) from PATH"
else
  # A wrapper module generated in the cache: requires the provider at the pinned pseudo-version and
  # repeats the provider's own (non-local) replace directives, as for the committed wrappers.
  cw="$WORK/command"
  rm -rf "$cw" && mkdir -p "$cw"
  if (cd "$cw" && printf 'module ipv6-mail/engine/command\n\ngo 1.25\n' >go.mod &&
    GOFLAGS=-mod=mod go mod download "$COMMAND_PROVIDER_MODULE@$COMMAND_PROVIDER_PSEUDO") >"$cw/log" 2>&1; then
    log "command provider: building $COMMAND_PROVIDER_MODULE@$COMMAND_PROVIDER_PSEUDO ..."
    pdir="$(cd "$cw" && GOFLAGS=-mod=mod go mod download -json "$COMMAND_PROVIDER_MODULE@$COMMAND_PROVIDER_PSEUDO" |
      sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')"
    (
      cd "$cw"
      go mod edit -require="$COMMAND_PROVIDER_MODULE@$COMMAND_PROVIDER_PSEUDO"
      go mod edit -json "$pdir/go.mod" | python3 -c '
import json, sys
for r in json.load(sys.stdin).get("Replace") or []:
    new = r["New"]
    if new.get("Version"):  # local-path replaces cannot be repeated outside the repository
        old = r["Old"]["Path"] + ("@" + r["Old"]["Version"] if r["Old"].get("Version") else "")
        print("-replace=%s=%s@%s" % (old, new["Path"], new["Version"]))
' | xargs -r go mod edit
      printf '//go:build tools\n\npackage tools\n\nimport _ "%s/%s"\n' \
        "$COMMAND_PROVIDER_MODULE" "$COMMAND_PROVIDER_MAIN" >tools.go
      GOFLAGS=-mod=mod go mod tidy
      go build -ldflags "-s -w -X $COMMAND_PROVIDER_VERSION_VAR=$COMMAND_VERSION" \
        -o "$cw/pulumi-resource-command" "$COMMAND_PROVIDER_MODULE/$COMMAND_PROVIDER_MAIN"
    ) >>"$cw/log" 2>&1 || die "command provider: build failed, see $cw/log"
    pulumi plugin install resource command "$COMMAND_VERSION" --file "$cw/pulumi-resource-command" >&2
    log "command provider: $COMMAND_VERSION installed in PULUMI_HOME"
  else
    log "command provider: NOT AVAILABLE - the module proxy refuses $COMMAND_PROVIDER_MODULE@$COMMAND_PROVIDER_PSEUDO"
    log "  ($(grep -m1 -o 'reading https[^ ]*: [0-9]* [A-Za-z ]*' "$cw/log" | sed 's|https://[^/]*/|<proxy>/|' || true))."
    log "  Programs using @pulumi/command cannot be deployed; put pulumi-resource-command on PATH to supply one."
  fi
fi

# --- result ----------------------------------------------------------------------------------------
env_lines="export PATH=\"$BIN:\$PATH\"
export PULUMI_HOME=\"$PULUMI_HOME\"
export PULUMI_SKIP_UPDATE_CHECK=true
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true"
if [[ -n "$external_pulumi" ]]; then
  env_lines="export PATH=\"$(dirname "$external_pulumi"):$BIN:\$PATH\"${env_lines#*\$PATH\"}"
fi
if [[ "$ENV_ONLY" == 1 ]]; then
  printf '%s\n' "$env_lines"
else
  log "ready: $(command -v pulumi) $(pulumi version); to use it in a shell:"
  printf '%s\n' "$env_lines"
fi
