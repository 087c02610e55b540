#!/usr/bin/env bash
# Builds the Pulumi engine (CLI, language hosts, provider plugins) from Go modules and from the source
# archives in ../shared/third-party, because the vendor's download site is out of reach on the project's
# machines and CI and the Go module proxy refuses some versions. Everything lands in a gitignored cache
# directory; a run with nothing to do only checks stamps.
#
#   bash scripts/pulumi-engine.sh          build what is missing, progress on stderr, then the env lines
#   eval "$(bash scripts/pulumi-engine.sh --env)"
#                                          same; stdout is only `export` lines (PATH, PULUMI_HOME and
#                                          the switches that keep the CLI offline)
#   bash scripts/pulumi-engine.sh --plugins
#                                          same; stdout is one line per plugin: kind, name, version, source
#   --build-cloudflare                     (with any of the above) compile the Cloudflare provider from
#                                          source instead of installing the prebuilt binary (~50 min)
#
# Environment: IPV6_MAIL_ENGINE_SOURCES (a directory laid out like ../shared/third-party: src/, goproxy/,
# bin/; read-only; default <repo>/../shared/third-party if it exists), IPV6_MAIL_CACHE (cache dir, default
# <repo>/.cache/pulumi-engine). Go's own GOMODCACHE/GOCACHE are used as configured. See
# scripts/engine/README.md for what is built, from which ref, and the figures measured.
set -euo pipefail

# --- pinned versions --------------------------------------------------------------------------------
PULUMI_VERSION="v3.248.0"      # scripts/engine/cli/go.mod; npm @pulumi/pulumi 3.248.0; language hosts
COMMAND_VERSION="1.2.1"        # npm @pulumi/command
HCLOUD_VERSION="1.41.0"        # npm @pulumi/hcloud
DIGITALOCEAN_VERSION="4.80.1"  # npm @pulumi/digitalocean
CLOUDFLARE_VERSION="6.17.0"    # npm @pulumi/cloudflare
YAML_MODULE="github.com/pulumi/pulumi-yaml"
YAML_VERSION="v1.37.1-0.20260717123218-294c561f47f4" # scripts/engine/language-yaml/go.mod

PULUMI_MODULE="github.com/pulumi/pulumi/pkg/v3"
PULUMI_SDK_MODULE="github.com/pulumi/pulumi/sdk/v3"
PULUMI_VERSION_VAR="github.com/pulumi/pulumi/sdk/v3/go/common/version.Version"

# The archives (paths under the sources dir; their sha256 are pinned in scripts/engine/sources.sha256)
# and what they are. A "commit" source is not the release tag of the version it is installed as.
NODEJS_SRC="src/pulumi-language-nodejs-v3.248.0.tar.gz"
PYTHON_SRC="src/pulumi-language-python-v3.248.0.tar.gz"
COMMAND_SRC="src/pulumi-command-v1.2.1.tar.gz"
HCLOUD_SRC="src/pulumi-hcloud-c3608de6.tar.gz"
DIGITALOCEAN_SRC="src/pulumi-digitalocean-c52e0a38.tar.gz"
CLOUDFLARE_SRC="src/pulumi-cloudflare-v6.17.0.tar.gz"
CLOUDFLARE_BIN="bin/pulumi-resource-cloudflare-v6.17.0-linux-amd64.xz"
PULUMI_REF="pulumi/pulumi tag pkg/v3.248.0 (dc7edd58bc13)"
COMMAND_REF="pulumi/pulumi-command tag v1.2.1 (7f3eb6f3b77c)"
HCLOUD_REF="pulumi/pulumi-hcloud commit c3608de6fa9c (2026-07-24), not the v1.41.0 tag; resources used checked equal to @pulumi/hcloud 1.41.0"
DIGITALOCEAN_REF="pulumi/pulumi-digitalocean commit c52e0a381c52 (2026-07-24), OLDER than v4.80.1: lacks Droplet.gpuPartitionMode, Firewall rule action, DatabaseAdvancedMysqlConfig, ..."
CLOUDFLARE_REF="pulumi/pulumi-cloudflare tag v6.17.0 (6052b720f3a8)"
YAML_REF="pulumi/pulumi-yaml commit 294c561f47f4, no release tag (goproxy overlay)"

