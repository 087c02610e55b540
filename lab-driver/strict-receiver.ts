import type { LabVm } from "./lab-vm";
import { shellQuote } from "./local-command";
import type { LabTopology } from "./topology";
import { waitFor } from "./wait-for";

/** A message the lab's strict receiver accepted: its headers (unfolded) and where it lies in the Maildir. */
export interface ReceivedMessage {
  readonly file: string;
  readonly headers: ReadonlyArray<readonly [string, string]>;
}

/** The values of one header field of a received message, e.g. every `Authentication-Results`. */
export function headerValues(message: ReceivedMessage, name: string): string[] {
  return message.headers.filter(([n]) => n.toLowerCase() === name.toLowerCase()).map(([, v]) => v);
}

function parseHeaders(text: string): Array<[string, string]> {
  const head = text.split(/\r?\n\r?\n/)[0] ?? "";
  const unfolded = head.replace(/\r?\n[ \t]+/g, " ");
  return unfolded
    .split(/\r?\n/)
    .filter((line) => line.includes(":"))
    .map((line) => {
      const colon = line.indexOf(":");
      return [line.slice(0, colon), line.slice(colon + 1).trim()] as [string, string];
    });
}

/** Waits until the strict receiver delivered the message with `subject` into its Maildir. */
export function waitAccepted(vm: LabVm, t: LabTopology, subject: string): Promise<ReceivedMessage> {
  const newDir = `${t.internet.strictMx.mailbox}/new`;
  return waitFor(
    `the strict receiver to accept "${subject}"`,
    async () => {
      const file = await vm.sh(
        `grep -lF ${shellQuote(`Subject: ${subject}`)} ${shellQuote(newDir)}/* 2>/dev/null | head -n 1 || true`,
      );
      if (file === "") return undefined;
      return { file, headers: parseHeaders(await vm.readFile(file)) };
    },
    { timeoutMs: 120_000, intervalMs: 1_000 },
  );
}

/**
 * Waits until the mail host's Postfix logged that the receiver refused the message to `recipient`, and
 * returns the receiver's reply as Postfix logged it (`host … said: 550 5.7.1 …`).
 */
export function waitRejected(vm: LabVm, recipient: string): Promise<string> {
  return waitFor(
    `the strict receiver to reject the message to ${recipient}`,
    async () => {
      const log = await vm.sh(
        `journalctl -b -u postfix@- --no-pager -o cat | grep -F ${shellQuote(`to=<${recipient}>`)} | grep -F status=bounced || true`,
      );
      const m = log.match(/status=bounced \((.*)\)\s*$/m);
      return m?.[1];
    },
    { timeoutMs: 120_000, intervalMs: 1_000 },
  );
}
