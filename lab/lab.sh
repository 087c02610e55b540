#!/bin/bash
# The lab: a real Debian kernel under qemu (TCG) playing the mail host, with the provider, Hurricane
# Electric's tunnel server and the internet (remote MX, DNS) as network namespaces inside it.
#
#   bash lab/lab.sh build [--force]   build the VM image (cached; rebuilt only when its inputs change)
#   bash lab/lab.sh start             build if needed, start from the snapshot (or boot), wait until ready
#   bash lab/lab.sh wait [SECONDS]    wait until SSH answers and the lab's services run (e.g. after a reboot)
#   bash lab/lab.sh status            running? reachable? (exit 0 if so, 3 if not running)
#   bash lab/lab.sh ssh [COMMAND...]  a shell or a command on the mail host, as root
#   bash lab/lab.sh stop              power off and forget the run (the base image stays)
#   bash lab/lab.sh timings           build and boot figures measured so far (JSON lines)
#
# Environment: LAB_FLAVOUR (full: the image has what a mail host needs; bare: like a fresh cloud image, no
# Postfix, nftables, curl or ping, which it serves from its own package repository; docker: full plus
# Debian's docker.io and a test container's root file system; see lab/README.md),
# LAB_INSTANCE (default "default"; several instances can run side by side), LAB_SSH_PORT
# (default 2222 for the default instance, else the first free port from 2223), LAB_MEMORY (MiB, 1024),
# LAB_CPUS (2), LAB_BUILD_DIR (lab/build), LAB_BOOT_TIMEOUT (seconds, 300), LAB_SNAPSHOT (1: start instances
# from the saved, already booted VM, made on first use; 0: always boot from scratch).
# State of a running instance: $LAB_BUILD_DIR/run/<instance>/state.json (sshPort, pid, key, sshConfig, ...).
#
# Snapshot: the first start after the image changed boots the VM, waits until the lab is ready, and saves the
# running machine (QEMU migration into $LAB_BUILD_DIR/snapshot[-bare]/<key>/state.zst, with its disk frozen at that
# moment as the backing file of every later instance's overlay). Later starts restore it with `-incoming`:
# a booted mail host in seconds, on a fresh copy-on-write overlay as before. After the restore the guest's
# clock is set from this machine's (it stood still while saved) and the kernel's random generator reseeds
# (QEMU's vmgenid device tells it that it is a new copy). A reboot inside the VM is a real boot of the same
# kernel and disk. The key covers the image, this script, qmp.py, QEMU's version and the machine settings.
# SSH reaches the VM only through qemu's user-mode network bound to 127.0.0.1; the guest cannot reach out
# (restrict=on), so all lab traffic stays inside the VM and on loopback.
set -euo pipefail
lab=$(cd "$(dirname "$0")" && pwd)
build=${LAB_BUILD_DIR:-$lab/build}
instance=${LAB_INSTANCE:-default}
[[ $instance =~ ^[A-Za-z0-9_-]{1,32}$ ]] || {
  echo "lab: LAB_INSTANCE must be 1-32 letters, digits, '-' or '_' (got '$instance')" >&2
  exit 2
}
flavour=${LAB_FLAVOUR:-full}
case $flavour in
  full) image=$build/image snapshots=$build/snapshot ;;
  bare) image=$build/image-bare snapshots=$build/snapshot-bare ;;
  docker) image=$build/image-docker snapshots=$build/snapshot-docker ;;
  *)
    echo "lab: LAB_FLAVOUR must be full, bare or docker (got '$flavour')" >&2
    exit 2
    ;;
esac
export LAB_FLAVOUR=$flavour
run=$build/run/$instance
state=$run/state.json

