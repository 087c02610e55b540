import {
  composeFreebsdHostScripts,
  composeMailHostScripts,
  FirewallSpec,
  MailHostPart,
  MailHostScripts,
  PostfixSpec,
  TunnelSpec,
} from "../host-config";
import { HostOs } from "./hosts/host-os";
import { HostScriptCommands } from "./transport/host-script-command";
import type { HostService } from "../net";

/** The host's addresses once known (and checked): what the parts render their sections from. */
export interface KnownHostAddresses {
  readonly ipv4?: string;
  readonly nativePrefix?: string;
  /** The SMTP address and the dedicated /64 (undefined for a host that sends over IPv4 only). */
  readonly smtp?: string;
  readonly prefix?: string;
  /** `tunnel.localIpv4`, when set. */
  readonly localIpv4?: string;
  /** The services with their own addresses in the /64 (addresses filled in): added on the host, firewalled. */
  readonly services?: readonly HostService[];
}

/** A part's sections for known addresses; undefined when the part has nothing to do on this host. */
export type HostPartRenderer = (known: KnownHostAddresses) => MailHostPart | undefined;

/**
 * A part's spec for known addresses, for a FreeBSD host (whose files are rendered from the specs, not from
 * Linux sections); undefined when the part has nothing to do on this host.
 */
export type HostSpecRenderer<T> = (known: KnownHostAddresses) => T | undefined;

/**
 * The one configuration of a mail host that {@link MailServer}'s parts feed. The tunnel (or the native
 * address), the firewall and the MTA are components of their own under the MailServer, so a reader of the code
 * or of `pulumi preview` sees them, but the host is configured by one SSH session plus the confirmation: each
 * part hands its sections here instead of registering commands, and the MailServer renders them all in one
 * pass ({@link composeMailHostScripts}, the order every mail host uses) and registers the commands once.
 */
export class HostConfiguration {
  /** The tunnel's or the native NIC's sections. */
  addressing?: HostPartRenderer;
  firewall?: FirewallSpec;
  mta?: HostPartRenderer;
  /** The tunnel's spec, for a FreeBSD host (its rc.conf lines). */
  tunnelSpec?: HostSpecRenderer<TunnelSpec>;
  /** Postfix's spec, for a FreeBSD host (its main.cf settings). */
  postfixSpec?: HostSpecRenderer<PostfixSpec>;
  private registered?: HostScriptCommands;

  /**
   * @param hostName the host's FQDN as the user wrote it (the scripts' titles)
   * @param preferIpv4 prefer IPv4 for the host's own connections (gai.conf; ip6addrctl on FreeBSD)
   * @param os the host's OS: the Debian scripts ({@link composeMailHostScripts}) or FreeBSD's
   *   ({@link composeFreebsdHostScripts}), rendered from the same parts
   */
  constructor(
    readonly hostName: string,
    readonly preferIpv4: boolean,
    readonly os: HostOs = HostOs.Debian,
  ) {}

  /** The host's scripts for known addresses. */
  render(known: KnownHostAddresses): MailHostScripts {
    if (this.firewall === undefined) {
      throw new Error(`mail host ${this.hostName}: no firewall part joined the host configuration`);
    }
    // The services' rules need their addresses, known with the /64.
    const common = {
      hostName: this.hostName,
      firewall: { ...this.firewall, services: known.services },
      preferIpv4: this.preferIpv4,
    };
    return this.os === HostOs.Freebsd
      ? composeFreebsdHostScripts({
          ...common,
          tunnel: this.tunnelSpec?.(known),
          postfix: this.postfixSpec?.(known),
        })
      : composeMailHostScripts({ ...common, addressing: this.addressing?.(known), mta: this.mta?.(known) });
  }

  /** The commands that apply the configuration, once the MailServer registered them. */
  get commands(): HostScriptCommands {
    if (this.registered === undefined) {
      throw new Error(`mail host ${this.hostName}: the host commands are registered after its parts`);
    }
    return this.registered;
  }

  set commands(commands: HostScriptCommands) {
    this.registered = commands;
  }
}
