"""Privacy in aggregates: small counts of people suppressed in township figures, so that a figure cannot
point at a household (docs/supervision.md, "Privacy in aggregates").

Primary suppression: a count from 1 to threshold − 1 (0 is shown: it points at nobody) is suppressed
- in every township figure about crisis, domestic violence (marriage and family cases) or children, for
  every caller;
- in any township figure for a caller outside the township's county (city, province, evaluators).
Complementary suppression: wherever a total is shown with its parts (a county and its townships; cases
opened and their domains; crisis cases and their outcomes), one hidden cell would be the total minus the
shown ones, so a second cell is hidden too: the smallest non-zero part, or the total when no part is
left. Repeated until no total has exactly one hidden cell.
Pure: the roll-up's figures, the threshold and who is inside which area go in.
"""
from __future__ import annotations

from collections.abc import Callable

from services.contracts.vocabulary import DOMAINS

PRIMARY, SENSITIVE, COMPLEMENTARY = "small_count", "sensitive", "complementary"
SENSITIVE_DOMAINS = ("children", "marriage_family")
CRISIS_PARTS = ("contacted_in_time", "contacted_late", "no_contact_by_due", "awaiting_contact")
DOMAIN_COUNTS = ("open", "opened", "closed")


def counts_of(figures: dict) -> dict[str, float]:
    """The counts of people and their cases a roll-up figure holds, by dotted key."""
    counts = {f"households.{k}": figures["households"][k] for k in ("registered", "current_archive", "never_assessed")}
    cases = figures["cases"]
    counts.update({f"cases.{k}": cases[k] for k in DOMAIN_COUNTS})
    for row in cases["by_domain"]:
        counts.update({f"cases.by_domain.{row['domain']}.{k}": row[k] for k in DOMAIN_COUNTS})
    counts.update({f"cases.by_stage.{row['stage']}": row["count"] for row in cases["by_stage"]})
    counts.update({f"visits.{k}": figures["visits"][k] for k in ("count", "households_visited")})
    counts.update({f"crisis.{k}": figures["crisis"][k] for k in ("flagged", "breaches", *CRISIS_PARTS)})
    return counts


def is_sensitive(key: str) -> bool:
    return key.startswith("crisis.") or any(key.startswith(f"cases.by_domain.{d}.") for d in SENSITIVE_DOMAINS)


def _totals_within() -> list[tuple[str, list[str]]]:
    """Totals shown beside all of their parts within one region's figures."""
    totals = [(f"cases.{k}", [f"cases.by_domain.{d}.{k}" for d in DOMAINS]) for k in DOMAIN_COUNTS]
    totals.append(("crisis.flagged", [f"crisis.{k}" for k in CRISIS_PARTS]))
    totals.append(("crisis.breaches", ["crisis.contacted_late", "crisis.no_contact_by_due"]))
    return totals


def protect(result: dict, threshold: int, inside: Callable[[str], bool]) -> dict:
    """The roll-up `result` ({"region", "children"}) as protected figures: per region a list of
    {key, value, suppressed, reason}; `inside(township_code)` says whether the caller works in its county."""
    regions = [result["region"], *result["children"]]
    cells = {(r["region_code"], key): value for r in regions for key, value in counts_of(r).items()}
    hidden: dict[tuple[str, str], str] = {}
    for figures in regions:
        code = figures["region_code"]
        if len(code) != 9:
            continue  # county level and above: shown
        for key, value in counts_of(figures).items():
            if 0 < value < threshold and (is_sensitive(key) or not inside(code)):
                hidden[(code, key)] = SENSITIVE if is_sensitive(key) else PRIMARY
    _complete(cells, hidden, _equations(regions))
    return {"threshold": threshold,
            "region": _view(result["region"], cells, hidden),
            "children": [_view(child, cells, hidden) for child in result["children"]]}


def _equations(regions: list[dict]) -> list[tuple[tuple[str, str], list[tuple[str, str]]]]:
    parent, children = regions[0]["region_code"], [r["region_code"] for r in regions[1:]]
    equations = [((r["region_code"], total), [(r["region_code"], p) for p in parts])
                 for r in regions for total, parts in _totals_within()]
    if children:
        equations += [((parent, key), [(child, key) for child in children]) for key in counts_of(regions[0])]
    return equations


def _complete(cells: dict, hidden: dict, equations: list) -> None:
    """Complementary suppression until no equation has exactly one hidden cell. Every hidden cell is
    above zero, so a lone hidden total has a non-zero part to hide beside it: the loop ends."""
    changed = True
    while changed:
        changed = False
        for total, parts in equations:
            if sum((cell in hidden) for cell in (total, *parts)) != 1:
                continue
            candidates = sorted((cells[p], p) for p in parts if p not in hidden and cells[p] > 0)
            hidden[candidates[0][1] if candidates else total] = COMPLEMENTARY
            changed = True


def _view(figures: dict, cells: dict, hidden: dict) -> dict:
    code = figures["region_code"]
    rows = []
    for key in counts_of(figures):
        reason = hidden.get((code, key))
        rows.append({"key": key, "value": None if reason else cells[(code, key)], "suppressed": reason is not None,
                     "reason": reason})
    return {"region_code": code, "name": figures.get("name"), "level": figures.get("level"), "figures": rows}

