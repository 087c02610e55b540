import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Server, ServerCredentials } from "@grpc/grpc-js";
import { AnalyzerService } from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import { RuleDefinition } from "../core/rule";
import { PackIdentity } from "./analyzer-info";
import { PackAnalyzer } from "./pack-analyzer";

/** The engine's requests carry the whole stack; this is the limit `@pulumi/policy` sets too (400 MiB). */
const MAX_MESSAGE_BYTES = 400 * 1024 * 1024;

const PACK_NAME_RE = /^[a-zA-Z0-9._-]{1,100}$/;

/**
 * The version of the pack directory the CLI runs the pack in: `version` of its `package.json` (the CLI prints
 * `<name>@v<version> (local: <dir>)`, and `pulumi policy publish` publishes that version).
 */
export function packDirectoryVersion(directory: string = process.cwd()): string {
  const file = join(directory, "package.json");
  const version = (JSON.parse(readFileSync(file, "utf8")) as { version?: unknown }).version;
  if (typeof version !== "string" || version === "") {
    throw new Error(`${file} has no "version"; the Pulumi CLI shows a policy pack by its version`);
  }
  return version;
}

/**
 * Starts the pack's analyzer the way the Pulumi CLI runs a policy pack: a gRPC server on a free port of
 * 127.0.0.1 whose port is the one line the process writes to stdout. Resolves with the port (the server keeps
 * the process alive until the CLI stops it).
 */
export function serveAnalyzer(
  pack: Omit<PackIdentity, "version"> & { readonly version?: string },
  rules: readonly RuleDefinition[],
): Promise<number> {
  if (!PACK_NAME_RE.test(pack.name)) {
    return Promise.reject(
      new Error(`invalid policy pack name "${pack.name}": use letters, digits, "-", "_" and "."`),
    );
  }
  let analyzer: PackAnalyzer;
  try {
    analyzer = new PackAnalyzer({ ...pack, version: pack.version ?? packDirectoryVersion() }, rules);
  } catch (err) {
    return Promise.reject(err instanceof Error ? err : new Error(String(err)));
  }
  const server = new Server({ "grpc.max_receive_message_length": MAX_MESSAGE_BYTES });
  server.addService(AnalyzerService, analyzer.service());
  return new Promise((resolve, reject) => {
    server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (err, port) => {
      if (err) {
        reject(err);
        return;
      }
      process.stdout.write(`${port}\n`);
      resolve(port);
    });
  });
}
