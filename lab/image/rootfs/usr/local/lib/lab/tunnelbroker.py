#!/usr/bin/env python3
"""A simulated tunnelbroker.net endpoint update (HE's dyndns-style `GET /nic/update`), served over HTTPS
inside the lab's `he` namespace. Nothing here reaches the internet: the mail host finds the real name
(ipv4.tunnelbroker.net) in the lab image's /etc/hosts, and the VM has no route out.

  tunnelbroker.py serve --address A --port P --cert C --key K --state DIR --tunnel-interface IF
  tunnelbroker.py account --state DIR TUNNEL_ID USERNAME     (the update key on stdin: never in argv)
  tunnelbroker.py answer --state DIR normal|abuse|911        (force an answer HE gives when it refuses)
  tunnelbroker.py calls --state DIR | clear --state DIR

Answers, as HE's update API documents them (first line of the body, HTTP 200 as HE sends it):
  good <ip>    the tunnel's client endpoint is now <ip>; the `he` side's sit tunnel is changed to it
  nochg <ip>   the tunnel already points at <ip> (the `he` side's tunnel remote, read from the kernel)
  badauth      no or wrong basic auth (username and the tunnel's update key)
  nohost       the tunnel id (`hostname`) is not a tunnel of that account
  abuse, 911   only when forced by `answer` (HE blocks an update client, or has a server error)

Each call is one JSON line in DIR/calls.jsonl: time, peer, tunnel id, myip, username, whether the key
matched, the answer, and `processes`: the mail host's process list (`ps -ww -eo args`: whole command
lines, not cut at 80 columns as ps does for a pipe) taken while the client
waits for the answer, so a test can see what the process list showed during the call. The key itself is
never written anywhere: accounts.json holds its SHA-256 only.
"""
import argparse
import base64
import hashlib
import hmac
import ipaddress
import json
import os
import ssl
import subprocess
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

FORCED_ANSWERS = ("abuse", "911")


def read_json(path, default):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except FileNotFoundError:
        return default


def write_json(path, value):
    tmp = f"{path}.tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(value, f)
    os.replace(tmp, path)


def key_digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def tunnel_remote(interface: str) -> str:
    out = subprocess.run(
        ["ip", "-j", "-d", "link", "show", "dev", interface], capture_output=True, text=True, check=True
    ).stdout
    return json.loads(out)[0]["linkinfo"]["info_data"]["remote"]


def make_handler(args):
    state = args.state

    class Handler(BaseHTTPRequestHandler):
        server_version = "lab-tunnelbroker"
        sys_version = ""

        def log_message(self, format, *values):  # noqa: A002 (http.server's signature)
            # The request line holds hostname and myip only; headers (the basic auth) are never logged.
            sys.stderr.write(f"tunnelbroker: {self.address_string()} {format % values}\n")

        def answer(self, text: str, status: int = 200):
            body = f"{text}\n".encode()
            self.send_response(status)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):  # noqa: N802 (http.server's name)
            url = urlsplit(self.path)
            if url.path != "/nic/update":
                self.answer("not found", 404)
                return
            query = parse_qs(url.query)
            tunnel_id = (query.get("hostname") or [""])[0]
            myip = (query.get("myip") or [self.client_address[0]])[0]
            username, key = "", None
            auth = self.headers.get("Authorization", "")
            if auth.startswith("Basic "):
                try:
                    username, _, key = base64.b64decode(auth[6:]).decode().partition(":")
                except ValueError:
                    username, key = "", None
            # While the client waits for this answer: what the mail host's process list shows (one PID
            # namespace: the lab's namespaces are network namespaces only).
            processes = subprocess.run(["ps", "-ww", "-eo", "args"], capture_output=True, text=True).stdout
            accounts = read_json(os.path.join(state, "accounts.json"), {})
            account = accounts.get(tunnel_id)
            key_ok = (
                key is not None
                and account is not None
                and account["username"] == username
                and hmac.compare_digest(account["keySha256"], key_digest(key))
            )
            forced = read_json(os.path.join(state, "answer.json"), {"answer": "normal"})["answer"]
            if key is None or account is None and not any(a["username"] == username for a in accounts.values()):
                text = "badauth"
            elif account is None:
                text = "nohost"
            elif not key_ok:
                text = "badauth"
            elif forced in FORCED_ANSWERS:
                text = forced
            else:
                try:
                    ip = str(ipaddress.IPv4Address(myip))
                except ValueError:
                    ip = None
                if ip is None:
                    text = "911"
                elif tunnel_remote(args.tunnel_interface) == ip:
                    text = f"nochg {ip}"
                else:
                    # As HE does on an accepted update: its end of the tunnel now sends to the new address.
                    subprocess.run(
                        ["ip", "tunnel", "change", args.tunnel_interface, "mode", "sit", "remote", ip],
                        check=True,
                    )
                    text = f"good {ip}"
            record = {
                "time": time.time(),
                "peer": self.client_address[0],
                "tunnelId": tunnel_id,
                "myip": myip,
                "username": username,
                "keyMatched": key_ok,
                "answer": text,
                "processes": processes.splitlines(),
            }
            with open(os.path.join(state, "calls.jsonl"), "a", encoding="utf-8") as f:
                f.write(json.dumps(record) + "\n")
            self.answer(text)

    return Handler


def serve(args):
    os.makedirs(args.state, exist_ok=True)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(args.cert, args.key)
    httpd = ThreadingHTTPServer((args.address, args.port), make_handler(args))
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    httpd.serve_forever()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("serve")
    s.add_argument("--address", required=True)
    s.add_argument("--port", type=int, required=True)
    s.add_argument("--cert", required=True)
    s.add_argument("--key", required=True)
    s.add_argument("--tunnel-interface", required=True)
    a = sub.add_parser("account")
    a.add_argument("tunnel_id")
    a.add_argument("username")
    f = sub.add_parser("answer")
    f.add_argument("answer", choices=("normal",) + FORCED_ANSWERS)
    sub.add_parser("calls")
    sub.add_parser("clear")
    for p in (s, a, f, sub.choices["calls"], sub.choices["clear"]):
        p.add_argument("--state", required=True)
    args = parser.parse_args()
    os.makedirs(args.state, exist_ok=True)
    if args.cmd == "serve":
        serve(args)
    elif args.cmd == "account":
        key = sys.stdin.readline().rstrip("\n")
        if not key:
            sys.exit("tunnelbroker: the update key is read from stdin (one line)")
        path = os.path.join(args.state, "accounts.json")
        accounts = read_json(path, {})
        accounts[args.tunnel_id] = {"username": args.username, "keySha256": key_digest(key)}
        write_json(path, accounts)
    elif args.cmd == "answer":
        write_json(os.path.join(args.state, "answer.json"), {"answer": args.answer})
    elif args.cmd == "calls":
        try:
            with open(os.path.join(args.state, "calls.jsonl"), encoding="utf-8") as f:
                sys.stdout.write(f.read())
        except FileNotFoundError:
            pass
    elif args.cmd == "clear":
        open(os.path.join(args.state, "calls.jsonl"), "w").close()


if __name__ == "__main__":
    main()