log() { printf 'lab[%s]: %s\n' "$instance" "$*" >&2; }
die() {
  printf 'lab[%s]: ERROR: %s\n' "$instance" "$*" >&2
  exit 1
}
now() { date +%s.%N; }
elapsed() { python3 -c 'import sys; print(round(float(sys.argv[2]) - float(sys.argv[1]), 1))' "$1" "$2"; }
topo() { python3 -c 'import json,sys; v=json.load(open(sys.argv[1])); [v:=v[k] for k in sys.argv[2:]]; print(v)' "$lab/topology.json" "$@"; }

record_timing() { # event seconds [extra-json-fields]
  mkdir -p "$build"
  printf '{"event":"%s","seconds":%s,"instance":"%s","flavour":"%s","at":"%s"%s}\n' "$1" "$2" "$instance" \
    "$flavour" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "${3:-}" >>"$build/timings.jsonl"
}

pid_alive() {
  local pid
  [ -f "$run/qemu.pid" ] || return 1
  pid=$(cat "$run/qemu.pid" 2>/dev/null) || return 1
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && grep -q qemu "/proc/$pid/cmdline" 2>/dev/null
}

ssh_lab() { ssh -F "$run/ssh_config" lab "$@"; }

port_free() {
  python3 - "$1" <<'EOF'
import socket, sys
s = socket.socket()
try:
    s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError:
    sys.exit(1)
finally:
    s.close()
EOF
}

pick_port() {
  local p
  if [ -n "${LAB_SSH_PORT:-}" ]; then
    port_free "$LAB_SSH_PORT" || die "LAB_SSH_PORT=$LAB_SSH_PORT is in use"
    echo "$LAB_SSH_PORT"
    return
  fi
  if [ "$instance" = default ] && port_free 2222; then
    echo 2222
    return
  fi
  for p in $(seq 2223 2299); do
    if port_free "$p"; then
      echo "$p"
      return
    fi
  done
  die "no free TCP port on 127.0.0.1 between 2222 and 2299 (set LAB_SSH_PORT)"
}

write_ssh_config() { # port
  cat >"$run/ssh_config" <<EOF
Host lab
  HostName 127.0.0.1
  Port $1
  User $(topo host sshUser)
  IdentityFile $build/ssh/id_ed25519
  IdentitiesOnly yes
  BatchMode yes
  HostKeyAlias ipv6-mail-lab
  UserKnownHostsFile $build/ssh/known_hosts
  StrictHostKeyChecking yes
  # The cheapest key exchange OpenSSH offers: every handshake runs on the emulated CPU.
  KexAlgorithms curve25519-sha256,curve25519-sha256@libssh.org
  ConnectTimeout 5
  ServerAliveInterval 5
  ServerAliveCountMax 3
  LogLevel ERROR
  # Commands reuse the master connection that lab.sh keeps open (a handshake costs about a second under
  # TCG); without it, or with -o ControlPath=none, each command makes its own connection.
  ControlMaster no
  ControlPath $run/mux
EOF
}

# Opens the shared master connection (see ControlPath above); harmless when one is open already. Fails when
# the VM does not answer (the error goes to $run/ssh.err).
open_master() {
  ssh -F "$run/ssh_config" -O check lab >/dev/null 2>&1 && return 0
  rm -f "$run/mux"
  # fds 7, 8 and 9 (the snapshot, run and build locks) must not stay open in the long-lived master.
  ssh -F "$run/ssh_config" -o ControlMaster=yes -o ControlPersist=no -f -N lab </dev/null >/dev/null \
    2>"$run/ssh.err" 7>&- 8>&- 9>&-
}

close_master() {
  [ -f "$run/ssh_config" ] || return 0
  ssh -F "$run/ssh_config" -O exit lab >/dev/null 2>&1 || true
  rm -f "$run/mux"
}

