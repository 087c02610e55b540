import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { MailServerArgs } from "../components";

/**
 * The `ipv6-mail:mailServer` config object: the {@link MailServerArgs} of the stack, without secrets. SSH
 * targets may be given as a running lab instance's state file instead of an address (the `lab` stack).
 */
export type MailServerSettings = Omit<MailServerArgs, "existing" | "digitalocean" | "hetzner"> & {
  existing?: Omit<NonNullable<MailServerArgs["existing"]>, "ssh"> & {
    ssh?: { host?: string; port?: number; user?: string };
    /**
     * Path (relative to the project) of a lab instance's state.json; supplies the key, and the host, port and
     * user that `ssh` does not set (a test reaches the lab over another path, e.g. a forwarded port, that way).
     */
    labState?: string;
  };
  digitalocean?: Omit<NonNullable<MailServerArgs["digitalocean"]>, "sshPrivateKey">;
  hetzner?: Omit<NonNullable<MailServerArgs["hetzner"]>, "sshPrivateKey">;
};

interface LabState {
  sshHost: string;
  sshPort: number;
  sshUser: string;
  privateKeyPath: string;
}

/**
 * Builds MailServer arguments from stack config. Secrets come from their own keys so they stay encrypted:
 * `sshPrivateKey` (or the lab's generated key), `heUsername`, `heUpdateKey`.
 */
export function mailServerArgsFromConfig(config: pulumi.Config, projectDir: string): MailServerArgs {
  const settings = config.requireObject<MailServerSettings>("mailServer");
  const heUsername = config.getSecret("heUsername");
  const heUpdateKey = config.getSecret("heUpdateKey");
  const tunnel = settings.tunnel
    ? { ...settings.tunnel, username: heUsername, updateKey: heUpdateKey }
    : undefined;
  const args: MailServerArgs = {
    ...settings,
    tunnel,
    existing: undefined,
    digitalocean: undefined,
    hetzner: undefined,
  };
  if (settings.existing) {
    const { labState, ssh, ...rest } = settings.existing;
    if (labState !== undefined) {
      // LAB_INSTANCE selects another running lab instance than the one the config names (tests run several).
      const instance = process.env.LAB_INSTANCE;
      const statePath = path.resolve(
        projectDir,
        instance ? labState.replace("/run/default/", `/run/${instance}/`) : labState,
      );
      if (!fs.existsSync(statePath)) {
        throw new Error(
          `ipv6-mail:mailServer.existing.labState = "${labState}": no such file. Fix: start the lab first (npm run lab -- start)`,
        );
      }
      const state = JSON.parse(fs.readFileSync(statePath, "utf8")) as LabState;
      args.existing = {
        ...rest,
        ssh: {
          host: ssh?.host ?? state.sshHost,
          port: ssh?.port ?? state.sshPort,
          user: ssh?.user ?? state.sshUser,
          privateKey: pulumi.secret(fs.readFileSync(state.privateKeyPath, "utf8")),
        },
      };
    } else {
      args.existing = {
        ...rest,
        ssh: {
          host: ssh?.host ?? "",
          port: ssh?.port,
          user: ssh?.user,
          privateKey: config.requireSecret("sshPrivateKey"),
        },
      };
    }
  }
  if (settings.digitalocean)
    args.digitalocean = { ...settings.digitalocean, sshPrivateKey: config.requireSecret("sshPrivateKey") };
  if (settings.hetzner)
    args.hetzner = { ...settings.hetzner, sshPrivateKey: config.requireSecret("sshPrivateKey") };
  return args;
}
