#!/bin/bash
# Writes the strict receiver's configuration into the image (full flavour; customize.sh runs it):
#   receiver-conf.sh ROOTFS_DIR
# with names and addresses from the topology (the image's /etc/lab/topology.env, written by customize.sh).
#
# The strict receiver is a second Postfix instance that runs in the internet namespace with its own
# configuration directory, queue and data directory, so the mail host's own Postfix (/etc/postfix, the one
# the host scripts configure) stays independent of it. It judges a sender the way large receivers do:
#   - reject_rbl_client against the lab's DNSBL (RFC 5782; it lists the provider's shared /64),
#   - reject_unknown_client_hostname with a permanent 550: the client address needs a PTR whose name
#     resolves back to it (Gmail's rule for IPv6 senders),
#   - SPF by postfix-policyd-spf-python (results only, as an Authentication-Results header: the verdict is
#     DMARC's), DKIM verification by OpenDKIM, DMARC enforcement by OpenDMARC (p=reject is rejected).
# Accepted mail goes to one Maildir ($TOPO_INTERNET_STRICT_MX_MAILBOX); every message keeps the
# Authentication-Results headers the receiver added.
set -euo pipefail
root=$1
# shellcheck disable=SC1091
. "$root/etc/lab/topology.env"
etc=/etc/lab/receiver
spool=/var/spool/postfix-receiver
mailbox=$TOPO_INTERNET_STRICT_MX_MAILBOX
name=$TOPO_INTERNET_STRICT_MX_NAME
# The milters' sockets on the namespace's loopback, as the milter (port@host) and Postfix (inet:host:port) name them.
dkim_port=8891
dmarc_port=8893

install -d -m 0755 "$root$etc" "$root$etc/postfix"
cat >"$root$etc/postfix/main.cf" <<EOF
# The lab's strict receiving MTA (lab/image/receiver-conf.sh). Not the mail host's Postfix: that one is
# /etc/postfix. Runs in the internet namespace: postfix -c $etc/postfix start-fg (lab-receiver.service).
compatibility_level = 3.6
queue_directory = $spool
data_directory = /var/lib/postfix-receiver
syslog_name = postfix-receiver
myhostname = $name
mydomain = $TOPO_INTERNET_STRICT_MX_DOMAIN
myorigin = \$myhostname
mydestination =
# Listens on its own address only (master.cf); the sink has port 25 of the namespace's other addresses.
inet_interfaces = all
inet_protocols = all
mynetworks = [::1]/128
smtpd_banner = \$myhostname ESMTP strict receiver
biff = no
append_dot_mydomain = no
alias_maps =
alias_database =
local_transport = error:5.1.1 no local delivery here
notify_classes =

# Every recipient of the domain lands in one Maildir.
virtual_mailbox_domains = \$mydomain
virtual_mailbox_base = $(dirname "$mailbox")
virtual_mailbox_maps = static:$(basename "$mailbox")/
virtual_uid_maps = static:65534
virtual_gid_maps = static:65534

# The verdict. The DNSBL first, so a listed sender reads "blocked using" whatever its PTR.
smtpd_helo_required = yes
smtpd_client_restrictions =
    reject_rbl_client $TOPO_INTERNET_DNSBL_ZONE=$TOPO_INTERNET_DNSBL_LISTED_ANSWER,
    reject_unknown_client_hostname
unknown_client_reject_code = 550
smtpd_relay_restrictions = reject_unauth_destination
smtpd_recipient_restrictions = check_policy_service unix:private/policyd-spf
policyd-spf_time_limit = 3600
smtpd_milters = inet:127.0.0.1:$dkim_port, inet:127.0.0.1:$dmarc_port
non_smtpd_milters =
milter_default_action = tempfail
EOF
# No chroot: the daemons resolve with the VM's own /etc/resolv.conf (the lab's DNS).
cat >"$root$etc/postfix/master.cf" <<EOF
# service type  private unpriv  chroot  wakeup  maxproc command + args
[$TOPO_INTERNET_STRICT_MX_IPV6]:smtp inet n -    n       -       -       smtpd
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
smtp      unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
virtual   unix  -       n       n       -       -       virtual
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
policyd-spf unix -      n       n       -       0       spawn
  user=nobody argv=/usr/bin/policyd-spf /etc/lab/receiver/policyd-spf.conf
EOF

# SPF: results only, written as Authentication-Results for OpenDMARC to read; DMARC decides.
cat >"$root$etc/policyd-spf.conf" <<EOF
debugLevel = 1
TestOnly = 1
HELO_reject = False
Mail_From_reject = False
PermError_reject = False
TempError_Defer = False
skip_addresses = 127.0.0.0/8,::1/128
Header_Type = AR
Authserv_Id = $name
EOF

cat >"$root$etc/opendkim.conf" <<EOF
# Verifying only; the mail host's signing OpenDKIM is /etc/opendkim.conf, set up by the host scripts.
Mode v
Socket inet:$dkim_port@127.0.0.1
UserID opendkim:opendkim
AuthservID $name
AlwaysAddARHeader yes
Nameservers $TOPO_INTERNET_DNS_IPV4
Syslog yes
SyslogSuccess yes
LogWhy yes
EOF

cat >"$root$etc/opendmarc.conf" <<EOF
Socket inet:$dmarc_port@127.0.0.1
UserID opendmarc:opendmarc
AuthservID $name
TrustedAuthservIDs $name
RejectFailures true
SPFIgnoreResults false
SPFSelfValidate false
IgnoreAuthenticatedClients false
FailureReports false
PublicSuffixList /usr/share/publicsuffix/public_suffix_list.dat
Syslog true
EOF

install -d -m 0755 "$root$spool" "$root/var/lib/postfix-receiver"
chroot "$root" chown postfix:postfix /var/lib/postfix-receiver
install -d -m 0700 "$root$(dirname "$mailbox")"
chown 65534:65534 "$root$(dirname "$mailbox")"
# The queue directories, once (as for the mail host's Postfix, see customize.sh).
chroot "$root" postfix -c "$etc/postfix" check
