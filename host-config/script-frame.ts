import { shellIdentifier } from "./shell-text";

/**
 * One part of a host script: the commands that apply it and the commands that undo its side effects.
 *
 * Why sections: a mail host is configured in one SSH session (tunnel, firewall, MTA, gai.conf), and a failure
 * in the MTA part must not leave a half-configured tunnel behind. The frame runs sections in order; when one
 * fails it restores every file changed by the run (all sections), then calls the `rollback` of each section
 * that had started, last first.
 */
export interface HostScriptSection {
  /** Short name, used in logs and (made an identifier) in function names, e.g. "tunnel". Unique per script. */
  readonly name: string;
  /**
   * Bash run inside a function under `set -euo pipefail`. It may use the frame's helpers: `log`, `die`,
   * `mark_changed`, `backup_file`, `install_file_if_changed`, `install_block_if_changed`,
   * `remove_file_if_present`, `remove_block_if_present`, `ipv6_expand`, `ipv6_in_prefix`, the originals
   * (`record_original_value`, `record_original_file`, `original_recorded`, `original_is_absent`,
   * `original_value`, `original_copy`, `drop_original`, `originals_with_prefix`, `restore_block_original`), and
   * `$IPV6_MAIL_ROOT` / `$IPV6_MAIL_STATE_DIR`. Variables meant for `rollback` must be global (no `local`).
   */
  readonly apply: string;
  /**
   * Bash run (with `set +e`) after the frame restored the files of a failed run: reload what the section
   * reloaded, undo state that is not a file (a sysctl, a loaded ruleset). Omit when restoring files suffices.
   */
  readonly rollback?: string;
  /**
   * The packages whose commands `apply` runs. Not installed by the frame: {@link hostPackagesSection} reads
   * this from the sections it precedes, so a fresh cloud image gets exactly what its script will use.
   */
  readonly packages?: readonly HostPackage[];
}

/**
 * A Debian/Ubuntu package a section needs, found by a command it ships: when the command is on PATH the
 * package counts as present (however it was installed), so an existing host's own setup is never replaced.
 */
export interface HostPackage {
  /** The package name in Debian 12 and Ubuntu 24.04, e.g. "postfix". */
  readonly name: string;
  /** A command of the package the section runs, e.g. "postconf". */
  readonly command: string;
  /**
   * debconf answers given before the package is installed, as `debconf-set-selections` lines
   * (`<owner> <question> <type> <value>`), so the install asks nothing.
   */
  readonly debconf?: readonly string[];
}

/** What the whole script is for, printed in its header comment. */
export interface HostScriptOptions {
  readonly title: string;
}

/** The final stdout line of a successful run that changed something. */
export const RESULT_CHANGED = "ipv6-mail: changed";
/** The final stdout line of a successful run that found everything already in place. */
export const RESULT_UNCHANGED = "ipv6-mail: unchanged";
/** The final stdout line of a failed run (after its rollback). */
export const RESULT_FAILED = "ipv6-mail: failed";

/** Directory for backups, manifests and markers on the host (under `$IPV6_MAIL_ROOT`). */
export const STATE_DIR = "/var/lib/ipv6-mail";