# --- locations and arguments -------------------------------------------------------------------------
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/.." && pwd)"
ENGINE_SRC="$HERE/engine"
CACHE="${IPV6_MAIL_CACHE:-$REPO/.cache/pulumi-engine}"
BIN="$CACHE/bin"
STAMPS="$CACHE/stamps"
WORK="$CACHE/work"

MODE=build
BUILD_CLOUDFLARE=0
for arg in "$@"; do
  case "$arg" in
    --env) MODE="env" ;;
    --plugins) MODE="plugins" ;;
    --build-cloudflare) BUILD_CLOUDFLARE=1 ;;
    -h | --help)
      sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'
      exit 0
      ;;
    *)
      echo "pulumi-engine: unknown argument '$arg' (use --env, --plugins, --build-cloudflare or nothing)" >&2
      exit 2
      ;;
  esac
done

log() { printf 'pulumi-engine: %s\n' "$*" >&2; }
die() {
  log "ERROR: $*"
  exit 1
}
export PULUMI_SKIP_UPDATE_CHECK=true PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true

# One line per plugin for --plugins: kind, name, version, where it came from.
PLUGIN_LINES=()
record() { PLUGIN_LINES+=("$(printf '%-9s %-14s %-40s %s' "$1" "$2" "$3" "$4")"); }

# The first executable named $1 on PATH outside our own bin/.
on_path() {
  local d IFS=:
  for d in $PATH; do
    [[ -n "$d" && "$d" != "$BIN" && -x "$d/$1" && ! -d "$d/$1" ]] && {
      printf '%s\n' "$d/$1"
      return 0
    }
  done
  return 1
}

# --- 0. a Pulumi installed the normal way? -----------------------------------------------------------
# If a pulumi on PATH reports exactly $PULUMI_VERSION, its language hosts sit beside it or on PATH, and
# the user's PULUMI_HOME (or PATH) holds every resource plugin at the pinned version, nothing is built.
external_pulumi=""
if cand="$(on_path pulumi)" && [[ "$("$cand" version 2>/dev/null || true)" == "$PULUMI_VERSION" ]]; then
  external_pulumi="$cand"
fi
beside_external() { # executable name -> path beside the external pulumi (or on PATH), if any
  [[ -n "$external_pulumi" ]] || return 1
  local p
  p="$(dirname "$external_pulumi")/$1"
  if [[ -x "$p" ]]; then printf '%s\n' "$p"; else on_path "$1"; fi
}
normal_install() {
  [[ -n "$external_pulumi" ]] || return 1
  local h p installed
  for h in pulumi-language-nodejs pulumi-language-python pulumi-language-python-exec pulumi-language-yaml; do
    beside_external "$h" >/dev/null || return 1
  done
  installed="$("$external_pulumi" plugin ls --json 2>/dev/null | python3 -c '
import json, sys
for p in json.load(sys.stdin) or []:
    print("%s %s %s" % (p.get("kind"), p.get("name"), p.get("version")))' 2>/dev/null || true)"
  for p in "command $COMMAND_VERSION" "hcloud $HCLOUD_VERSION" "digitalocean $DIGITALOCEAN_VERSION" \
    "cloudflare $CLOUDFLARE_VERSION"; do
    grep -qx "resource $p" <<<"$installed" || on_path "pulumi-resource-${p% *}" >/dev/null || return 1
  done
}

print_result() { # PATH dirs, PULUMI_HOME
  local env_lines
  env_lines="export PATH=\"$1:\$PATH\"
export PULUMI_HOME=\"$2\"
export PULUMI_SKIP_UPDATE_CHECK=true
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true"
  case "$MODE" in
    env) printf '%s\n' "$env_lines" ;;
    plugins) printf '%s\n' "${PLUGIN_LINES[@]}" ;;
    *)
      log "ready: $(PATH="$1:$PATH" command -v pulumi) $PULUMI_VERSION; to use it in a shell:"
      printf '%s\n' "$env_lines"
      ;;
  esac
}

