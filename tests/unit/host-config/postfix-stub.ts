// A Postfix stand-in for the host-config tests: `postconf` backed by a `name = value` main.cf in the sandbox
// (-h, -n, -e and -X as Postfix has them), and a `postfix` that logs its calls and says it runs.
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
case $1 in
  -h)
    case $2 in
      mail_version) echo "${version}" ;;
      config_directory) echo /etc/postfix ;;
      *) explicit "$2" | sed -E "s/^$2 = ?//" ;;
    esac
    ;;
  -n) explicit "$2" ;;
  -e)
    k=${"$"}{2%%=*}; v=${"$"}{2#*=}
    grep -vE "^$k =( |$)" "$cf" >"$cf.new" || true
    printf '%s = %s\n' "$k" "$v" >>"$cf.new"
    mv "$cf.new" "$cf"
    ;;
  -X)
    grep -vE "^$2 =( |$)" "$cf" >"$cf.new" || true
    mv "$cf.new" "$cf"
    ;;
  *) echo "postconf stub: unsupported $*" >&2; exit 2 ;;
esac`,
  );
  box.stub("postfix", "exit 0");
  return box;
}
