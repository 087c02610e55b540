import { createSocket, type RemoteInfo, type Socket as UdpSocket } from "node:dgram";
import { connect, createServer, type Server, type Socket } from "node:net";

/** Bytes of a DNS message's header and question section (queries carry no compression pointers). */
function headerAndQuestion(message: Buffer): number {
  let at = 12;
  while (at < message.length && message[at] !== 0) at += message[at] + 1;
  return Math.min(at + 5, message.length);
}

/** The UDP payload size a query allows: its EDNS0 OPT record's, else 512 (RFC 6891 §6.2.3). */
function udpLimit(query: Buffer): number {
  const additional = query.readUInt16BE(10);
  const q = headerAndQuestion(query);
  // A query's OPT record: root name (0), type 41, then the size as its class.
  if (additional > 0 && query.length >= q + 5 && query[q] === 0 && query.readUInt16BE(q + 1) === 41) {
    return Math.max(512, query.readUInt16BE(q + 3));
  }
  return 512;
}

/**
 * A DNS server address on this machine (127.0.0.1, UDP and TCP on one port) whose queries are carried to a
 * DNS server that speaks TCP at `upstreamPort` of 127.0.0.1: e.g. a {@link NamespaceSshRelay} into the lab's
 * `internet` namespace, where the lab's NSD serves the zones. UDP queries travel over one kept-open TCP
 * connection (RFC 7766 framing, matched by message id); an answer too large for the query's UDP size comes
 * back truncated (TC), and the client's retry over TCP is piped through. So a program here (the doctor) asks
 * the lab's real DNS server with its ordinary resolver, and no packet leaves this machine or the VM.
 */
export class DnsUdpRelay {
  private upstream: Socket | undefined;
  private buffer = Buffer.alloc(0);
  private readonly waiting = new Map<number, { rinfo: RemoteInfo; limit: number }[]>();
  private readonly tcpClients = new Set<Socket>();

  private constructor(
    private readonly udp: UdpSocket,
    private readonly tcp: Server,
    private readonly upstreamPort: number,
  ) {}

  /** The port on 127.0.0.1 (UDP and TCP) to point a resolver at. */
  get port(): number {
    return this.udp.address().port;
  }

  /** The `--resolver` value of the relay. */
  get resolver(): string {
    return `127.0.0.1:${this.port}`;
  }

  static async open(upstreamPort: number): Promise<DnsUdpRelay> {
    for (let attempt = 0; ; attempt++) {
      const udp = createSocket("udp4");
      await new Promise<void>((resolve, reject) => {
        udp.once("error", reject);
        udp.bind(0, "127.0.0.1", () => resolve());
      });
      const tcp = createServer();
      const port = udp.address().port;
      const listening = await new Promise<boolean>((resolve) => {
        tcp.once("error", () => resolve(false));
        tcp.listen(port, "127.0.0.1", () => resolve(true));
      });
      if (!listening) {
        udp.close();
        if (attempt < 10) continue;
        throw new Error("DnsUdpRelay: no port free for both UDP and TCP");
      }
      const relay = new DnsUdpRelay(udp, tcp, upstreamPort);
      udp.on("message", (message, rinfo) => relay.query(message, rinfo));
      tcp.on("connection", (client) => relay.pipeTcp(client));
      return relay;
    }
  }

  private query(message: Buffer, rinfo: RemoteInfo): void {
    if (message.length < 12) return;
    const id = message.readUInt16BE(0);
    this.waiting.set(id, [...(this.waiting.get(id) ?? []), { rinfo, limit: udpLimit(message) }]);
    const framed = Buffer.alloc(message.length + 2);
    framed.writeUInt16BE(message.length, 0);
    message.copy(framed, 2);
    this.connection().write(framed);
  }

  private connection(): Socket {
    if (this.upstream !== undefined && !this.upstream.destroyed) return this.upstream;
    const socket = connect(this.upstreamPort, "127.0.0.1");
    this.buffer = Buffer.alloc(0);
    socket.on("data", (data) => this.answers(data));
    // Queries in flight are lost with the connection; the client's resolver asks again.
    socket.on("error", () => undefined);
    socket.on("close", () => {
      if (this.upstream === socket) this.upstream = undefined;
    });
    this.upstream = socket;
    return socket;
  }

  private answers(data: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, data]);
    while (this.buffer.length >= 2 && this.buffer.length >= 2 + this.buffer.readUInt16BE(0)) {
      const answer = this.buffer.subarray(2, 2 + this.buffer.readUInt16BE(0));
      this.buffer = this.buffer.subarray(2 + answer.length);
      if (answer.length < 12) continue;
      const id = answer.readUInt16BE(0);
      const queue = this.waiting.get(id) ?? [];
      const client = queue.shift();
      if (queue.length === 0) this.waiting.delete(id);
      if (client === undefined) continue;
      let reply = Buffer.from(answer);
      if (reply.length > client.limit) {
        // Too large for UDP: header and question only, with TC set, and no records (RFC 2181 §9).
        reply = Buffer.from(reply.subarray(0, headerAndQuestion(reply)));
        reply[2] |= 0x02;
        reply.writeUInt16BE(0, 6);
        reply.writeUInt16BE(0, 8);
        reply.writeUInt16BE(0, 10);
      }
      this.udp.send(reply, client.rinfo.port, client.rinfo.address);
    }
  }

  private pipeTcp(client: Socket): void {
    this.tcpClients.add(client);
    const upstream = connect(this.upstreamPort, "127.0.0.1");
    client.pipe(upstream).pipe(client);
    const end = () => {
      client.destroy();
      upstream.destroy();
      this.tcpClients.delete(client);
    };
    client.on("error", end).on("close", end);
    upstream.on("error", end).on("close", end);
  }

  /** Stops listening and ends every connection. */
  async close(): Promise<void> {
    this.upstream?.destroy();
    for (const c of this.tcpClients) c.destroy();
    await new Promise<void>((resolve) => this.udp.close(() => resolve()));
    await new Promise<void>((resolve) => this.tcp.close(() => resolve()));
  }
}