// The shared frame. Kept as one string so every script carries the same, tested helpers.
const FRAME_HELPERS = String.raw`set -euo pipefail
umask 022
export LC_ALL=C
PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"

IPV6_MAIL_ROOT="${"$"}{IPV6_MAIL_ROOT:-}"
IPV6_MAIL_STATE_DIR="$IPV6_MAIL_ROOT/var/lib/ipv6-mail"
ipv6_mail_changes=0
ipv6_mail_run_dir=""
ipv6_mail_rolling_back=0
ipv6_mail_backup_paths=()
ipv6_mail_backup_copies=()
ipv6_mail_tmp_files=()
ipv6_mail_sections_started=()
ipv6_mail_originals="$IPV6_MAIL_STATE_DIR/originals"
ipv6_mail_new_originals=()
ipv6_mail_dropped_originals=()
ipv6_mail_forget_state=0

# Progress goes to stdout, prefixed so it can be told apart from command output.
log() { printf 'ipv6-mail: %s\n' "$*"; }
# Stops the run with a message naming what failed; the EXIT trap rolls back.
die() {
  printf 'ipv6-mail: ERROR: %s\n' "$*" >&2
  exit 1
}
mark_changed() {
  ipv6_mail_changes=$((ipv6_mail_changes + 1))
  log "changed: $*"
}

ipv6_mail_begin_run() {
  if [ -z "$IPV6_MAIL_ROOT" ] && [ "$(id -u)" != 0 ]; then
    die "this script must run as root (it writes system configuration)"
  fi
  mkdir -p "$IPV6_MAIL_STATE_DIR/runs"
  chmod 0700 "$IPV6_MAIL_STATE_DIR"
  ipv6_mail_run_dir=$(mktemp -d "$IPV6_MAIL_STATE_DIR/runs/run.XXXXXX")
}

# backup_file <path>: remembers the file's content (or its absence) the first time this run touches it.
backup_file() {
  local path=$1 i copy=""
  for i in "${"$"}{!ipv6_mail_backup_paths[@]}"; do
    if [ "${"$"}{ipv6_mail_backup_paths[$i]}" = "$path" ]; then return 0; fi
  done
  if [ -e "$path" ]; then
    copy="$ipv6_mail_run_dir/backup.${"$"}{#ipv6_mail_backup_paths[@]}"
    cp -p -- "$path" "$copy"
  fi
  ipv6_mail_backup_paths+=("$path")
  ipv6_mail_backup_copies+=("$copy")
}

ipv6_mail_mode_of() { stat -c %a -- "$1"; }

# install_file_if_changed <path> <mode> [original-key]: content on stdin. Returns 0 when the file changed, 1
# when it was already identical (content and mode). Writes a temp file beside the target and renames it
# (atomic). With an original key, the file as it was before the first change ever is kept for the remove
# script (record_original_file).
install_file_if_changed() {
  local path=$1 mode=$2 key=${"$"}{3:-} dir tmp want
  dir=$(dirname -- "$path")
  mkdir -p -- "$dir"
  tmp=$(mktemp "$dir/.ipv6-mail.XXXXXX")
  ipv6_mail_tmp_files+=("$tmp")
  cat >"$tmp"
  chmod "$mode" "$tmp"
  want=$(printf '%o' "$((8#$mode))")
  if [ -f "$path" ] && cmp -s -- "$tmp" "$path" && [ "$(ipv6_mail_mode_of "$path")" = "$want" ]; then
    rm -f -- "$tmp"
    return 1
  fi
  [ -z "$key" ] || record_original_file "$key" "$path"
  backup_file "$path"
  mv -f -- "$tmp" "$path"
  mark_changed "$path"
  return 0
}

ipv6_mail_block_begin='# BEGIN ipv6-mail (managed block: edit the stack, not this file)'
ipv6_mail_block_end='# END ipv6-mail'

ipv6_mail_strip_block() {
  if [ -f "$1" ]; then
    awk -v b="$ipv6_mail_block_begin" -v e="$ipv6_mail_block_end" \
      '$0 == b { skip = 1; next } $0 == e { skip = 0; next } !skip { print }' "$1"
  fi
}

# install_block_if_changed <path> <default-mode> [original-key]: block body on stdin. Keeps the rest of the
# file, replaces (or appends) the lines between the ipv6-mail markers. Returns 0 when the file changed, 1
# otherwise. The original key is passed to install_file_if_changed.
install_block_if_changed() {
  local path=$1 mode=$2 key=${"$"}{3:-} body new
  body=$(cat)
  if [ -f "$path" ]; then mode=$(ipv6_mail_mode_of "$path"); fi
  new=$(mktemp "$ipv6_mail_run_dir/block.XXXXXX")
  {
    ipv6_mail_strip_block "$path"
    printf '%s\n%s\n%s\n' "$ipv6_mail_block_begin" "$body" "$ipv6_mail_block_end"
  } >"$new"
  install_file_if_changed "$path" "$mode" "$key" <"$new"
}

# remove_block_if_present <path>: deletes the ipv6-mail block. Returns 0 when the file changed.
remove_block_if_present() {
  local path=$1 new
  [ -f "$path" ] || return 1
  grep -qxF -- "$ipv6_mail_block_begin" "$path" || return 1
  new=$(mktemp "$ipv6_mail_run_dir/block.XXXXXX")
  ipv6_mail_strip_block "$path" >"$new"
  install_file_if_changed "$path" "$(ipv6_mail_mode_of "$path")" <"$new"
}

# remove_file_if_present <path>: backs the file up, deletes it. Returns 0 when it existed.
remove_file_if_present() {
  local path=$1
  if [ ! -e "$path" ] && [ ! -L "$path" ]; then return 1; fi
  backup_file "$path"
  rm -f -- "$path"
  mark_changed "removed $path"
  return 0
}

# Originals: what a setting or file was before the first run that changed it, kept in
# $IPV6_MAIL_STATE_DIR/originals until a remove script restores it. Made once (a re-apply keeps the first
# record), deleted again when the run that made it fails (its rollback restores that state anyway), and
# dropped only when a run that restored it succeeds. Keys are words of [A-Za-z0-9_.@%+-].
ipv6_mail_original_key() {
  [[ $1 =~ ^[A-Za-z0-9_.@%+-]+$ ]] || die "internal: '$1' is not an original key"
}
ipv6_mail_in_list() { # <word> <words...>
  local want=$1 w
  shift
  for w in "$@"; do [ "$w" = "$want" ] && return 0; done
  return 1
}

# original_recorded <key>: whether a record exists (and this run has not dropped it).
original_recorded() {
  ipv6_mail_original_key "$1"
  if ipv6_mail_in_list "$1" "${"$"}{ipv6_mail_dropped_originals[@]}"; then return 1; fi
  [ -e "$ipv6_mail_originals/$1.absent" ] || [ -e "$ipv6_mail_originals/$1.value" ]
}

ipv6_mail_new_original() {
  mkdir -p "$ipv6_mail_originals"
  chmod 0700 "$ipv6_mail_originals"
  ipv6_mail_new_originals+=("$1")
}

# record_original_value <key> [value]: with a value, the setting had it; without, the setting was unset.
record_original_value() {
  original_recorded "$1" && return 0
  ipv6_mail_new_original "$1"
  if [ "$#" -ge 2 ]; then
    printf '%s' "$2" >"$ipv6_mail_originals/$1.value"
  else
    : >"$ipv6_mail_originals/$1.absent"
  fi
}

# record_original_file <key> <path>: the file's content and mode, or that it did not exist.
record_original_file() {
  original_recorded "$1" && return 0
  ipv6_mail_new_original "$1"
  if [ -e "$2" ]; then
    cp -p -- "$2" "$ipv6_mail_originals/$1.value"
  else
    : >"$ipv6_mail_originals/$1.absent"
  fi
}

original_is_absent() { [ -e "$ipv6_mail_originals/$1.absent" ]; }
# original_value <key>: prints the recorded value (a setting's text).
original_value() { cat -- "$ipv6_mail_originals/$1.value"; }
# original_copy <key>: prints the path of the recorded copy of a file.
original_copy() { printf '%s\n' "$ipv6_mail_originals/$1.value"; }
# drop_original <key>: the setting is restored; the record goes when this run succeeds.
drop_original() {
  ipv6_mail_original_key "$1"
  ipv6_mail_dropped_originals+=("$1")
}

# originals_with_prefix <prefix>: the recorded keys that start with prefix, one a line, sorted.
originals_with_prefix() {
  local f key
  [ -d "$ipv6_mail_originals" ] || return 0
  for f in "$ipv6_mail_originals/$1"*.absent "$ipv6_mail_originals/$1"*.value; do
    [ -e "$f" ] || continue
    key=${"$"}{f##*/}
    key=${"$"}{key%.*}
    if ! ipv6_mail_in_list "$key" "${"$"}{ipv6_mail_dropped_originals[@]}"; then printf '%s\n' "$key"; fi
  done | LC_ALL=C sort -u
}

# restore_block_original <key> <path> [seed]: takes the ipv6-mail block out of a file whose original was
# recorded under key. When nothing else in the file changed since (or the file is gone), the original comes
# back byte for byte (or the file goes, if it did not exist; a file apply created holding only seed goes
# too); when someone
# edited the rest of the file meanwhile, their edits stay and only the block goes. Without a record (a host
# configured before records existed) the block is removed. Returns 0 when the file changed.
restore_block_original() {
  local key=$1 path=$2 seed=${"$"}{3:-} before=$ipv6_mail_changes stripped orig_stripped src mode
  if ! original_recorded "$key"; then
    remove_block_if_present "$path"
    return
  fi
  stripped=$(mktemp "$ipv6_mail_run_dir/restore.XXXXXX")
  ipv6_mail_strip_block "$path" >"$stripped"
  if original_is_absent "$key"; then
    if [ ! -s "$stripped" ] || { [ -n "$seed" ] && [ "$(cat -- "$stripped")" = "$seed" ]; }; then
      remove_file_if_present "$path" || true
    else
      install_file_if_changed "$path" "$(ipv6_mail_mode_of "$path")" <"$stripped" || true
    fi
  else
    src=$stripped
    mode=$(ipv6_mail_mode_of "$(original_copy "$key")")
    orig_stripped=$(mktemp "$ipv6_mail_run_dir/restore.XXXXXX")
    ipv6_mail_strip_block "$(original_copy "$key")" >"$orig_stripped"
    if [ ! -e "$path" ] ||
      { cmp -s -- "$stripped" "$orig_stripped" && ! grep -qxF -- "$ipv6_mail_block_begin" "$(original_copy "$key")"; }; then
      src=$(original_copy "$key")
    elif [ -e "$path" ]; then
      mode=$(ipv6_mail_mode_of "$path")
    fi
    install_file_if_changed "$path" "$mode" <"$src" || true
  fi
  drop_original "$key"
  [ "$ipv6_mail_changes" -gt "$before" ]
}

# ipv6_expand <address>: prints the address as 32 lower-case hex digits; returns 1 when it is not plain IPv6.
ipv6_expand() {
  local a=${"$"}{1%%%*} head tail g out="" n fill
  local -a hg=() tg=()
  a=${"$"}{a,,}
  case $a in *.* | *:::* | "") return 1 ;; esac
  if [[ $a == *::* ]]; then
    head=${"$"}{a%%::*}
    tail=${"$"}{a#*::}
    [[ $tail == *::* ]] && return 1
    [ -n "$head" ] && IFS=: read -r -a hg <<<"$head"
    [ -n "$tail" ] && IFS=: read -r -a tg <<<"$tail"
    n=$((${"$"}{#hg[@]} + ${"$"}{#tg[@]}))
    [ "$n" -le 7 ] || return 1
    fill=$((8 - n))
  else
    IFS=: read -r -a hg <<<"$a"
    [ "${"$"}{#hg[@]}" -eq 8 ] || return 1
    fill=0
  fi
  for g in "${"$"}{hg[@]}"; do
    [[ $g =~ ^[0-9a-f]{1,4}$ ]] || return 1
    out+=$(printf '%04x' "$((16#$g))")
  done
  while [ "$fill" -gt 0 ]; do
    out+=0000
    fill=$((fill - 1))
  done
  for g in "${"$"}{tg[@]}"; do
    [[ $g =~ ^[0-9a-f]{1,4}$ ]] || return 1
    out+=$(printf '%04x' "$((16#$g))")
  done
  printf '%s\n' "$out"
}

# ipv6_in_prefix <expanded-address> <expanded-prefix> <length>: whether the address lies in the prefix.
ipv6_in_prefix() {
  local a=$1 p=$2 len=$3 full rem mask
  full=$((len / 4))
  rem=$((len % 4))
  [ "${"$"}{a:0:full}" = "${"$"}{p:0:full}" ] || return 1
  [ "$rem" -eq 0 ] && return 0
  mask=$(((0xf << (4 - rem)) & 0xf))
  [ $((16#${"$"}{a:full:1} & mask)) -eq $((16#${"$"}{p:full:1} & mask)) ]
}

# ssh_session_client / ssh_session_server: the IPv6 ends of the SSH session running this script (empty
# when there is none or it came over IPv4, including IPv4-mapped addresses).
ssh_session_field() {
  local f
  f=$(printf '%s\n' "${"$"}{SSH_CONNECTION:-}" | awk -v n="$1" '{ print $n }')
  case $f in *:*.* | *.*) f="" ;; esac
  case $f in *:*) printf '%s\n' "$f" ;; esac
}

ipv6_mail_rollback() {
  local i copy path fn key
  ipv6_mail_rolling_back=1
  set +e
  for ((i = ${"$"}{#ipv6_mail_backup_paths[@]} - 1; i >= 0; i--)); do
    path=${"$"}{ipv6_mail_backup_paths[$i]}
    copy=${"$"}{ipv6_mail_backup_copies[$i]}
    if [ -n "$copy" ]; then
      cp -p -- "$copy" "$path.ipv6-mail-restore" && mv -f -- "$path.ipv6-mail-restore" "$path"
    else
      rm -f -- "$path"
    fi
    log "restored $path"
  done
  for key in "${"$"}{ipv6_mail_new_originals[@]}"; do
    rm -f -- "$ipv6_mail_originals/$key.absent" "$ipv6_mail_originals/$key.value"
  done
  for ((i = ${"$"}{#ipv6_mail_sections_started[@]} - 1; i >= 0; i--)); do
    fn="ipv6_mail_rollback_${"$"}{ipv6_mail_sections_started[$i]}"
    if declare -F "$fn" >/dev/null; then
      "$fn" || log "rollback of section ${"$"}{ipv6_mail_sections_started[$i]} reported a problem"
    fi
  done
}

ipv6_mail_on_exit() {
  local status=$? f
  trap - EXIT
  set +e
  for f in "${"$"}{ipv6_mail_tmp_files[@]}"; do rm -f -- "$f"; done
  if [ "$status" -ne 0 ]; then
    if [ "$ipv6_mail_rolling_back" = 0 ]; then
      log "failed (exit $status): rolling back what this run changed"
      ipv6_mail_rollback
    fi
    [ -n "$ipv6_mail_run_dir" ] && rm -rf -- "$ipv6_mail_run_dir"
    printf '%s\n' 'ipv6-mail: failed'
    exit "$status"
  fi
  for f in "${"$"}{ipv6_mail_dropped_originals[@]}"; do
    rm -f -- "$ipv6_mail_originals/$f.absent" "$ipv6_mail_originals/$f.value"
  done
  if [ "$ipv6_mail_forget_state" = 1 ]; then
    # The host's last ipv6-mail configuration is gone: so is its state (backups, markers, this run).
    rm -rf -- "$IPV6_MAIL_STATE_DIR"
  elif [ -n "$ipv6_mail_run_dir" ]; then
    if [ "$ipv6_mail_changes" -gt 0 ]; then
      # Keep the backups of the last run that changed something, for a manual rollback.
      rm -rf -- "$IPV6_MAIL_STATE_DIR/last-run"
      mv -- "$ipv6_mail_run_dir" "$IPV6_MAIL_STATE_DIR/last-run"
    else
      rm -rf -- "$ipv6_mail_run_dir"
    fi
  fi
  if [ "$ipv6_mail_changes" -gt 0 ]; then
    printf '%s\n' 'ipv6-mail: changed'
  else
    printf '%s\n' 'ipv6-mail: unchanged'
  fi
  exit 0
}

ipv6_mail_section() {
  ipv6_mail_sections_started+=("$1")
  log "section $1"
  "ipv6_mail_apply_$1"
}

trap ipv6_mail_on_exit EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM
`;

