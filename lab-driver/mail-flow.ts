import type { LabVm, MxDelivery } from "./lab-vm";
import { shellQuote } from "./local-command";
import { waitFor } from "./wait-for";

/** One recipient of a message in Postfix's queue, as `postqueue -j` reports it. */
export interface QueuedRecipient {
  readonly queueName: string;
  readonly queueId: string;
  readonly address: string;
  readonly delayReason: string;
}

/** The final stdout line of a host script: `ipv6-mail: changed | unchanged | failed`. */
export function lastLine(text: string): string {
  const lines = text.trim().split("\n");
  return lines[lines.length - 1] ?? "";
}

/** Hands a message to the host's Postfix (`sendmail`), from root@<host> to `recipient`. */
export async function sendMail(vm: LabVm, recipient: string, subject: string): Promise<void> {
  await vm.exec(`sendmail -f root@${vm.topology.host.fqdn} ${shellQuote(recipient)}`, {
    input: `From: root@${vm.topology.host.fqdn}\nTo: ${recipient}\nSubject: ${subject}\n\nsent by the ipv6-mail lab\n`,
  });
}

/** Every recipient in Postfix's queues. */
export async function queuedRecipients(vm: LabVm): Promise<QueuedRecipient[]> {
  const out = await vm.sh("postqueue -j");
  const entries: QueuedRecipient[] = [];
  for (const line of out.split("\n")) {
    if (line.trim() === "") continue;
    const msg = JSON.parse(line) as {
      queue_name: string;
      queue_id: string;
      recipients: { address: string; delay_reason?: string }[];
    };
    for (const r of msg.recipients) {
      entries.push({
        queueName: msg.queue_name,
        queueId: msg.queue_id,
        address: r.address,
        delayReason: r.delay_reason ?? "",
      });
    }
  }
  return entries;
}

/** Waits until Postfix has tried and deferred the message to `recipient`; returns why it was deferred. */
export function waitDeferred(vm: LabVm, recipient: string): Promise<QueuedRecipient> {
  return waitFor(
    `Postfix to defer the message to ${recipient}`,
    async () =>
      (await queuedRecipients(vm)).find(
        (r) => r.address === recipient && r.queueName === "deferred" && r.delayReason !== "",
      ),
    { timeoutMs: 120_000, intervalMs: 1_000 },
  );
}

/** Waits until the remote MX logged the message with `subject`. */
export function waitDelivered(vm: LabVm, subject: string): Promise<MxDelivery> {
  return waitFor(
    `the remote MX to receive "${subject}"`,
    async () => (await vm.mxDeliveries()).find((d) => d.subject === subject),
    { timeoutMs: 120_000, intervalMs: 1_000 },
  );
}

/** Asks Postfix to retry everything in its queue now. */
export async function flushQueue(vm: LabVm): Promise<void> {
  await vm.sh("postqueue -f");
}

/** The packet count of the first counter in an nftables table of one of the lab's namespaces. */
export async function nftCounter(
  vm: LabVm,
  namespace: string,
  table: string,
  comment: string,
): Promise<number> {
  const out = await vm.sh(`ip netns exec ${shellQuote(namespace)} nft list table ${table}`);
  const line = out.split("\n").find((l) => l.includes(`comment "${comment}"`));
  const m = line?.match(/counter packets (\d+)/);
  if (!m) throw new Error(`lab: no counter commented "${comment}" in ${table} of ${namespace}:\n${out}`);
  return Number(m[1]);
}
