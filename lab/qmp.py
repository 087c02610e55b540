#!/usr/bin/env python3
"""A minimal client of QMP, QEMU's machine protocol, for lab/lab.sh (standard library only).

  qmp.py SOCKET save COMMAND   stop the VM, stream its whole state (RAM, devices) into COMMAND's standard
                               input (a QEMU `exec:` migration, e.g. "zstd -q -1 -o state.zst"), then quit
  qmp.py SOCKET resume         wait until a VM started with -incoming has read the saved state, then run it
                               (a VM saved while stopped comes back stopped)
  qmp.py SOCKET status         the VM's run state ("running", "inmigrate", "paused", ...)

Why a migration into a file: a VM saved this way right after it booted is back, booted and ready, in
seconds when a new QEMU is started with `-incoming "exec:<read the file>"`; lab.sh uses it to give every lab
instance a fresh, already booted mail host (see lab/README.md, "Snapshot").
"""
import json
import socket
import sys
import time


class Qmp:
    """One QMP connection: greeting and capabilities negotiation done, then commands one at a time."""

    def __init__(self, path: str, timeout: float = 30.0):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.connect(path)
        self.buf = b""
        self._read()  # greeting
        self.execute("qmp_capabilities")

    def _read(self) -> dict:
        while b"\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("QEMU closed the QMP connection")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line)

    def execute(self, command: str, **arguments):
        message = {"execute": command}
        if arguments:
            message["arguments"] = arguments
        self.sock.sendall(json.dumps(message).encode() + b"\n")
        while True:
            reply = self._read()
            if "event" in reply:
                continue
            if "error" in reply:
                raise RuntimeError(f"QMP {command}: {reply['error'].get('desc', reply['error'])}")
            return reply.get("return")


def save(qmp: Qmp, command: str, timeout: float = 600.0) -> None:
    qmp.execute("stop")
    # QEMU throttles migrations to 32 MiB/s by default; a stopped VM into a local file needs no limit.
    qmp.execute("migrate-set-parameters", **{"max-bandwidth": 8 << 30})
    qmp.execute("migrate", uri=f"exec:{command}")
    deadline = time.monotonic() + timeout
    while True:
        info = qmp.execute("query-migrate")
        status = info.get("status")
        if status == "completed":
            break
        if status in ("failed", "cancelled"):
            raise RuntimeError(f"saving the VM failed: {info.get('error-desc', status)}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"saving the VM did not finish within {timeout:.0f} s (status {status})")
        time.sleep(0.2)
    ram = info.get("ram", {})
    print(json.dumps({"transferredBytes": ram.get("transferred"), "totalTimeMs": info.get("total-time")}))
    try:
        qmp.execute("quit")
    except ConnectionError:
        pass


def resume(qmp: Qmp, timeout: float = 180.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        status = qmp.execute("query-status")["status"]
        if status == "running":
            return
        if status == "paused":
            qmp.execute("cont")
            return
        if status != "inmigrate":
            raise RuntimeError(f"the VM is {status} instead of reading the saved state")
        if time.monotonic() > deadline:
            raise RuntimeError(f"the VM did not read the saved state within {timeout:.0f} s")
        time.sleep(0.1)


def connect(path: str, timeout: float = 30.0) -> Qmp:
    """Connects, waiting for the socket of a QEMU that is still starting."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return Qmp(path)
        except (FileNotFoundError, ConnectionRefusedError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def main(argv: list) -> int:
    if len(argv) < 3 or argv[2] not in ("save", "resume", "status") or (argv[2] == "save") != (len(argv) == 4):
        print(__doc__.strip(), file=sys.stderr)
        return 2
    qmp = connect(argv[1])
    if argv[2] == "status":
        print(qmp.execute("query-status")["status"])
    elif argv[2] == "resume":
        resume(qmp)
    else:
        save(qmp, argv[3])
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except (OSError, RuntimeError, ConnectionError) as err:
        print(f"qmp: {err}", file=sys.stderr)
        sys.exit(1)
