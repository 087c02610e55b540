#!/usr/bin/env python3
"""The remote mail exchanger of the lab: accepts every message and logs who delivered it.

What matters to the lab is the *peer address* of each delivery (the address the sending host's kernel and
MTA chose), so each accepted message appends one JSON line to the log:
{"time", "peer", "helo", "mailFrom", "rcptTo", "subject", "messageId", "bytes"}.
IPv4-mapped peers (::ffff:a.b.c.d) are logged as plain IPv4.
"""
import argparse
import asyncio
import email.parser
import email.policy
import ipaddress
import json
import os
import socket
import time

MAX_MESSAGE = 10 * 1024 * 1024


def peer_of(writer: asyncio.StreamWriter) -> str:
    addr = writer.get_extra_info("peername")[0]
    ip = ipaddress.ip_address(addr.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        return str(ip.ipv4_mapped)
    return str(ip)


class Session:
    def __init__(self, args, reader, writer):
        self.args = args
        self.reader = reader
        self.writer = writer
        self.peer = peer_of(writer)
        self.helo = ""
        self.reset()

    def reset(self):
        self.mail_from = None
        self.rcpt_to = []

    async def send(self, line: str):
        self.writer.write((line + "\r\n").encode())
        await self.writer.drain()

    async def read_data(self) -> bytes:
        lines = []
        size = 0
        while True:
            line = await self.reader.readline()
            if not line:
                raise ConnectionError("connection closed in DATA")
            if line in (b".\r\n", b".\n"):
                break
            if line.startswith(b".."):
                line = line[1:]
            size += len(line)
            if size <= MAX_MESSAGE:
                lines.append(line)
        return b"".join(lines)

    def log(self, data: bytes):
        headers = email.parser.BytesHeaderParser(policy=email.policy.default).parsebytes(data)
        entry = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "peer": self.peer,
            "helo": self.helo,
            "mailFrom": self.mail_from,
            "rcptTo": self.rcpt_to,
            "subject": str(headers.get("Subject", "")),
            "messageId": str(headers.get("Message-ID", "")),
            "bytes": len(data),
        }
        os.makedirs(os.path.dirname(self.args.log), exist_ok=True)
        with open(self.args.log, "a", encoding="utf-8") as f:
            f.write(json.dumps(entry) + "\n")
        print(f"delivery from [{self.peer}] helo={self.helo} subject={entry['subject']!r}", flush=True)

    async def run(self):
        await self.send(f"220 {self.args.hostname} ESMTP lab sink")
        while True:
            raw = await self.reader.readline()
            if not raw:
                return
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            verb = line[:4].upper()
            arg = line[4:].strip()
            if verb in ("EHLO", "HELO"):
                self.helo = arg
                self.reset()
                if verb == "EHLO":
                    await self.send(f"250-{self.args.hostname}")
                    await self.send("250-8BITMIME")
                    await self.send(f"250 SIZE {MAX_MESSAGE}")
                else:
                    await self.send(f"250 {self.args.hostname}")
            elif verb == "MAIL":
                self.mail_from = arg.partition(":")[2].strip().split(" ")[0].strip("<>")
                self.rcpt_to = []
                await self.send("250 2.1.0 ok")
            elif verb == "RCPT":
                if self.mail_from is None:
                    await self.send("503 5.5.1 MAIL first")
                    continue
                self.rcpt_to.append(arg.partition(":")[2].strip().split(" ")[0].strip("<>"))
                await self.send("250 2.1.5 ok")
            elif verb == "DATA":
                if not self.rcpt_to:
                    await self.send("503 5.5.1 RCPT first")
                    continue
                await self.send("354 end with <CRLF>.<CRLF>")
                data = await self.read_data()
                self.log(data)
                self.reset()
                await self.send("250 2.0.0 accepted")
            elif verb == "RSET":
                self.reset()
                await self.send("250 2.0.0 ok")
            elif verb == "NOOP":
                await self.send("250 2.0.0 ok")
            elif verb == "QUIT":
                await self.send("221 2.0.0 bye")
                return
            else:
                await self.send("502 5.5.2 command not implemented")


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=25)
    ap.add_argument("--hostname", default="mx.example.net")
    ap.add_argument("--ipv6", required=True, help="the MX's IPv6 address (topology internet.mx.ipv6)")
    ap.add_argument("--log", default="/var/lib/lab/mx/deliveries.jsonl")
    args = ap.parse_args()

    async def handle(reader, writer):
        try:
            await asyncio.wait_for(Session(args, reader, writer).run(), timeout=300)
        except (ConnectionError, asyncio.TimeoutError):
            pass
        finally:
            writer.close()

    # IPv6 on the MX's own address only (the strict receiver listens on another address of the same
    # namespace, port 25 too), IPv4 on every address, so IPv4 senders are accepted (and logged) as well.
    v6 = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    v6.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    v6.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    v6.bind((args.ipv6, args.port))
    v4 = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    v4.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    v4.bind(("0.0.0.0", args.port))
    servers = [await asyncio.start_server(handle, sock=sock) for sock in (v6, v4)]
    print(f"smtp sink listening on [{args.ipv6}]:{args.port} and 0.0.0.0:{args.port}", flush=True)
    await asyncio.gather(*(server.serve_forever() for server in servers))


if __name__ == "__main__":
    asyncio.run(main())
