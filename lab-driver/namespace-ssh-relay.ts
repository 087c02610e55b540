import { spawn } from "node:child_process";
import { createServer, type Server, type Socket } from "node:net";

import type { LabVm } from "./lab-vm";
import { shellQuote } from "./local-command";

/** Where one relayed connection goes: from `source` inside `namespace` to `target`:`port` (TCP). */
export interface RelayRoute {
  readonly namespace?: string;
  readonly source?: string;
  readonly target: string;
  readonly port: number;
}

// Connects inside the VM (in the route's namespace, from its source address) and copies bytes both ways
// between the connection and stdin/stdout. A connection that does not open within 2 s (a firewall that drops
// it) ends the relay, so the SSH client on the other side sees its dial fail, as it would on the real path.
const CONNECT = String.raw`
import os, selectors, socket, sys
target, port, source = sys.argv[1], int(sys.argv[2]), sys.argv[3]
try:
    s = socket.create_connection((target, port), timeout=2, source_address=(source, 0) if source else None)
except OSError as e:
    sys.stderr.write("relay: %s port %d: %s\n" % (target, port, e))
    sys.exit(1)
s.settimeout(None)
sel = selectors.DefaultSelector()
sel.register(0, selectors.EVENT_READ)
sel.register(s, selectors.EVENT_READ)
while True:
    for key, _ in sel.select():
        if key.fileobj == 0:
            data = os.read(0, 65536)
            if not data:
                s.shutdown(socket.SHUT_WR)
                sel.unregister(0)
            else:
                s.sendall(data)
        else:
            data = s.recv(65536)
            if not data:
                sys.exit(0)
            os.write(1, data)
`;

/**
 * A TCP port on 127.0.0.1 of this machine whose connections are carried, over the lab's SSH connection, into
 * the lab VM and opened there along a route the test chooses: e.g. from the remote admin's address in the
 * `internet` namespace to the mail host's SMTP address over IPv6, the path an admin's SSH takes in
 * production. An SSH client (the command provider) pointed at this port then reaches the host's sshd over
 * that path, and the host sees the admin's IPv6 address in SSH_CONNECTION. `route` is asked once per
 * connection (numbered from 0), so a test can send later connections another way.
 */
export class NamespaceSshRelay {
  /** Connections accepted so far. */
  connections = 0;
  private readonly sockets = new Set<Socket>();

  private constructor(private readonly server: Server) {}

  /** The port on 127.0.0.1 to point an SSH client at. */
  get port(): number {
    const address = this.server.address();
    return typeof address === "object" && address !== null ? address.port : 0;
  }

  static async open(vm: LabVm, route: (connection: number) => RelayRoute): Promise<NamespaceSshRelay> {
    const relay = new NamespaceSshRelay(createServer((socket) => relay.carry(vm, socket, route)));
    await new Promise<void>((resolve, reject) => {
      relay.server.once("error", reject);
      relay.server.listen(0, "127.0.0.1", () => resolve());
    });
    return relay;
  }

  private carry(vm: LabVm, socket: Socket, route: (connection: number) => RelayRoute): void {
    const r = route(this.connections++);
    this.sockets.add(socket);
    const connect = `python3 -c ${shellQuote(CONNECT)} ${shellQuote(r.target)} ${r.port} ${shellQuote(r.source ?? "")}`;
    const remote = r.namespace ? `ip netns exec ${shellQuote(r.namespace)} ${connect}` : connect;
    const child = spawn("ssh", ["-F", vm.ssh.sshConfig, "lab", remote], {
      stdio: ["pipe", "pipe", "ignore"],
    });
    socket.pipe(child.stdin);
    child.stdout.pipe(socket);
    child.stdin.on("error", () => undefined);
    socket.on("error", () => child.kill());
    socket.on("close", () => {
      this.sockets.delete(socket);
      child.kill();
    });
    child.on("close", () => socket.destroy());
  }

  /** Stops listening and ends the connections still open. */
  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
