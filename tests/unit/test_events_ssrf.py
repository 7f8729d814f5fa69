"""The SSRF guard: every refused address class, names, allowed networks, pinning."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Sequence

import pytest

from gw2wvw.events import ForbiddenTarget, check_url, refusal, url_check
from gw2wvw.store import ValidationFailed


def fake_resolver(table: dict[str, Sequence[str]]):  # type: ignore[no-untyped-def]
    async def resolve(host: str, port: int) -> Sequence[str]:
        if host not in table:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return table[host]

    return resolve


REFUSED = {
    "127.0.0.1": "loopback",
    "127.255.0.9": "loopback",
    "10.1.2.3": "private",
    "172.16.0.1": "private",
    "172.31.255.255": "private",
    "192.168.1.1": "private",
    "169.254.169.254": "link-local",
    "169.254.0.1": "link-local",
    "100.64.0.1": "carrier-grade NAT",
    "100.127.255.254": "carrier-grade NAT",
    "0.0.0.0": "unspecified",
    "0.1.2.3": "unspecified",
    "224.0.0.1": "multicast",
    "239.255.255.250": "multicast",
    "240.0.0.1": "reserved",
    "255.255.255.255": "reserved",
    "192.0.0.8": "reserved",
    "192.0.2.10": "documentation",
    "198.51.100.1": "documentation",
    "203.0.113.5": "documentation",
    "198.18.0.1": "benchmarking",
    "::1": "loopback",
    "::": "unspecified",
    "fc00::1": "unique-local",
    "fd12:3456::1": "unique-local",
    "fe80::1": "link-local",
    "fec0::1": "site-local",
    "ff02::1": "multicast",
    "2001:db8::1": "documentation",
    "100::1": "reserved",
    "2001::1": "reserved",
    "::ffff:127.0.0.1": "IPv4-embedding loopback",
    "::ffff:169.254.169.254": "IPv4-embedding link-local",
    "::ffff:10.0.0.1": "IPv4-embedding private",
    "64:ff9b::a9fe:a9fe": "IPv4-embedding link-local",
    "2002:7f00:1::": "IPv4-embedding loopback",
    "::1.2.3.4": "reserved",
    "4000::1": "reserved",
}

ALLOWED = [
    "8.8.8.8",
    "1.1.1.1",
    "93.184.216.34",
    "2606:4700:4700::1111",
    "::ffff:8.8.8.8",
    "64:ff9b::808:808",
    "2002:808:808::1",
]


@pytest.mark.parametrize(("address", "reason"), REFUSED.items())
def test_non_public_addresses_are_refused(address: str, reason: str) -> None:
    assert refusal(ipaddress.ip_address(address)) == reason


@pytest.mark.parametrize("address", ALLOWED)
def test_public_addresses_pass(address: str) -> None:
    assert refusal(ipaddress.ip_address(address)) is None


def test_allowed_networks_open_private_ranges_and_their_mapped_forms() -> None:
    loopback = [ipaddress.ip_network("127.0.0.0/8")]
    assert refusal(ipaddress.ip_address("127.0.0.1"), loopback) is None
    assert refusal(ipaddress.ip_address("::ffff:127.0.0.1"), loopback) is None
    assert refusal(ipaddress.ip_address("10.0.0.1"), loopback) == "private"
    assert refusal(ipaddress.ip_address("::1"), loopback) == "loopback"
    assert refusal(ipaddress.ip_address("::1"), [ipaddress.ip_network("::1/128")]) is None


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::ffff:169.254.169.254]/latest",
        "http://[::1]:8080/",
        "https://100.64.1.1/",
        "http://0.0.0.0:8000/",
        "http://[fe80::1%25eth0]/",
    ],
)
async def test_literal_urls_are_refused(url: str) -> None:
    with pytest.raises(ForbiddenTarget) as caught:
        await check_url(url)
    assert caught.value.code == "forbidden_address"
    assert caught.value.url == url
    # Issue 13: the message says how to allow such a target when one means to.
    assert "GW2WVW_WEBHOOK_ALLOWED_NETWORKS" in str(caught.value)


async def test_a_name_resolving_to_a_private_address_is_refused() -> None:
    # The real system resolver: localhost resolves without a network.
    with pytest.raises(ForbiddenTarget) as caught:
        await check_url("http://localhost:9000/hook")
    assert caught.value.code == "forbidden_address"
    assert "localhost resolves to" in caught.value.message
    # Numeric spellings resolve to loopback too.
    with pytest.raises(ForbiddenTarget, match="loopback"):
        await check_url("http://2130706433/hook")


async def test_every_address_of_a_name_must_be_public() -> None:
    resolve = fake_resolver(
        {"mixed.example": ["93.184.216.34", "10.0.0.7"], "fine.example": ["93.184.216.34"]}
    )
    with pytest.raises(ForbiddenTarget, match=r"10\.0\.0\.7"):
        await check_url("https://mixed.example/hook", resolver=resolve)
    target = await check_url("https://fine.example/hook", resolver=resolve)
    assert str(target.address) == "93.184.216.34"


async def test_unresolvable_names() -> None:
    resolve = fake_resolver({"empty.example": []})
    for url in ("https://nowhere.example/x", "https://empty.example/x"):
        with pytest.raises(ForbiddenTarget) as caught:
            await check_url(url, resolver=resolve)
        assert caught.value.code == "unresolvable_host"


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.org/x",
        "https://user:pw@example.org/x",
        "http:///path",
        "https://exa mple/",
        "http://[::1",
        "https://-bad-.example/",
    ],
)
async def test_urls_that_are_not_plain_http_targets(url: str) -> None:
    with pytest.raises(ForbiddenTarget) as caught:
        await check_url(url)
    assert caught.value.code == "invalid_url"


async def test_a_checked_target_is_pinned_to_its_address() -> None:
    resolve = fake_resolver({"hooks.example.org": ["93.184.216.34", "2606:2800:220:1::1"]})
    https = await check_url("https://Hooks.Example.org./a/b?c=1#frag", resolver=resolve)
    assert https.pinned_url == "https://93.184.216.34:443/a/b?c=1"
    assert https.host_header == "hooks.example.org"
    assert https.extensions == {"sni_hostname": "hooks.example.org"}
    assert len(https.addresses) == 2

    http = await check_url("http://hooks.example.org:8080", resolver=resolve)
    assert (http.pinned_url, http.host_header, http.extensions) == (
        "http://93.184.216.34:8080/",
        "hooks.example.org:8080",
        {},
    )
    six = await check_url("https://[2606:4700:4700::1111]:8443/x")
    assert six.pinned_url == "https://[2606:4700:4700::1111]:8443/x"
    assert six.host_header == "[2606:4700:4700::1111]:8443"
    assert six.extensions == {}  # an address is verified as itself, no SNI name


async def test_allowed_networks_let_tests_and_self_hosting_through() -> None:
    target = await check_url("http://localhost:9000/hook", [ipaddress.ip_network("127.0.0.0/8")])
    assert target.address.is_loopback
    assert target.pinned_url.startswith("http://127.0.0.1:9000/")


async def test_the_registration_check_raises_validation_errors_at_url() -> None:
    check = url_check(resolver=fake_resolver({"public.example": ["1.1.1.1"]}))
    await check("https://public.example/hook")
    for url, code in [
        ("http://169.254.169.254/", "forbidden_address"),
        ("https://gone.example/", "unresolvable_host"),
        ("https://a:b@public.example/", "invalid_url"),
    ]:
        with pytest.raises(ValidationFailed) as caught:
            await check(url)
        (detail,) = caught.value.errors
        assert (detail.path, detail.code) == ("/url", code)


async def test_an_allowed_zoned_address_keeps_its_zone_in_the_pinned_url() -> None:
    link_local = [ipaddress.ip_network("fe80::/10")]
    target = await check_url("http://[fe80::1%25eth0]:8080/x", link_local)
    assert target.pinned_url == "http://[fe80::1%25eth0]:8080/x"
