"""A Python program that builds a MailServer for the lab host, through the SDK `pulumi package add` generated
from this package. The lab's addresses are those of lab/topology.json and stacks/Pulumi.lab.yaml; the SSH
target and key are config (the key a secret), as a user's stack would have them."""

import pulumi
import pulumi_ipv6_mail as ipv6_mail

config = pulumi.Config()

mail = ipv6_mail.MailServer(
    "mail",
    host_name="mail.example.com",
    zone="example.com",
    allow_documentation_prefixes=True,
    existing=ipv6_mail.ExistingHostArgsArgs(
        ssh=ipv6_mail.SshConnectionArgsArgs(
            host=config.require("sshHost"),
            port=config.require_int("sshPort"),
            user="root",
            private_key=config.require_secret("sshPrivateKey"),
        ),
        ipv4_address="192.0.2.10",
    ),
    tunnel=ipv6_mail.HeTunnelSettingsArgs(
        tunnel_id="100001",
        he_server_ipv4="198.51.100.1",
        local_ipv4="192.0.2.10",
        link_client_address="2001:db8:1e::2",
        link_server_address="2001:db8:1e::1",
        # The tunnel's routed /64 ("Routed /64" on its details page); config only to try a wrong one.
        routed_prefix=config.get("routedPrefix") or "2001:db8:25::/64",
        provider_interface="pub0",
        provider_prefix="2001:db8:5ace::/64",
        provider_default_route=ipv6_mail.ProviderDefaultRoute.KEEP,
        verify_target="2001:db8:feed::25",
        sage_certified=True,
    ),
    firewall=ipv6_mail.FirewallSettingsArgs(
        admin_sources=["10.0.2.2/32", "2001:db8:ad::/48"],
        rollback_seconds=60,
    ),
    mta=ipv6_mail.MtaSettingsArgs(kind=ipv6_mail.MtaKind.POSTFIX),
    dns=ipv6_mail.MailServerDnsSettingsArgs(aaaa_ttl=300),
)

pulumi.export("hostName", mail.host_name)
pulumi.export("smtpAddress", mail.smtp_address)
pulumi.export("ptrName", mail.ptr_name)
pulumi.export("spfRecord", mail.spf_record)
pulumi.export("prefixSource", mail.prefix_source)
pulumi.export("dnsRecords", mail.dns_records)