if [[ "$BUILD_CLOUDFLARE" == 0 ]] && normal_install; then
  log "using the Pulumi installed on this machine ($external_pulumi $PULUMI_VERSION, its language hosts and plugins); nothing to build"
  record cli pulumi "$PULUMI_VERSION" "installed: $external_pulumi"
  for h in nodejs python yaml; do record language "$h" "(bundled)" "installed: $(beside_external "pulumi-language-$h")"; done
  for p in "command $COMMAND_VERSION" "hcloud $HCLOUD_VERSION" "digitalocean $DIGITALOCEAN_VERSION" \
    "cloudflare $CLOUDFLARE_VERSION"; do
    record resource "${p% *}" "${p#* }" "installed: $(on_path "pulumi-resource-${p% *}" || echo "plugin cache ${PULUMI_HOME:-$HOME/.pulumi}")"
  done
  print_result "$(dirname "$external_pulumi")" "${PULUMI_HOME:-$HOME/.pulumi}"
  exit 0
fi

# --- the sources dir ----------------------------------------------------------------------------------
SOURCES="${IPV6_MAIL_ENGINE_SOURCES:-}"
if [[ -z "$SOURCES" ]]; then
  [[ -d "$REPO/../shared/third-party/src" ]] ||
    die "IPV6_MAIL_ENGINE_SOURCES is not set and $REPO/../shared/third-party does not exist. Set IPV6_MAIL_ENGINE_SOURCES to a directory laid out like shared/third-party (src/, goproxy/, bin/), or install Pulumi $PULUMI_VERSION and its plugins the normal way."
  SOURCES="$REPO/../shared/third-party"
fi
[[ -d "$SOURCES/src" && -d "$SOURCES/goproxy" && -d "$SOURCES/bin" ]] ||
  die "IPV6_MAIL_ENGINE_SOURCES=$SOURCES is not laid out like shared/third-party (needs src/, goproxy/, bin/)"
SOURCES="$(cd "$SOURCES" && pwd)"

declare -A SHA # sources-relative path -> sha256, checked against scripts/engine/sources.sha256
verify_source() {
  local rel="$1" want got
  [[ -n "${SHA[$rel]:-}" ]] && return 0
  [[ -f "$SOURCES/$rel" ]] || die "$rel is missing from the sources dir $SOURCES (IPV6_MAIL_ENGINE_SOURCES)"
  want="$(awk -v p="$rel" '$2 == p { print $1 }' "$ENGINE_SRC/sources.sha256")"
  [[ -n "$want" ]] || die "scripts/engine/sources.sha256 pins no sha256 for $rel"
  got="$(sha256sum "$SOURCES/$rel" | cut -d' ' -f1)"
  [[ "$got" == "$want" ]] || die "$SOURCES/$rel has sha256 $got; scripts/engine/sources.sha256 pins $want"
  SHA[$rel]="$got"
}

# --- Go: offline-safe settings ------------------------------------------------------------------------
command -v go >/dev/null 2>&1 || die "Go is not installed (need Go >= 1.26.4: the hcloud provider's go.mod says go 1.26.4)"
# Never fetch a toolchain: the installed Go must be new enough (the go.mod files say which).
export GOTOOLCHAIN=local
# Builds use committed (or the archives' own) go.sum files; nothing may rewrite them.
export GOFLAGS="-mod=readonly -buildvcs=false -trimpath"
# The overlay serves the module versions the proxy refuses; no `direct` fallback (github is out of reach).
export GOPROXY="file://$SOURCES/goproxy,${GOPROXY:-https://proxy.golang.org}"
# The checksum database has no entries for some Pulumi releases (404); the hashes are in the go.sum files.
export GONOSUMDB="${GONOSUMDB:+$GONOSUMDB,}github.com/pulumi"

export PULUMI_HOME="$CACHE/home"
mkdir -p "$BIN" "$STAMPS" "$WORK" "$PULUMI_HOME"

