"""Where a delivery may go, checked without a network: every spelling of a local, private or
reserved address is refused, URLs are normalised to plain ASCII, the allowed-hosts setting and
https in production work, and email addresses carry no header tricks. (At send the same rules
run again: tests/integration/alerts/test_dispatch_isolation.py.)"""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given
from hypothesis import strategies as st

from alerts.delivery import destinations
from alerts.delivery.channels import ChannelInputError
from alerts.delivery.channels.email import check_address
from alerts.delivery.channels.webhook import check_url

OPEN = destinations.AddressPolicy()

# Every spelling of an address a webhook must never reach, and what it is.
REFUSED_URLS = {
    "http://127.0.0.1:5432/": "loopback",
    "http://127.0.0.1/": "loopback",
    "http://2130706433/": "loopback",  # decimal
    "http://0x7f000001/": "loopback",  # hexadecimal
    "http://0x7F.0.0.1/": "loopback",  # hexadecimal first part
    "http://0177.0.0.1/": "loopback",  # octal
    "http://017700000001/": "loopback",  # octal, one number
    "http://127.1/": "loopback",  # short form
    "http://127.0.1/": "loopback",
    "http://127.0.0.1./": "loopback",  # trailing dot
    "http://[::1]/": "loopback",
    "http://[0:0:0:0:0:0:0:1]/": "loopback",
    "http://[::ffff:127.0.0.1]/": "loopback",  # IPv4-mapped IPv6
    "http://[::ffff:7f00:1]/": "loopback",
    "http://[64:ff9b::7f00:1]/": "loopback",  # NAT64 of 127.0.0.1
    "http://[2002:7f00:1::]/": "loopback",  # 6to4 of 127.0.0.1
    "http://0.0.0.0/": "unspecified",
    "http://0/": "unspecified",
    "http://[::]/": "unspecified",
    "http://169.254.169.254/latest/meta-data/": "link-local",  # the cloud metadata service
    "http://2852039166/": "link-local",  # 169.254.169.254 in decimal
    "http://[fe80::1]/": "link-local",
    "http://[::ffff:169.254.169.254]/": "link-local",
    "http://10.0.0.1/": "private",
    "http://0xa000001/": "private",
    "http://172.16.5.4/": "private",
    "http://192.168.1.1/": "private",
    "http://[fd00::1]/": "private",
    "http://100.64.0.1/": "not public",  # shared address space (carrier-grade NAT)
    "http://224.0.0.1/": "multicast",
    "http://[ff02::1]/": "multicast",
    "http://240.0.0.1/": "reserved",
    "http://255.255.255.255/": "reserved",
    "http://192.0.2.10/": "private",  # documentation
}
LOCAL_NAMES = [
    "http://localhost:22/",
    "http://LOCALHOST/",
    "http://localhost./x",
    "http://printer.local/",
    "http://db.internal/",
    "http://api.localhost/",
    "http://router.home.arpa/",
]


@pytest.mark.parametrize(("url", "why"), REFUSED_URLS.items())
def test_every_spelling_of_a_refused_address_is_refused_at_entry(url, why):
    with pytest.raises(destinations.RefusedDestination, match=f"it leads to an? {why} network address"):
        destinations.check_entry(url, OPEN)
    parsed = destinations.parse_url(url, OPEN)
    assert parsed.address is not None and destinations.refusal(parsed.address) == why
    # …and at send: no address is handed out to connect to.
    with pytest.raises(destinations.RefusedDestination):
        destinations.addresses_to_connect(parsed, OPEN, 1.0)


@pytest.mark.parametrize("url", LOCAL_NAMES)
def test_names_of_this_machine_and_local_networks_are_refused(url):
    with pytest.raises(destinations.RefusedDestination, match="this machine or its local network"):
        destinations.check_entry(url, OPEN)
    with pytest.raises(destinations.RefusedDestination):
        destinations.addresses_to_connect(destinations.parse_url(url, OPEN), OPEN, 1.0)


