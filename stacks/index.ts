/**
 * The program of this project's stacks: one MailServer built from the stack's config
 * (`stacks/Pulumi.<stack>.yaml`). Run `pulumi up --stack <stack>` after `npm run build`.
 */
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { MailServer } from "../components";
import { mailServerArgsFromConfig } from "./stack-settings";

const config = new pulumi.Config("ipv6-mail");
const projectDir = path.resolve(__dirname, "..", "..");
const server = new MailServer("mail", mailServerArgsFromConfig(config, projectDir));

export const hostName = server.hostName;
export const dedicatedPrefix = server.dedicatedPrefix;
export const prefixSource = server.prefixSource;
export const smtpAddress = server.smtpAddress;
export const ptrName = server.ptrName;
export const spfRecord = server.spfRecord;
export const tunnelInterface = server.tunnelInterface;
export const ipv4Address = server.ipv4Address;
export const dnsRecords = server.dnsRecords;
export const hostApplyResult = server.hostCommands.apply.stdout.apply(
  (out) => out.trim().split("\n").pop() ?? "",
);