# Stamp = hash of everything that determines an artifact; a matching stamp and file mean "up to date".
# Bump a RECIPE when the steps of its builder change (the stamps of the other inputs change by themselves).
HOST_RECIPE=1 PROVIDER_RECIPE=1 CLOUDFLARE_RECIPE=1
stamp_of() { # inputs...
  { printf '%s\n' "$@" "$(go env GOVERSION)" "$GOFLAGS"; } | sha256sum | cut -d' ' -f1
}
# CPU seconds (user + system) used so far by finished child processes, in CPU_NOW; the figure that does
# not depend on what else runs on the machine. (`times` must run in this shell, not in a $(...).)
cpu_mark() {
  times >"$WORK/.times"
  CPU_NOW="$(awk 'NR == 2 { t = 0; for (i = 1; i <= 2; i++) { split($i, a, "m"); t += a[1] * 60 + a[2] } printf "%d", t }' "$WORK/.times")"
}
took() { # wall-clock start (SECONDS), CPU start -> "N s (CPU M s)"; call cpu_mark first
  printf '%d s (CPU %d s)' "$((SECONDS - $1))" "$((CPU_NOW - $2))"
}
is_fresh() { [[ -x "$2" && -f "$STAMPS/$1" && "$(cat "$STAMPS/$1")" == "$3" ]]; }
mark_fresh() { printf '%s\n' "$2" >"$STAMPS/$1"; }

# Checks that a go.mod requires exactly the pinned version, so the two cannot drift apart.
check_pin() { # dir, module, version
  local got
  got="$(cd "$1" && go list -m -f '{{.Version}}' "$2")"
  [[ "$got" == "$3" ]] || die "$1/go.mod pins $2 at $got but the script pins $3"
}

# Unpacks a source archive into $WORK (each archive holds one directory named like it); prints the dir.
unpack() { # sources-relative archive
  local base
  base="$(basename "$1" .tar.gz)"
  rm -rf "${WORK:?}/$base"
  tar xzf "$SOURCES/$1" -C "$WORK" --no-same-owner
  [[ -d "$WORK/$base" ]] || die "$1 did not unpack into $base/"
  printf '%s\n' "$WORK/$base"
}

# Builds a package of a committed wrapper module (its `tool`) from the module proxy.
build_pkg() { # wrapper dir, package, output path, ldflags, stamp name, [pinned module, pinned version]
  local dir="$1" pkg="$2" out="$3" ldflags="$4" name="$5" stamp t0 c0
  # (the empty last input keeps the stamps of caches made before this version of the script valid)
  stamp="$(stamp_of "$pkg" "$ldflags" "$(cat "$dir/go.mod" "$dir/go.sum")" "")"
  if is_fresh "$name" "$out" "$stamp"; then
    log "$name: up to date ($out)"
    return 0
  fi
  [[ -z "${6:-}" ]] || check_pin "$dir" "$6" "$7"
  log "$name: downloading modules for $pkg${7:+@$7} ..."
  t0=$SECONDS && cpu_mark && c0=$CPU_NOW
  (cd "$dir" && go mod download) || die "$name: go mod download failed"
  log "$name: modules ready after $((SECONDS - t0)) s; building$([[ $name != pulumi ]] || echo " (cold: about ten minutes on 2 cores)") ..."
  t0=$SECONDS && cpu_mark && c0=$CPU_NOW
  mkdir -p "$(dirname "$out")"
  (cd "$dir" && go build -ldflags "$ldflags" -o "$out.tmp" "$pkg") || die "$name: go build failed"
  mv -f "$out.tmp" "$out"
  mark_fresh "$name" "$stamp"
  cpu_mark
  log "$name: built in $(took "$t0" "$c0") -> $out"
}