@pytest.mark.parametrize(
    "url",
    [
        "ftp://hooks.example/x",
        "javascript:alert(1)",
        "https://user:pw@hooks.example/x",
        "https://@hooks.example/x",
        "https://exa_mple.org/x",
        "https://hooks.example:port/x",
        "https://hooks.example:0/x",
        "https://hooks.example:70000/x",
        "https://hooks example/x",
        "https:///nohost",
        "https://hooks.example/x#frag",
        "https://hooks.example\\@127.0.0.1/",
        "https://hooks.example/\r\nX-Injected: 1",
        "https://[fe80::1%25eth0]/",
        "https://1.2.3.999/",  # numeric, but no address
        "https://example.123/",
        "https://" + "a" * 64 + ".example/",
        "",
    ],
)
def test_malformed_urls_are_refused_with_a_message(url):
    with pytest.raises(destinations.RefusedDestination) as refused:
        destinations.parse_url(url, OPEN)
    assert str(refused.value).endswith(".")


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        (
            "https://hooks.example.pl/powiadomienia/ostrzeżenia",
            "https://hooks.example.pl/powiadomienia/ostrze%C5%BCenia",
        ),
        ("https://Hooks.Example.PL:443/a b".replace(" ", "%20"), "https://hooks.example.pl/a%20b"),
        ("https://bücher.example/ü?q=ä&x=1", "https://xn--bcher-kva.example/%C3%BC?q=%C3%A4&x=1"),
        ("https://ＥＸＡＭＰＬＥ.org/x", "https://example.org/x"),  # fullwidth letters, UTS #46
        ("https://hooks.example/%7e%zz", "https://hooks.example/%7E%25zz"),
        ("http://hooks.example:8080", "http://hooks.example:8080/"),
        ("https://[2001:4860:4860::8888]/hook", "https://[2001:4860:4860::8888]/hook"),
        ("https://8.8.8.8/hook", "https://8.8.8.8/hook"),
        ("https://134744072/hook", "https://8.8.8.8/hook"),  # a public address in decimal is read as such
    ],
)
def test_urls_are_normalised_to_ascii(raw, stored):
    assert destinations.check_entry(raw, OPEN).url == stored
    assert check_url(raw, {}) == stored
    assert stored.isascii()


@given(st.text(max_size=60))
def test_any_path_is_stored_as_ascii_a_request_line_can_carry(path):
    try:
        url = destinations.parse_url("https://hooks.example/" + path, OPEN)
    except destinations.RefusedDestination:
        return
    assert url.target.isascii() and url.target.isprintable() and " " not in url.target


@given(st.text(max_size=80))
def test_no_typed_text_makes_the_check_raise_anything_but_a_refusal(raw):
    try:
        url = destinations.check_entry("https://" + raw, OPEN)
    except destinations.RefusedDestination as refused:
        assert str(refused)
    else:
        assert url.url.isascii() and (url.address is None or destinations.refusal(url.address) is None)


def test_allowed_private_hosts_are_allowed_by_the_name_written():
    policy = destinations.AddressPolicy.from_config({"WEBHOOK_ALLOWED_PRIVATE_HOSTS": " 127.0.0.1 , Hooks.Internal. "})
    assert policy.allowed_private_hosts == {"127.0.0.1", "hooks.internal"}
    url = destinations.check_entry("http://127.0.0.1:8080/hook", policy)
    assert destinations.addresses_to_connect(url, policy, 1.0) == [ipaddress.IPv4Address("127.0.0.1")]
    assert destinations.check_entry("https://hooks.internal/x", policy).host == "hooks.internal"
    # Allowing one host allows no other private one.
    for other in ("http://10.0.0.1/", "http://localhost/", "http://[::1]/"):
        with pytest.raises(destinations.RefusedDestination):
            destinations.check_entry(other, policy)


def test_production_requires_https():
    policy = destinations.AddressPolicy.from_config({"UGLY_MUGS_MODE": "production"})
    with pytest.raises(destinations.RefusedDestination, match="must start with https://"):
        destinations.parse_url("http://hooks.example/x", policy)
    assert destinations.parse_url("https://hooks.example/x", policy).scheme == "https"
    with pytest.raises(ChannelInputError, match="https://"):
        check_url("http://hooks.example/x", {"UGLY_MUGS_MODE": "production"})


def test_a_name_that_does_not_resolve_now_is_accepted_and_refused_at_send():
    url = destinations.check_entry("https://hooks.does-not-resolve.invalid/x", OPEN)
    with pytest.raises(destinations.RefusedDestination, match="could not be resolved"):
        destinations.addresses_to_connect(url, OPEN, 1.0)


# --- email addresses ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        (" Drop-In@Basis.Example ", "Drop-In@basis.example"),
        ("worker+alerts@example.org", "worker+alerts@example.org"),
        ("x@zażółć.pl", "x@xn--za-6ja4f8n1l.pl"),
    ],
)
def test_email_addresses_are_stored_plain(raw, stored):
    assert check_address(raw) == stored


@pytest.mark.parametrize(
    "raw",
    [
        "a@b",
        "no-at-sign",
        "a@x.org\r\nBcc: victim@y.org",
        "a@x.org\nBcc: victim@y.org",
        "a@x.org,b@y.org",
        "a@x.org; b@y.org",
        "Name <a@x.org>",
        '"a b"@x.org',
        '"a@x.org\\r\\nBcc: b@y.org"@x.org',
        "a@[127.0.0.1]",
        "a@localhost",
        "a..b@x.org",
        "ża@x.pl",
        "a@x.org\x00",
        "a" * 65 + "@x.org",
        "a@" + "b" * 250 + ".org",
    ],
)
def test_email_addresses_with_header_tricks_are_refused(raw):
    with pytest.raises(ChannelInputError, match="Enter an email address"):
        check_address(raw)


@given(st.text(max_size=80))
def test_a_stored_email_address_never_holds_a_line_break_or_a_second_address(raw):
    try:
        stored = check_address(raw)
    except ChannelInputError:
        return
    assert stored.isascii() and stored.isprintable()
    assert stored.count("@") == 1 and not any(c in stored for c in " ,;<>\r\n")