// Section bodies are not re-indented: a heredoc's closing delimiter must stay at the start of its line.
function body(text: string): string {
  return text.replace(/\n+$/, "");
}

/**
 * Composes sections into ONE complete bash script around the shared frame: `set -euo pipefail`, the `log` /
 * `install_file_if_changed` helpers, a rollback trap that restores what this run changed, and a final stdout
 * line `ipv6-mail: changed` / `ipv6-mail: unchanged` (or `ipv6-mail: failed`) so callers and tests can see
 * idempotency. Every host script of this package is built here; no script carries its own copy of the frame.
 *
 * @example
 * composeHostScript([tunnelSection(spec), firewallApplySection(fw)], { title: "mail host" });
 */
export function composeHostScript(
  sections: readonly HostScriptSection[],
  options: HostScriptOptions = { title: "host configuration" },
): string {
  if (sections.length === 0) throw new Error("host-config: composeHostScript needs at least one section");
  const ids = sections.map((s) => shellIdentifier(s.name));
  const duplicate = ids.find((id, i) => ids.indexOf(id) !== i);
  if (duplicate !== undefined) {
    throw new Error(`host-config: two sections are both named "${duplicate}"; section names must be unique`);
  }
  const title = options.title.replace(/[\r\n]+/g, " ");
  const parts: string[] = [
    "#!/bin/bash",
    `# ipv6-mail: ${title}`,
    "# Rendered by ipv6-mail host-config. Do not edit on the host: change the stack and apply again.",
    `# Sections: ${ids.join(", ")}. Final stdout line: ${RESULT_CHANGED} | ${RESULT_UNCHANGED} | ${RESULT_FAILED}.`,
    FRAME_HELPERS,
  ];
  sections.forEach((section, i) => {
    const id = ids[i];
    parts.push(`ipv6_mail_apply_${id}() {\n${body(section.apply)}\n}\n`);
    if (section.rollback !== undefined && section.rollback.trim() !== "") {
      parts.push(`ipv6_mail_rollback_${id}() {\n${body(section.rollback)}\n  return 0\n}\n`);
    }
  });
  parts.push("ipv6_mail_begin_run");
  for (const id of ids) parts.push(`ipv6_mail_section ${id}`);
  return `${parts.join("\n")}\n`;
}
