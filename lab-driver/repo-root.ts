import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";

/**
 * The repository's root directory, found by walking up from this file to the `package.json` of `ipv6-mail`.
 *
 * Why walk: the drivers run compiled from `dist/lab-driver/`, the sources sit in `lab-driver/`; both must find
 * `lab/lab.sh` and `lab/topology.json` without depending on the working directory.
 */
export function repoRoot(start = __dirname): string {
  let dir = start;
  for (;;) {
    const pkg = path.join(dir, "package.json");
    if (existsSync(pkg) && existsSync(path.join(dir, "lab", "lab.sh"))) {
      const name = (JSON.parse(readFileSync(pkg, "utf8")) as { name?: string }).name;
      if (name === "ipv6-mail") return dir;
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`lab: no ipv6-mail repository above ${start}`);
    dir = parent;
  }
}
