import { mkdirSync, writeFileSync } from "node:fs";
import { Session } from "node:inspector";
import * as path from "node:path";

function post<T>(session: Session, method: string): Promise<T> {
  return new Promise((resolve, reject) =>
    session.post(method, (err, value) => (err ? reject(err) : resolve(value as T))),
  );
}

/**
 * Runs `work` under the V8 CPU profiler of this process (the inspector, not `--cpu-prof`, so module loading
 * and setup stay out of the profile) and writes `<dir>/<name>.cpuprofile`. Returns the file.
 */
export async function recordCpuProfile(
  dir: string,
  name: string,
  work: () => Promise<unknown>,
): Promise<string> {
  const session = new Session();
  session.connect();
  try {
    await post(session, "Profiler.enable");
    await post(session, "Profiler.start");
    await work();
    const { profile } = await post<{ profile: unknown }>(session, "Profiler.stop");
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `${name}.cpuprofile`);
    writeFileSync(file, JSON.stringify(profile));
    return file;
  } finally {
    session.disconnect();
  }
}