# Builds a language host from a pulumi/pulumi source archive with the committed go.mod/go.sum laid over
# the host's own (which replace pkg/v3 and sdk/v3 by paths of the full repository the archive lacks).
build_host() { # language, archive, [extra file to install beside the host]
  local lang="$1" rel="$2" extra="${3:-}" name="language-$1" out="$BIN/pulumi-language-$1" overlay stamp dir t0 c0
  overlay="$ENGINE_SRC/language-$lang"
  verify_source "$rel"
  stamp="$(stamp_of "$name" "${SHA[$rel]}" "$(cat "$overlay/go.mod" "$overlay/go.sum")" "$PULUMI_VERSION" \
    "host-recipe-$HOST_RECIPE")"
  if is_fresh "$name" "$out" "$stamp" && [[ -z "$extra" || -x "$BIN/$extra" ]]; then
    log "$name: up to date ($out)"
    return 0
  fi
  check_pin "$overlay" "$PULUMI_MODULE" "$PULUMI_VERSION"
  check_pin "$overlay" "$PULUMI_SDK_MODULE" "$PULUMI_VERSION"
  t0=$SECONDS && cpu_mark && c0=$CPU_NOW
  dir="$(unpack "$rel")"
  cp "$overlay/go.mod" "$overlay/go.sum" "$dir/sdk/$lang/cmd/pulumi-language-$lang/"
  log "$name: building pulumi-language-$lang $PULUMI_VERSION from $rel ..."
  (cd "$dir/sdk/$lang/cmd/pulumi-language-$lang" &&
    go build -ldflags "-s -w -X $PULUMI_VERSION_VAR=$PULUMI_VERSION" -o "$out.tmp" .) ||
    die "$name: go build failed (source left in $dir)"
  [[ -z "$extra" ]] || install -m 0755 "$dir/sdk/$lang/cmd/$extra" "$BIN/$extra"
  mv -f "$out.tmp" "$out"
  mark_fresh "$name" "$stamp"
  rm -rf "$dir"
  cpu_mark
  log "$name: built in $(took "$t0" "$c0") -> $out"
}

plugin_install() { # name, version, binary
  "$PULUMI" plugin install resource "$1" "$2" --file "$3" --reinstall >&2 ||
    die "$1: pulumi plugin install failed"
  [[ -x "$PULUMI_HOME/plugins/resource-$1-v$2/pulumi-resource-$1" ]] ||
    die "$1: pulumi plugin install left no $PULUMI_HOME/plugins/resource-$1-v$2/pulumi-resource-$1"
}