write_state() { # port pid bootSeconds readySeconds startedFrom
  python3 - "$state" "$instance" "$1" "$2" "$3" "$4" "$run" "$build/ssh" "$(topo host sshUser)" "${5:-boot}" "$flavour" <<'EOF'
import json, sys
path, inst, port, pid, boot, ready, run, keys, user, started, flavour = sys.argv[1:]
json.dump({
    "instance": inst, "flavour": flavour, "sshHost": "127.0.0.1", "sshPort": int(port), "pid": int(pid),
    "sshUser": user, "privateKeyPath": f"{keys}/id_ed25519", "knownHostsPath": f"{keys}/known_hosts",
    "hostKeyAlias": "ipv6-mail-lab", "sshConfig": f"{run}/ssh_config", "serialLog": f"{run}/serial.log",
    "bootSeconds": float(boot) if boot else None, "readySeconds": float(ready) if ready else None,
    "startedFrom": started,
}, open(path + ".tmp", "w"), indent=2)
import os; os.replace(path + ".tmp", path)
EOF
}

# Waits until SSH answers, then until the lab's services run inside the VM. Prints the seconds to SSH and to
# ready. With "restored", first sets the guest's clock: it stood still while the VM was saved.
wait_ready() { # timeout start [restored]
  local timeout=$1 t0=$2 deadline t_ssh prepare=""
  deadline=$(($(date +%s) + timeout))
  close_master
  # The first connection that logs in stays open as the master the later commands reuse.
  until open_master; do
    pid_alive || {
      tail -40 "$run/serial.log" >&2 || true
      die "qemu exited while booting (serial console: $run/serial.log; qemu: $(tail -3 "$run/qemu.err" 2>/dev/null))"
    }
    [ "$(date +%s)" -lt "$deadline" ] || {
      tail -40 "$run/serial.log" >&2 || true
      die "SSH did not answer within ${timeout}s: $(tail -1 "$run/ssh.err") (serial console: $run/serial.log)"
    }
    sleep 0.5
  done
  t_ssh=$(now)
  [ "${3:-}" != restored ] || prepare="date -u -s @$(date +%s.%N) >/dev/null && "
  ssh_lab "${prepare}lab-ctl ready $((deadline - $(date +%s) > 10 ? deadline - $(date +%s) : 10))" >&2 ||
    die "the VM booted but the lab is not ready (see: bash lab/lab.sh ssh systemctl --failed)"
  echo "$(elapsed "$t0" "$t_ssh") $(elapsed "$t0" "$(now)")"
}

cmd_build() {
  local t0
  t0=$(now)
  bash "$lab/image/build-image.sh" "$@"
  if [ -f "$image/build.json" ] && [ "$(find "$image/build.json" -newermt "@${t0%.*}" 2>/dev/null)" ]; then
    record_timing build "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["seconds"]["total"])' "$image/build.json")"
  fi
}

# The kernel command line: serial console, quiet (every byte on the emulated UART costs), no fsck. The TSC
# as clock source: the kernel distrusts it under QEMU's TCG and falls back to the emulated HPET, which makes
# every clock read a trip through the device model; TCG's TSCs run from one clock, in step on every virtual
# CPU, and stop while the VM is saved (measured: process starts about a third faster, the boot to ready
# 10-30 % shorter). No driver for hardware the machine only emulates for show (floppy, PS/2 mouse) and no
# KVM modules (the guest is no hypervisor).
kernel_cmdline="console=ttyS0 root=/dev/vda rw fsck.mode=skip quiet loglevel=4 panic=-1 tsc=reliable"
kernel_cmdline+=" modprobe.blacklist=floppy,psmouse,kvm,kvm_amd,kvm_intel"

# The machine, the same for a boot and for a restore (a saved VM restores only into an identical machine).
# tb-size: TCG's cache of translated code, 256 MiB instead of 1 GiB. A reboot inside the VM does not empty it,
# and every page the new boot writes that still holds code translated in the previous boot takes TCG's slow
# path; a smaller cache is flushed soon instead (measured: apply the host configuration, reboot, ready again
# in 43 s instead of 70-140 s; boots and tests otherwise unchanged).
# vmgenid: a restored copy gets a new generation ID, on which the guest kernel reseeds its random generator,
# so copies of one snapshot never share random numbers.
machine_args() { # files_dir (vmlinuz, initrd.img)
  qemu_args=(-accel "tcg,thread=multi,tb-size=256" -m "${LAB_MEMORY:-1024}" -smp "${LAB_CPUS:-2}"
    -nodefaults -no-user-config -display none
    -kernel "$1/vmlinuz" -initrd "$1/initrd.img" -append "$kernel_cmdline"
    -device virtio-rng-pci -device "vmgenid,guid=auto")
}

