"""The stop-list: indicator values too common to correlate or to look up.

MISP's users saw correlation tables explode on values like private addresses and words such
as "GREEN" typed into values; a value on the stop-list joins nothing, and a value shared by
more reports than `CORRELATION_VERY_COMMON` is flagged "very common" instead of listed.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from sharing.models import CommonValue, IndicatorType

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True)
class StopList:
    # (type or "", value case-folded)
    values: frozenset[tuple[str, str]]
    networks: tuple[Network, ...]

    @classmethod
    def load(cls) -> StopList:
        """The list as it stands (one query; portal admins keep it short)."""
        values: set[tuple[str, str]] = set()
        networks: list[Network] = []
        for kind, value in CommonValue.objects.values_list("type", "value"):
            network = _network(value) if kind in ("", IndicatorType.IP) else None
            if network is not None and "/" in value:
                networks.append(network)
            else:
                values.add((kind, value.strip().casefold()))
        return cls(frozenset(values), tuple(networks))

    def covers(self, kind: str, value: str, normalized: str = "") -> bool:
        """Whether the indicator (type, value as written, normalised) is a common value."""
        for candidate in {value.strip().casefold(), normalized.casefold()} - {""}:
            if (kind, candidate) in self.values or ("", candidate) in self.values:
                return True
        if kind == IndicatorType.IP and self.networks:
            try:
                address = ipaddress.ip_address(normalized or value.strip())
            except ValueError:
                return False
            return any(address in network for network in self.networks)
        return False


def _network(value: str) -> Network | None:
    try:
        return ipaddress.ip_network(value.strip(), strict=False)
    except ValueError:
        return None