# Prepares an unpacked pulumi-digitalocean archive: the provider replaces the upstream Terraform provider
# (and its vendored godo) by ../upstream, which must carry patches/*.patch, as the provider's Makefile does.
prepare_digitalocean() { # dir
  git -C "$1/upstream" init -q &&
    git -C "$1/upstream" apply "$1"/patches/*.patch
}

# Builds a bridged or native provider from its archive's provider/ module (own go.mod/go.sum) and installs
# it into PULUMI_HOME as resource-<name>-v<version>.
build_provider() { # name, version, archive, version variable, go generate? (0/1), [prepare function]
  local name="$1" version="$2" rel="$3" var="$4" generate="$5" prepare="${6:-}" dest stamp dir t0 c0
  dest="$PULUMI_HOME/plugins/resource-$name-v$version/pulumi-resource-$name"
  verify_source "$rel"
  stamp="$(stamp_of "$name" "$version" "${SHA[$rel]}" "$var" "$generate" "$prepare" \
    "provider-recipe-$PROVIDER_RECIPE")"
  if is_fresh "$name" "$dest" "$stamp"; then
    log "$name: $version up to date ($dest)"
    return 0
  fi
  t0=$SECONDS && cpu_mark && c0=$CPU_NOW
  dir="$(unpack "$rel")"
  [[ -z "$prepare" ]] || "$prepare" "$dir" || die "$name: preparing the source failed (left in $dir)"
  cd "$dir/provider"
  if [[ "$generate" == 1 ]]; then
    # The main package embeds schema-embed.json: schema.json with the version set (generate.go).
    log "$name: go generate (schema-embed.json, version $version) ..."
    VERSION="$version" go generate "./cmd/pulumi-resource-$name/main.go" ||
      die "$name: go generate failed (source left in $dir)"
  fi
  log "$name: building pulumi-resource-$name $version from $rel ..."
  go build -ldflags "-s -w -X $var=$version" -o "$WORK/pulumi-resource-$name" "./cmd/pulumi-resource-$name" ||
    die "$name: go build failed (source left in $dir)"
  cd "$REPO"
  plugin_install "$name" "$version" "$WORK/pulumi-resource-$name"
  mark_fresh "$name" "$stamp"
  rm -rf "$dir" "$WORK/pulumi-resource-$name"
  cpu_mark
  log "$name: $version built in $(took "$t0" "$c0") -> $dest"
}

# Installs the prebuilt Cloudflare provider after checking the sha256 of the .xz and of its content
# against bin/SHA256SUMS.
install_cloudflare_prebuilt() {
  local dest="$PULUMI_HOME/plugins/resource-cloudflare-v$CLOUDFLARE_VERSION/pulumi-resource-cloudflare"
  local sums="$SOURCES/bin/SHA256SUMS" stamp want_xz want_bin got t0 c0 tmp
  verify_source "$CLOUDFLARE_BIN"
  stamp="$(stamp_of cloudflare prebuilt "$CLOUDFLARE_VERSION" "${SHA[$CLOUDFLARE_BIN]}" "$(cat "$sums")")"
  if is_fresh cloudflare "$dest" "$stamp"; then
    log "cloudflare: $CLOUDFLARE_VERSION up to date ($dest, prebuilt)"
    record resource cloudflare "$CLOUDFLARE_VERSION" "prebuilt $CLOUDFLARE_BIN (sha256 checked) from $CLOUDFLARE_SRC = $CLOUDFLARE_REF"
    return 0
  fi
  if [[ -f "$STAMPS/cloudflare.source" && -f "$STAMPS/cloudflare" && -x "$dest" ]] &&
    cmp -s "$STAMPS/cloudflare" "$STAMPS/cloudflare.source"; then
    log "cloudflare: $CLOUDFLARE_VERSION built from source earlier (--build-cloudflare); kept"
    record resource cloudflare "$CLOUDFLARE_VERSION" "built from $CLOUDFLARE_SRC = $CLOUDFLARE_REF (--build-cloudflare)"
    return 0
  fi
  t0=$SECONDS && cpu_mark && c0=$CPU_NOW
  want_xz="$(awk '$2 == "'"$(basename "$CLOUDFLARE_BIN")"'" { print $1 }' "$sums")"
  want_bin="$(awk '$2 == "pulumi-resource-cloudflare" && $3 == "(uncompressed)" { print $1 }' "$sums")"
  [[ -n "$want_xz" && -n "$want_bin" ]] || die "cloudflare: $sums lists no sha256 for the .xz and the uncompressed binary"
  [[ "${SHA[$CLOUDFLARE_BIN]}" == "$want_xz" ]] || die "cloudflare: $CLOUDFLARE_BIN does not match $sums"
  tmp="$WORK/pulumi-resource-cloudflare"
  xz -dc "$SOURCES/$CLOUDFLARE_BIN" >"$tmp" || die "cloudflare: xz -d failed"
  got="$(sha256sum "$tmp" | cut -d' ' -f1)"
  [[ "$got" == "$want_bin" ]] || die "cloudflare: the uncompressed binary has sha256 $got, $sums says $want_bin"
  chmod 0755 "$tmp"
  plugin_install cloudflare "$CLOUDFLARE_VERSION" "$tmp"
  rm -f "$tmp"
  mark_fresh cloudflare "$stamp"
  rm -f "$STAMPS/cloudflare.source"
  cpu_mark
  log "cloudflare: $CLOUDFLARE_VERSION installed (prebuilt, sha256 checked) in $(took "$t0" "$c0") -> $dest"
  record resource cloudflare "$CLOUDFLARE_VERSION" "prebuilt $CLOUDFLARE_BIN (sha256 checked) from $CLOUDFLARE_SRC = $CLOUDFLARE_REF"
}

# --build-cloudflare: the steps of shared/third-party/README.md. tfgen alone takes ~50 min on 2 cores.
build_cloudflare_source() {
  local dest="$PULUMI_HOME/plugins/resource-cloudflare-v$CLOUDFLARE_VERSION/pulumi-resource-cloudflare"
  local var="github.com/pulumi/pulumi-cloudflare/provider/v6/pkg/version.Version" overlay="$ENGINE_SRC/cloudflare"
  local stamp dir t0 c0
  verify_source "$CLOUDFLARE_SRC"
  stamp="$(stamp_of cloudflare source "$CLOUDFLARE_VERSION" "${SHA[$CLOUDFLARE_SRC]}" \
    "$(cat "$overlay/go.mod" "$overlay/go.sum")" "cloudflare-recipe-$CLOUDFLARE_RECIPE")"
  record resource cloudflare "$CLOUDFLARE_VERSION" "built from $CLOUDFLARE_SRC = $CLOUDFLARE_REF (--build-cloudflare)"
  if is_fresh cloudflare "$dest" "$stamp"; then
    log "cloudflare: $CLOUDFLARE_VERSION up to date ($dest, built from source)"
    return 0
  fi
  t0=$SECONDS && cpu_mark && c0=$CPU_NOW
  dir="$(unpack "$CLOUDFLARE_SRC")"
  (git -C "$dir/upstream" init -q && git -C "$dir/upstream" apply "$dir"/patches/*.patch) ||
    die "cloudflare: applying patches/*.patch to upstream/ failed"
  cp "$overlay/go.mod" "$overlay/go.sum" "$dir/provider/"
  cd "$dir/provider"
  log "cloudflare: building pulumi-tfgen-cloudflare (about 50 minutes on 2 cores) ..."
  go build -ldflags "-X $var=$CLOUDFLARE_VERSION" -o pulumi-tfgen-cloudflare ./cmd/pulumi-tfgen-cloudflare ||
    die "cloudflare: building tfgen failed (source left in $dir)"
  log "cloudflare: tfgen built after $((SECONDS - t0)) s; generating schema.json ..."
  ./pulumi-tfgen-cloudflare schema --out cmd/pulumi-resource-cloudflare >&2 || die "cloudflare: tfgen schema failed"
  if cmp -s cmd/pulumi-resource-cloudflare/schema.json <(zcat "$SOURCES/bin/cloudflare-v6.17.0-build/schema.json.gz"); then
    log "cloudflare: schema.json is identical to the one the prebuilt binary was made with"
  else
    log "cloudflare: WARNING: schema.json differs from bin/cloudflare-v6.17.0-build/schema.json.gz"
  fi
  VERSION="$CLOUDFLARE_VERSION" go generate cmd/pulumi-resource-cloudflare/main.go || die "cloudflare: go generate failed"
  go build -ldflags "-s -w -X $var=$CLOUDFLARE_VERSION" -o "$WORK/pulumi-resource-cloudflare" ./cmd/pulumi-resource-cloudflare ||
    die "cloudflare: go build failed (source left in $dir)"
  cd "$REPO"
  plugin_install cloudflare "$CLOUDFLARE_VERSION" "$WORK/pulumi-resource-cloudflare"
  mark_fresh cloudflare "$stamp"
  cp "$STAMPS/cloudflare" "$STAMPS/cloudflare.source"
  rm -rf "$dir" "$WORK/pulumi-resource-cloudflare"
  cpu_mark
  log "cloudflare: $CLOUDFLARE_VERSION built from source in $(took "$t0" "$c0") -> $dest"
}

# --- 1. the CLI ---------------------------------------------------------------------------------------
if [[ -n "$external_pulumi" ]]; then
  PULUMI="$external_pulumi"
  log "pulumi: using $external_pulumi ($PULUMI_VERSION, already on PATH)"
  record cli pulumi "$PULUMI_VERSION" "installed: $external_pulumi"
else
  PULUMI="$BIN/pulumi"
  build_pkg "$ENGINE_SRC/cli" "$PULUMI_MODULE/cmd/pulumi" "$PULUMI" \
    "-s -w -X $PULUMI_VERSION_VAR=$PULUMI_VERSION" pulumi "$PULUMI_MODULE" "$PULUMI_VERSION"
  got="$("$PULUMI" version)"
  [[ "$got" == "$PULUMI_VERSION" ]] || die "built pulumi reports '$got', expected $PULUMI_VERSION"
  record cli pulumi "$PULUMI_VERSION" "built: $PULUMI_MODULE@$PULUMI_VERSION (Go module proxy) = $PULUMI_REF"
fi

# --- 2. the language hosts: Node.js, Python (cheap: they share the CLI's compiled packages) -----------
for lang in nodejs python; do
  if p="$(beside_external "pulumi-language-$lang")"; then
    log "language-$lang: using $p"
    record language "$lang" "(bundled)" "installed: $p"
    continue
  fi
  case "$lang" in
    nodejs) build_host nodejs "$NODEJS_SRC" && src="$NODEJS_SRC" ;;
    python) build_host python "$PYTHON_SRC" pulumi-language-python-exec && src="$PYTHON_SRC" ;;
  esac
  record language "$lang" "$PULUMI_VERSION" "built: $src = $PULUMI_REF"
done

# `pulumi.dynamic.Resource` needs the `pulumi-resource-pulumi-nodejs` script the vendor ships beside the
# CLI; the sdk/v3 module of the same release (already in the module cache for the CLI) carries it.
shim="$BIN/pulumi-resource-pulumi-nodejs"
if [[ ! -x "$shim" ]]; then
  (cd "$ENGINE_SRC/cli" && go mod download "$PULUMI_SDK_MODULE")
  sdk_dir="$(cd "$ENGINE_SRC/cli" && go list -m -f '{{.Dir}}' "$PULUMI_SDK_MODULE")"
  install -m 0755 "$sdk_dir/nodejs/dist/pulumi-resource-pulumi-nodejs" "$shim"
  log "pulumi-resource-pulumi-nodejs: installed from $PULUMI_SDK_MODULE@$PULUMI_VERSION"
fi
record resource pulumi-nodejs "$PULUMI_VERSION" "script for pulumi.dynamic, copied from $PULUMI_SDK_MODULE@$PULUMI_VERSION nodejs/dist"

# --- 3. the provider plugins, cheapest first ----------------------------------------------------------
if [[ "$BUILD_CLOUDFLARE" == 1 ]]; then build_cloudflare_source; else install_cloudflare_prebuilt; fi

build_provider command "$COMMAND_VERSION" "$COMMAND_SRC" \
  "github.com/pulumi/pulumi-command/provider/pkg/version.Version" 0
record resource command "$COMMAND_VERSION" "built: $COMMAND_SRC = $COMMAND_REF"

build_provider hcloud "$HCLOUD_VERSION" "$HCLOUD_SRC" \
  "github.com/pulumi/pulumi-hcloud/provider/pkg/version.Version" 1
record resource hcloud "$HCLOUD_VERSION" "built: $HCLOUD_SRC = $HCLOUD_REF"

build_provider digitalocean "$DIGITALOCEAN_VERSION" "$DIGITALOCEAN_SRC" \
  "github.com/pulumi/pulumi-digitalocean/provider/v4/pkg/version.Version" 1 prepare_digitalocean
record resource digitalocean "$DIGITALOCEAN_VERSION" "built: $DIGITALOCEAN_SRC = $DIGITALOCEAN_REF"

# --- 4. the YAML language host (for later consumers; the costliest host: pkg/v3 v3.253.0) -------------
if p="$(beside_external pulumi-language-yaml)"; then
  log "language-yaml: using $p"
  record language yaml "(bundled)" "installed: $p"
else
  build_pkg "$ENGINE_SRC/language-yaml" "$YAML_MODULE/cmd/pulumi-language-yaml" "$BIN/pulumi-language-yaml" \
    "-s -w -X $YAML_MODULE/pkg/version.Version=$YAML_VERSION" language-yaml "$YAML_MODULE" "$YAML_VERSION"
  record language yaml "$YAML_VERSION" "built: $YAML_MODULE@$YAML_VERSION = $YAML_REF"
fi

# --- the npm SDKs must ask for these versions ---------------------------------------------------------
if [[ -f "$REPO/package-lock.json" ]]; then
  python3 - "$REPO/package-lock.json" "pulumi=${PULUMI_VERSION#v}" "command=$COMMAND_VERSION" "hcloud=$HCLOUD_VERSION" \
    "digitalocean=$DIGITALOCEAN_VERSION" "cloudflare=$CLOUDFLARE_VERSION" <<'PY' >&2
import json, sys
packages = json.load(open(sys.argv[1])).get("packages", {})
for arg in sys.argv[2:]:
    name, want = arg.split("=")
    have = packages.get("node_modules/@pulumi/" + name, {}).get("version")
    if have and have != want:
        print(f"pulumi-engine: WARNING: package-lock.json has @pulumi/{name} {have}, but the engine provides "
              f"the {name} plugin {want}: programs using it will fail with 'no resource plugin {name}-v{have}'")
PY
fi

# --- result -------------------------------------------------------------------------------------------
path_dirs="$BIN"
[[ -z "$external_pulumi" ]] || path_dirs="$(dirname "$external_pulumi"):$BIN"
print_result "$path_dirs" "$PULUMI_HOME"