# Starts qemu in the background as this instance, on a free SSH port (retried if taken meanwhile). Sets
# qemu_port and qemu_t0 (the launch time).
launch_qemu() { # files_dir disk [incoming]
  local files=$1 disk=$2 incoming=${3:-} attempt mgmt_mac mgmt_ip extra=()
  mgmt_mac=$(topo host management mac)
  mgmt_ip=$(topo host management ipv4)
  mgmt_ip=${mgmt_ip%/*}
  machine_args "$files"
  [ -z "$incoming" ] || extra=(-incoming "$incoming")
  rm -f "$run/qemu.pid" "$run/qmp.sock" "$run/serial.log"
  for attempt in 1 2 3 4 5; do
    qemu_port=$(pick_port)
    qemu_t0=$(now)
    if qemu-system-x86_64 -name "ipv6-mail-lab-$instance" "${qemu_args[@]}" \
      -serial "file:$run/serial.log" -qmp "unix:$run/qmp.sock,server=on,wait=off" \
      -drive "file=$disk,if=virtio,format=qcow2,cache=unsafe" \
      -netdev "user,id=mgmt,restrict=on,ipv6=off,net=10.0.2.0/24,hostfwd=tcp:127.0.0.1:$qemu_port-$mgmt_ip:22" \
      -device "virtio-net-pci,netdev=mgmt,mac=$mgmt_mac" "${extra[@]}" \
      -daemonize -pidfile "$run/qemu.pid" 2>"$run/qemu.err" 7>&- 8>&-; then
      break
    fi
    if [ -n "${LAB_SSH_PORT:-}" ] || [ "$attempt" = 5 ]; then
      cat "$run/qemu.err" >&2
      die "qemu did not start"
    fi
    log "qemu could not start on port $qemu_port, trying another: $(head -1 "$run/qemu.err")"
  done
  write_ssh_config "$qemu_port"
  write_state "$qemu_port" "$(cat "$run/qemu.pid")" "" "" "$started_from"
}

kill_qemu() {
  pid_alive || return 0
  local pid
  pid=$(cat "$run/qemu.pid")
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 50); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.2
  done
  kill -9 "$pid" 2>/dev/null || true
}

# The snapshot's key: the image, the machine, QEMU's version and the code that saves and restores.
snapshot_key() {
  {
    python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["key"])' "$image/build.json"
    qemu-system-x86_64 --version | head -1
    machine_args /snapshot
    printf '%s\n' "${qemu_args[@]}"
    sha256sum <"$lab/lab.sh"
    sha256sum <"$lab/qmp.py"
  } | sha256sum | cut -c1-16
}

# Makes sure the snapshot of the current image and machine exists (making it by booting this instance when it
# does not) and sets snap to its directory. Returns with the snapshot lock (fd 7) held shared, so that no
# other start replaces it before this instance has read it; returns 1 if no snapshot could be made.
ensure_snapshot() {
  local key
  key=$(snapshot_key)
  snap=$snapshots/$key
  mkdir -p "$snapshots"
  exec 7>"$snapshots/.lock"
  flock -s 7
  [ -f "$snap/snapshot.json" ] && return 0
  flock -u 7
  # Another start may be making it right now: wait for it rather than boot a second time.
  flock -w $((${LAB_BOOT_TIMEOUT:-300} + 300)) -x 7 || {
    log "the snapshot lock stayed taken; booting from scratch"
    return 1
  }
  if [ -f "$snap/snapshot.json" ] || make_snapshot "$key"; then
    flock -s 7
    return 0
  fi
  flock -u 7
  return 1
}

# Boots this instance from the image, waits until the lab is ready and saves the running VM into $snap. The
# snapshot holds its own hard links of the image's files, so a rebuilt image never changes what it restores.
make_snapshot() { # key
  local key=$1 new=$snap.new saved f save_s state_mib
  log "making the snapshot ${key} (one boot; later starts restore it in seconds)"
  rm -rf "$new"
  mkdir -p "$new"
  for f in root.ext4 vmlinuz initrd.img; do
    ln "$image/$f" "$new/$f" 2>/dev/null || cp --sparse=always "$image/$f" "$new/$f" || return 1
  done
  qemu-img create -q -f qcow2 -F raw -b root.ext4 "$new/disk.qcow2" || return 1
  started_from=boot
  launch_qemu "$new" "$new/disk.qcow2"
  log "booting (pid $(cat "$run/qemu.pid"), ssh on 127.0.0.1:$qemu_port)"
  # (called from a condition, so errexit does not apply here: failures are handled one by one)
  times=$(wait_ready "${LAB_BOOT_TIMEOUT:-300}" "$qemu_t0") || exit 1
  record_timing boot "${times% *}" ",\"readySeconds\":${times#* }"
  log "booted: SSH after ${times% *} s, lab services after ${times#* } s; saving"
  # No SSH connection may stay open into the saved machine; the last one flushes the guest's disk cache.
  close_master
  ssh -F "$run/ssh_config" -o ControlPath=none lab sync
  if ! saved=$(python3 "$lab/qmp.py" "$run/qmp.sock" save "zstd -q -1 -o $(printf %q "$new/state.zst")"); then
    kill_qemu
    rm -rf "$new"
    log "saving the VM failed (see above); booting from scratch"
    return 1
  fi
  for _ in $(seq 1 100); do
    pid_alive || break
    sleep 0.2
  done
  kill_qemu
  chmod a-w "$new/disk.qcow2" "$new/state.zst" || return 1
  python3 - "$new/snapshot.json" "$key" "$image/build.json" "${times% *}" "${times#* }" "$saved" <<'EOF'
import json, os, sys, time
path, key, build, boot, ready, saved = sys.argv[1:]
json.dump({
    "key": key, "imageKey": json.load(open(build))["key"], "createdAt": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    "bootSeconds": float(boot), "readySeconds": float(ready), "save": json.loads(saved),
    "stateMiB": round(os.path.getsize(os.path.join(os.path.dirname(path), "state.zst")) / 2**20, 1),
}, open(path, "w"), indent=2)
EOF
  rm -rf "$snap"
  mv "$new" "$snap" || return 1
  # Older snapshots go; instances still running from one keep its files open.
  for f in "$snapshots"/*/; do
    [ "${f%/}" = "$snap" ] || rm -rf "${f%/}"
  done
  read -r save_s state_mib < <(python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); print(s["save"]["totalTimeMs"] / 1000, s["stateMiB"])' "$snap/snapshot.json")
  record_timing snapshot "$save_s" ",\"stateMiB\":$state_mib"
  log "snapshot saved: $snap"
}

# Starts this instance from the snapshot: a fresh overlay on the frozen disk, the saved state as incoming
# migration. Sets times; returns 1 if the restored VM does not become ready.
restore_instance() {
  rm -f "$run/overlay.qcow2"
  qemu-img create -q -f qcow2 -F qcow2 -b "$snap/disk.qcow2" "$run/overlay.qcow2" || return 1
  started_from="snapshot ${snap##*/}"
  launch_qemu "$snap" "$run/overlay.qcow2" "exec:zstd -dcq $(printf %q "$snap/state.zst")"
  log "restoring the snapshot (pid $(cat "$run/qemu.pid"), ssh on 127.0.0.1:$qemu_port)"
  # The VM was saved stopped, so it comes back stopped: run it once its state is read.
  python3 "$lab/qmp.py" "$run/qmp.sock" resume || return 1
  times=$(wait_ready "${LAB_RESTORE_TIMEOUT:-120}" "$qemu_t0" restored) || return 1
  record_timing restore "${times% *}" ",\"readySeconds\":${times#* }"
}

boot_instance() {
  rm -f "$run/overlay.qcow2"
  qemu-img create -q -f qcow2 -F raw -b "$image/root.ext4" "$run/overlay.qcow2"
  started_from=boot
  launch_qemu "$image" "$run/overlay.qcow2"
  log "booting (pid $(cat "$run/qemu.pid"), ssh on 127.0.0.1:$qemu_port)"
  times=$(wait_ready "${LAB_BOOT_TIMEOUT:-300}" "$qemu_t0")
  record_timing boot "${times% *}" ",\"readySeconds\":${times#* }"
}

# A start that fails leaves no VM running (its serial log and qemu.err stay in the run directory).
start_failed() {
  local status=$?
  if [ "$status" != 0 ]; then
    kill_qemu
    rm -f "$run/qemu.pid" "$state"
    close_master
  fi
}

cmd_start() {
  for tool in qemu-system-x86_64 qemu-img ssh python3 zstd; do
    command -v "$tool" >/dev/null 2>&1 || die "$tool is missing: run 'bash scripts/lab-deps.sh' (as root)"
  done
  cmd_build
  mkdir -p "$run"
  exec 8>"$run/.lock"
  flock 8
  if pid_alive; then
    log "already running (pid $(cat "$run/qemu.pid")); waiting until ready"
    wait_ready "${LAB_BOOT_TIMEOUT:-300}" "$(now)" >/dev/null
    cat "$state"
    return
  fi
  rm -f "$run/overlay.qcow2" "$run/qemu.pid" "$state" "$run/serial.log"
  trap start_failed EXIT
  started_from=boot
  if [ "${LAB_SNAPSHOT:-1}" = 1 ] && ensure_snapshot; then
    if ! restore_instance; then
      kill_qemu
      log "the snapshot did not restore; removing it and booting from scratch"
      flock -u 7
      flock -x 7 && rm -rf "$snap"
      boot_instance
    fi
    exec 7>&-
  else
    boot_instance
  fi
  write_state "$qemu_port" "$(cat "$run/qemu.pid")" "${times% *}" "${times#* }" "$started_from"
  trap - EXIT
  log "ready ($started_from): SSH after ${times% *} s, lab services after ${times#* } s"
  cat "$state"
}

cmd_stop() {
  mkdir -p "$run"
  exec 8>"$run/.lock"
  flock 8
  close_master
  if pid_alive; then
    local pid
    pid=$(cat "$run/qemu.pid")
    kill_qemu
    log "stopped (pid $pid)"
  else
    log "not running"
  fi
  rm -f "$run/overlay.qcow2" "$run/qemu.pid" "$run/qmp.sock" "$state"
}

cmd_status() {
  if ! pid_alive; then
    log "not running"
    return 3
  fi
  cat "$state"
  if ssh_lab lab-ctl status; then return 0; fi
  log "qemu runs but SSH does not answer"
  return 1
}

cmd=${1:-help}
shift || true
case "$cmd" in
  build) cmd_build "$@" ;;
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  wait)
    pid_alive || die "not running (bash lab/lab.sh start)"
    times=$(wait_ready "${1:-${LAB_BOOT_TIMEOUT:-300}}" "$(now)")
    log "ready (SSH after ${times% *} s)"
    ;;
  ssh)
    pid_alive || die "not running (bash lab/lab.sh start)"
    if [ "$#" -eq 0 ]; then exec ssh -F "$run/ssh_config" -t lab; fi
    exec ssh -F "$run/ssh_config" lab "$@"
    ;;
  timings) cat "$build/timings.jsonl" 2>/dev/null || true ;;
  help | -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' ;;
  *)
    sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2
    exit 2
    ;;
esac
