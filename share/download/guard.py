"""Where a download may go: http(s) only, and no loopback, link-local, private or multicast host.

A URL list or a fetched release is someone else's input; without this, one row could make
`inkset download` read a cloud metadata service (169.254.169.254) or a service on this machine.
The host is checked as written (IP literals), after DNS resolution (the connector's resolver
refuses a name that resolves to such an address) and again after each redirect.
`--allow-private` (Rules.allow_private) lifts the address check, for mirrors on this machine
and the tests' loopback servers; the scheme check always applies.
"""
from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from aiohttp.abc import AbstractResolver
from aiohttp.resolver import DefaultResolver

SCHEMES = ("http", "https")


class Refused(Exception):
    """A URL inkset will not fetch; the message is the manifest row's reason."""


def private_address(address: str) -> bool:
    """True for loopback, link-local, private, multicast, reserved and unspecified addresses."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return (ip.is_loopback or ip.is_link_local or ip.is_private or ip.is_multicast
            or ip.is_reserved or ip.is_unspecified)


def check_url(url: str, allow_private: bool) -> str:
    """`url` if it may be fetched as written; else Refused with the reason."""
    if not url or not url.strip():
        raise Refused("malformed_url: empty")
    try:
        parts = urlsplit(url)
        hostname = parts.hostname
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError as error:
        raise Refused(f"malformed_url: {error}") from None
    if parts.scheme.lower() not in SCHEMES:
        raise Refused(f"refused_scheme: {parts.scheme or '(none)'!r} (only http and https)")
    if not hostname:
        raise Refused("malformed_url: no host")
    if not allow_private:
        try:
            literal = private_address(hostname)
        except ValueError:
            literal = hostname.lower() == "localhost" or hostname.lower().endswith(".localhost")
        if literal:
            raise Refused(f"refused_private_address: {hostname} (use --allow-private for a "
                          "host on this machine or network)")
    return url


class PublicResolver(AbstractResolver):
    """aiohttp's resolver, refusing names that resolve to a non-public address (every
    connection goes through it, so a redirect to such a name is refused too)."""

    def __init__(self) -> None:
        self.inner = DefaultResolver()

    async def resolve(self, host: str, port: int = 0, family: int = socket.AF_INET) -> list:
        found = await self.inner.resolve(host, port, family)
        for entry in found:
            if private_address(entry["host"]):
                raise Refused(f"refused_private_address: {host} resolves to {entry['host']} "
                              "(use --allow-private for a host on this machine or network)")
        return found

    async def close(self) -> None:
        await self.inner.close()
