#!/bin/bash
# The lab: a real Debian kernel under qemu (TCG) playing the mail host, with the provider, Hurricane
# Electric's tunnel server and the internet (remote MX, DNS) as network namespaces inside it.
#
#   bash lab/lab.sh build [--force]   build the VM image (cached; rebuilt only when its inputs change)
#   bash lab/lab.sh start             build if needed, boot in the background, wait until ready
#   bash lab/lab.sh wait [SECONDS]    wait until SSH answers and the lab's services run (e.g. after a reboot)
#   bash lab/lab.sh status            running? reachable? (exit 0 if so, 3 if not running)
#   bash lab/lab.sh ssh [COMMAND...]  a shell or a command on the mail host, as root
#   bash lab/lab.sh stop              power off and forget the run (the base image stays)
#   bash lab/lab.sh timings           build and boot figures measured so far (JSON lines)
#
# Environment: LAB_INSTANCE (default "default"; several instances can run side by side), LAB_SSH_PORT
# (default 2222 for the default instance, else the first free port from 2223), LAB_MEMORY (MiB, 1024),
# LAB_CPUS (2), LAB_BUILD_DIR (lab/build), LAB_BOOT_TIMEOUT (seconds, 300).
# State of a running instance: $LAB_BUILD_DIR/run/<instance>/state.json (sshPort, pid, key, sshConfig, ...).
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
run=$build/run/$instance
state=$run/state.json
image=$build/image

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
  printf '{"event":"%s","seconds":%s,"instance":"%s","at":"%s"%s}\n' "$1" "$2" "$instance" \
    "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "${3:-}" >>"$build/timings.jsonl"
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

# Opens the shared master connection (see ControlPath above); harmless when one is open already.
open_master() {
  ssh -F "$run/ssh_config" -O check lab >/dev/null 2>&1 && return 0
  rm -f "$run/mux"
  # fds 8 and 9 (the run and build locks) must not stay open in the long-lived master.
  ssh -F "$run/ssh_config" -o ControlMaster=yes -o ControlPersist=no -f -N lab </dev/null >/dev/null 2>&1 8>&- 9>&- || true
}

close_master() {
  [ -f "$run/ssh_config" ] || return 0
  ssh -F "$run/ssh_config" -O exit lab >/dev/null 2>&1 || true
  rm -f "$run/mux"
}

write_state() { # port pid bootSeconds readySeconds
  python3 - "$state" "$instance" "$1" "$2" "$3" "$4" "$run" "$build/ssh" "$(topo host sshUser)" <<'EOF'
import json, sys
path, inst, port, pid, boot, ready, run, keys, user = sys.argv[1:]
json.dump({
    "instance": inst, "sshHost": "127.0.0.1", "sshPort": int(port), "pid": int(pid),
    "sshUser": user, "privateKeyPath": f"{keys}/id_ed25519", "knownHostsPath": f"{keys}/known_hosts",
    "hostKeyAlias": "ipv6-mail-lab", "sshConfig": f"{run}/ssh_config", "serialLog": f"{run}/serial.log",
    "bootSeconds": float(boot) if boot else None, "readySeconds": float(ready) if ready else None,
}, open(path + ".tmp", "w"), indent=2)
import os; os.replace(path + ".tmp", path)
EOF
}

# Waits until SSH answers, then until the lab's services run inside the VM. Prints the seconds to SSH.
wait_ready() { # timeout start
  local timeout=$1 t0=$2 deadline t_ssh
  deadline=$(($(date +%s) + timeout))
  close_master
  until ssh -F "$run/ssh_config" -o ControlPath=none lab true 2>"$run/ssh.err"; do
    pid_alive || {
      tail -40 "$run/serial.log" >&2 || true
      die "qemu exited while booting (serial console: $run/serial.log)"
    }
    [ "$(date +%s)" -lt "$deadline" ] || {
      tail -40 "$run/serial.log" >&2 || true
      die "SSH did not answer within ${timeout}s: $(tail -1 "$run/ssh.err") (serial console: $run/serial.log)"
    }
    sleep 1
  done
  t_ssh=$(now)
  open_master
  ssh_lab "lab-ctl ready $((deadline - $(date +%s) > 10 ? deadline - $(date +%s) : 10))" >&2 ||
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

cmd_start() {
  for tool in qemu-system-x86_64 qemu-img ssh python3; do
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
  qemu-img create -q -f qcow2 -F raw -b "$image/root.ext4" "$run/overlay.qcow2"
  local port attempt t0 mgmt_mac mgmt_ip times
  mgmt_mac=$(topo host management mac)
  mgmt_ip=$(topo host management ipv4)
  mgmt_ip=${mgmt_ip%/*}
  for attempt in 1 2 3 4 5; do
    port=$(pick_port)
    t0=$(now)
    if qemu-system-x86_64 -name "ipv6-mail-lab-$instance" -accel tcg,thread=multi \
      -m "${LAB_MEMORY:-1024}" -smp "${LAB_CPUS:-2}" -nodefaults -no-user-config -display none \
      -serial "file:$run/serial.log" -kernel "$image/vmlinuz" -initrd "$image/initrd.img" \
      -append "console=ttyS0 root=/dev/vda rw fsck.mode=skip quiet loglevel=4 panic=-1" \
      -drive "file=$run/overlay.qcow2,if=virtio,format=qcow2,cache=unsafe" \
      -netdev "user,id=mgmt,restrict=on,ipv6=off,net=10.0.2.0/24,hostfwd=tcp:127.0.0.1:$port-$mgmt_ip:22" \
      -device "virtio-net-pci,netdev=mgmt,mac=$mgmt_mac" -device virtio-rng-pci \
      -daemonize -pidfile "$run/qemu.pid" 2>"$run/qemu.err" 8>&-; then
      break
    fi
    if [ -n "${LAB_SSH_PORT:-}" ] || [ "$attempt" = 5 ]; then
      cat "$run/qemu.err" >&2
      die "qemu did not start"
    fi
    log "qemu could not start on port $port, trying another: $(head -1 "$run/qemu.err")"
  done
  write_ssh_config "$port"
  write_state "$port" "$(cat "$run/qemu.pid")" "" ""
  log "booting (pid $(cat "$run/qemu.pid"), ssh on 127.0.0.1:$port)"
  times=$(wait_ready "${LAB_BOOT_TIMEOUT:-300}" "$t0")
  write_state "$port" "$(cat "$run/qemu.pid")" "${times% *}" "${times#* }"
  record_timing boot "${times% *}" ",\"readySeconds\":${times#* }"
  log "ready: SSH after ${times% *} s, lab services after ${times#* } s"
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
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.2
    done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null || true
    log "stopped (pid $pid)"
  else
    log "not running"
  fi
  rm -f "$run/overlay.qcow2" "$run/qemu.pid" "$state"
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
