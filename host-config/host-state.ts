import { HostScriptSection } from "./script-frame";

/**
 * The last section of a mail host's remove script: once every recorded original has been restored, the
 * host's ipv6-mail state directory (`/var/lib/ipv6-mail`: backups, markers, originals) goes too, so a host after
 * `pulumi destroy` holds nothing of this package's configuration. When originals are left (recorded by a
 * script this remove script does not undo, e.g. a separate component's), the directory stays and the run says
 * which.
 */
export function forgetHostStateSection(): HostScriptSection {
  const apply = `st_left=$(originals_with_prefix "" | tr '\\n' ' ')
if [ -n "$st_left" ]; then
  log "keeping $IPV6_MAIL_STATE_DIR: originals no section of this script restored: $st_left"
else
  if [ -n "$(find "$IPV6_MAIL_STATE_DIR" -mindepth 1 -maxdepth 1 ! -name runs -print -quit)" ]; then
    mark_changed "removed $IPV6_MAIL_STATE_DIR"
  fi
  ipv6_mail_forget_state=1
fi`;
  return { name: "host_state_remove", apply };
}
