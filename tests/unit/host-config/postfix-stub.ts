// A Postfix stand-in for the host-config tests: `postconf` backed by a `name = value` main.cf in the sandbox
// (names, -h, -n, -e and -X as Postfix has them, several names or settings at once), and a `postfix` that logs its calls and says it runs.
import { Sandbox } from "./shell-harness";

/** The main.cf the stub starts with unless a test gives its own. */
export const STUB_MAIN_CF = "inet_protocols = ipv4\nmyhostname = old.example.org\n";

/** A sandbox whose `postconf` reports `version` and reads/writes `etc/postfix/main.cf`. */
export function postfixBox(version: string, mainCf = STUB_MAIN_CF): Sandbox {
  const box = new Sandbox();
  box.write("etc/postfix/main.cf", mainCf);
  box.stub(
    "postconf",
    String.raw`cf="$IPV6_MAIL_ROOT/etc/postfix/main.cf"
explicit() { grep -E "^$1 =( |$)" "$cf" | tail -n 1; }
value() {
  case $1 in
    mail_version) echo "${version}" ;;
    config_directory) echo /etc/postfix ;;
    *) explicit "$1" | sed -E "s/^$1 = ?//" ;;
  esac
}
case ${"$"}{1:-} in
  -h)
    shift
    for k in "$@"; do value "$k"; done
    ;;
  -n)
    shift
    if [ "$#" -eq 0 ]; then grep -E '^[a-z0-9_]+ =' "$cf" || true; fi
    for k in "$@"; do explicit "$k"; done
    ;;
  -e)
    shift
    for kv in "$@"; do
      k=${"$"}{kv%%=*}; v=${"$"}{kv#*=}
      grep -vE "^$k =( |$)" "$cf" >"$cf.new" || true
      printf '%s = %s\n' "$k" "$v" >>"$cf.new"
      mv "$cf.new" "$cf"
    done
    ;;
  -X)
    shift
    for k in "$@"; do
      grep -vE "^$k =( |$)" "$cf" >"$cf.new" || true
      mv "$cf.new" "$cf"
    done
    ;;
  -*) echo "postconf stub: unsupported $*" >&2; exit 2 ;;
  *)
    for k in "$@"; do
      v=$(value "$k")
      if [ -n "$v" ]; then printf '%s = %s\n' "$k" "$v"; else printf '%s =\n' "$k"; fi
    done
    ;;
esac`,
  );
  box.stub("postfix", "exit 0");
  return box;
}
