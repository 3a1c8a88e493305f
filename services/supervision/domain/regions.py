"""The one region argument: a division code at any level, and the levels below it for drill-down."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TypeGuard

from services.common.auth import region_prefix

LEVEL_BY_PREFIX_LENGTH = {2: "province", 4: "city", 6: "county", 9: "township"}
CHILD_PREFIX_LENGTH = {2: 4, 4: 6, 6: 9}


@dataclass(frozen=True)
class RegionKey:
    """A region as the roll-up uses it: the prefix every code under it starts with, and its full code."""
    prefix: str

    @property
    def code(self) -> str:
        return full_code(self.prefix)

    @property
    def level(self) -> str:
        return LEVEL_BY_PREFIX_LENGTH[len(self.prefix)]

    @property
    def child_prefix_length(self) -> int | None:
        return CHILD_PREFIX_LENGTH.get(len(self.prefix))

    def covers(self, code: str | None) -> TypeGuard[str]:
        return code is not None and code.startswith(self.prefix)

    def child_of(self, township_code: str) -> str | None:
        """The prefix of the child region `township_code` lies in, or None at the bottom level."""
        length = self.child_prefix_length
        return township_code[:length] if length and self.covers(township_code) else None


def region_key(code: str) -> RegionKey:
    """32, 320000, 3211, 321100, 321181, 321181001 → their key. Anything else is refused by the kernel's
    `region_prefix` (the prefix becomes a store range and a string match, never a pattern)."""
    return RegionKey(region_prefix(code))


def full_code(prefix: str) -> str:
    """A province or city prefix as its six-digit division code (32 → 320000, 3211 → 321100)."""
    return prefix.ljust(6, "0") if len(prefix) < 6 else prefix
