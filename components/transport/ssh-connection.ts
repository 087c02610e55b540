import * as pulumi from "@pulumi/pulumi";
import { types } from "@pulumi/command";

/**
 * How the package reaches a host: the IPv4 (or any) address that SSH uses, and a private key. The key is
 * wrapped in `pulumi.secret` here, so it is encrypted in state even when the caller passed a plain string.
 */
export interface SshConnectionArgs {
  /** Address or name sshd listens on. This path is never touched by the host scripts. */
  host: pulumi.Input<string>;
  /** Default 22. */
  port?: pulumi.Input<number>;
  /** Default `root`: the scripts install networkd files, nftables rules and Postfix settings. */
  user?: pulumi.Input<string>;
  /** The private key in OpenSSH or PEM form. Always treated as a secret. */
  privateKey: pulumi.Input<string>;
  /** The host's public key, to pin it (recommended in production). */
  hostKey?: pulumi.Input<string>;
}

/** Turns connection args into the `@pulumi/command` form, with the private key made secret. */
export function commandConnection(connection: SshConnectionArgs): types.input.remote.ConnectionArgs {
  return {
    host: connection.host,
    port: connection.port ?? 22,
    user: connection.user ?? "root",
    privateKey: pulumi.secret(connection.privateKey),
    hostKey: connection.hostKey,
    dialErrorLimit: 10,
    perDialTimeout: 15,
  };
}
