import type { LabVm } from "./lab-vm";
import { shellQuote } from "./local-command";

/** One message in Exim's queue, as `exim4 -bp` lists it: its id and the recipients not yet delivered. */
export interface EximQueuedMessage {
  readonly id: string;
  readonly sender: string;
  readonly recipients: readonly string[];
}

/**
 * Every message in Exim's queue (`exim4 -bp`), with the recipients still to deliver (those `-bp` marks with
 * `D` are left out).
 *
 * Why parse `-bp`: it is Exim's own view of its queue, the one an administrator reads; a spool file count would
 * not tell which recipient is still waiting.
 */
export async function eximQueue(vm: LabVm): Promise<EximQueuedMessage[]> {
  const out = await vm.sh("exim4 -bp");
  const messages: { id: string; sender: string; recipients: string[] }[] = [];
  for (const line of out.split("\n")) {
    const head = line.match(/^\s*\d+[smhdw]\s+\S+\s+(\S+)\s+<([^>]*)>/);
    if (head) {
      messages.push({ id: head[1], sender: head[2], recipients: [] });
      continue;
    }
    const rcpt = line.match(/^\s+(D\s+)?(\S+@\S+)\s*$/);
    if (rcpt && messages.length > 0 && rcpt[1] === undefined) {
      messages[messages.length - 1].recipients.push(rcpt[2]);
    }
  }
  return messages;
}

/**
 * Exim's log lines (`/var/log/exim4/mainlog`) of deferred deliveries (`==`) to `recipient`: each attempt that
 * failed temporarily, with Exim's reason.
 */
export async function eximDeferrals(vm: LabVm, recipient: string): Promise<string[]> {
  const out = await vm.sh(`grep -F -- ${shellQuote(`== ${recipient} `)} /var/log/exim4/mainlog || true`);
  return out.split("\n").filter((l) => l.trim() !== "");
}

/** Asks Exim to run its queue now, every message, retry times and freezing ignored (`exim4 -qff`). */
export async function eximForceQueueRun(vm: LabVm): Promise<void> {
  await vm.sh("exim4 -qff");
}
