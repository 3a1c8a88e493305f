"""Applying a roster import in the background, a chunk of rows at a time (issue 13).

Per row: the ID number is looked up through the blind index (`identity_index`), then the name is compared.
- known number, same name → the person's tag and programme status are recorded (`matched`), or nothing
  changes because the record says so already (`unchanged`);
- known number, another name → `flagged` for review, nothing written;
- unknown number: a person with the same name and birth date exists → `flagged` (a likely duplicate);
  otherwise a household is registered at the station of the row's community (`created`), or the row is
  `flagged` when it names no community the platform serves;
- a household outside the importer's region, a record protected by a crisis case, an unreadable row → `failed`.
When the last chunk is done and every row had a readable ID number, people listed on this source's roster in
the region but absent from the file are marked as having left it that day.

Idempotent: a chunk whose outcomes are stored is not applied again; a chunk applied but not recorded (a crash
in between) finds its changes in the records and reports them `unchanged`; the job's own update is versioned.
"""
from __future__ import annotations

import contextlib
import json
from collections import Counter

from services.common import clock
from services.common.auth import Viewer
from services.common.errors import ConcurrentModification, NotFound, PermissionDenied, RuleViolation, ValidationFailed
from services.common.events import Envelope, event_by
from services.common.protection import mask_id_number, mask_name
from services.common.scope import Scope
from services.common.storage import aggregate_document, retry_commuting
from services.contracts import casework as events

from .. import domain
from ..domain import rosters
from ..domain.rosters import RosterRow, RowProblem
from . import access, people
from .context import Casework
from .households import prepare_household
from .roster_imports import COUNTS

NO_ADDRESS = "（名册未载地址）"


def work_on_roster_imports(casework: Casework, max_chunks: int = 20) -> int:
    """The background worker (casework's timer): up to `max_chunks` chunks of the oldest running jobs."""
    done = 0
    while done < max_chunks:
        running = casework.repo.roster_imports.running(1)
        if not running:
            break
        process_next_chunk(casework, running[0])
        done += 1
    return done


def process_next_chunk(casework: Casework, job: dict) -> dict:
    repo = casework.repo
    number = job["next_chunk"]
    chunk = repo.roster_chunks.get(job["_id"], number)
    if chunk is None:
        raise NotFound(f"chunk {number} of roster import {job['_id']} is missing")
    outcomes = chunk.get("outcomes")
    if outcomes is None:
        rows = json.loads(casework.cipher.decrypt(chunk["rows_encrypted"]))
        outcomes = apply_rows(casework, job, rows)
        repo.roster_chunks.record_outcomes(job["_id"], number, outcomes, clock.timestamp(casework.now()))
    tally = Counter(o["outcome"] for o in outcomes)
    counts = {k: job["counts"][k] + (len(outcomes) if k == "rows_read" else tally.get(k, 0)) for k in COUNTS}
    changes: dict = {"next_chunk": number + 1, "counts": counts}
    emitted: list[Envelope] = []
    if number + 1 == job["chunk_count"]:
        finished = {**job, "counts": counts, "next_chunk": number + 1}
        left, applied, note = mark_absent(casework, finished)
        changes.update({"status": "completed", "completed_at": clock.timestamp(casework.now()), "left": left,
                        "removal_applied": applied, "removal_note": note})
        emitted.append(event_by(Viewer.from_dict(job["viewer"]), events.ROSTER_IMPORT_COMPLETED, {
            "import_id": job["_id"], "source": job["source"], "region_code": job["region_code"],
            "file_sha256": job["file_sha256"], "rows": job["total_rows"], "left": left, "removal_applied": applied,
            **{k: counts[k] for k in ("matched", "unchanged", "created", "flagged", "failed")}}))
    with contextlib.suppress(ConcurrentModification):  # another worker recorded this chunk first, the same way
        repo.roster_imports.update(job["_id"], job["_version"], changes, emitted)
    return {**job, **changes}


# --- one chunk ----------------------------------------------------------------------------------------------
def _outcome(number: int, outcome: str, row: RosterRow | None = None, reason: str | None = None,
             field: str | None = None, **ids) -> dict:
    return {"row": number, "outcome": outcome, "reason": reason, "field": field,
            "name_masked": mask_name(row.name) if row else None,
            "id_number_masked": mask_id_number(row.id_number) if row else None, **ids}


def apply_rows(casework: Casework, job: dict, rows: list[dict]) -> list[dict]:
    viewer, source, today = Viewer.from_dict(job["viewer"]), job["source"], casework.today()
    outcomes: dict[int, dict] = {}
    readable: list[tuple[int, RosterRow, str]] = []
    seen: dict[str, int] = {}
    for raw in rows:
        if raw.get("duplicate_of"):
            row = None
            with contextlib.suppress(RowProblem):
                row = rosters.read_row(source, raw["values"], today)
            outcomes[raw["row"]] = _outcome(raw["row"], "failed", row, "the same ID number is on row "
                                            f"{raw['duplicate_of']}", "id_number")
            continue
        try:
            row = rosters.read_row(source, raw["values"], today)
        except RowProblem as problem:
            outcomes[raw["row"]] = _outcome(raw["row"], "failed", reason=problem.reason, field=problem.field)
            continue
        index = casework.cipher.blind_index(row.id_number)
        if index in seen:
            outcomes[raw["row"]] = _outcome(raw["row"], "failed", row, f"the same ID number is on row {seen[index]}",
                                            "id_number")
            continue
        seen[index] = raw["row"]
        readable.append((raw["row"], row, index))
    holders = casework.repo.identity_holders([i for _, _, i in readable])
    known = [(n, r, i) for n, r, i in readable if i in holders]
    unknown = [(n, r, i) for n, r, i in readable if i not in holders]
    outcomes.update(_apply_known(casework, job, viewer, known, holders))
    outcomes.update(_register_unknown(casework, job, viewer, unknown))
    return [outcomes[n] for n in sorted(outcomes)]


def _apply_known(casework: Casework, job: dict, viewer: Viewer, known: list, holders: dict) -> dict[int, dict]:
    by_household: dict[str, list] = {}
    for item in known:
        by_household.setdefault(holders[item[2]]["household_id"], []).append(item)
    # one read of the chunk's households and one of their crisis cases; a household changed meanwhile is read again
    read = {h["_id"]: h for h in casework.repo.households.by_ids(list(by_household))}
    seen = access.protection(casework, viewer, list(read.values()))
    outcomes: dict[int, dict] = {}
    for household_id, items in by_household.items():
        first = [read.get(household_id)]

        def apply(h: str = household_id, i: list = items, prefetched: list = first) -> dict[int, dict]:
            household = prefetched.pop() if prefetched else casework.repo.households.get(h)
            return _apply_to_household(casework, job, viewer, household, i, holders, seen)
        outcomes.update(retry_commuting(apply))
    return outcomes


def _apply_to_household(casework: Casework, job: dict, viewer: Viewer, household: dict | None, items: list,
                        holders: dict, seen) -> dict[int, dict]:
    source, today = job["source"], casework.today()
    refusal = _write_refusal(viewer, household, seen)
    if refusal:
        return {n: _outcome(n, "failed", r, refusal, "id_number") for n, r, _ in items}
    assert household is not None
    household_id = household["_id"]
    outcomes, members, emitted = {}, list(household["members"]), []
    for number, row, index in items:
        person_id = holders[index]["person_id"]
        position = next((k for k, m in enumerate(members) if m["person_id"] == person_id), None)
        if position is None:
            outcomes[number] = _outcome(number, "flagged", row, "the ID number is held by a record being written or "
                                        "moved; import the file again later", "id_number")
            continue
        member = members[position]
        ids = {"household_id": household_id, "person_id": person_id}
        if not rosters.same_name(member["name"], row.name):
            outcomes[number] = _outcome(number, "flagged", row, f"the name on the roster ({mask_name(row.name)}) "
                                        f"differs from the record ({mask_name(member['name'])}): check which is "
                                        "right before the roster is applied", "name", **ids)
            continue
        details = people.decrypt_details(casework.cipher, member.get("disability_encrypted"))
        listed = rosters.listing(member, source, row, details, today, job["_id"])
        if listed is None:
            outcomes[number] = _outcome(number, "unchanged", row, "the record already says so", **ids)
            continue
        changed, change = listed
        if row.disability is not None:
            changed["disability_encrypted"] = casework.cipher.encrypt(
                json.dumps({**(details or {}), **row.disability}, ensure_ascii=False))
        members[position] = changed
        emitted.append(_listed_event(viewer, household, changed, source, change, job["_id"]))
        outcomes[number] = _outcome(number, "matched", row, None, change=change, **ids)
    if emitted:
        casework.repo.households.update(household_id, household["_version"],
                                        domain.household_derived_fields(members), emitted)
    return outcomes


def _write_refusal(viewer: Viewer, household: dict | None, seen) -> str | None:
    if household is None:
        return "the ID number is held by a household being written; import the file again later"
    try:
        viewer.require_write(station_id=household["station_id"], region_code=household["region_code"])
    except PermissionDenied:
        return "the person's household is outside your region: its own county imports this row"
    if household.get("status") == "closed":
        return "the person's household record is closed"
    if household["_id"] in seen.hidden_households or seen.hidden_persons & set(household["person_ids"]):
        return "protected by a crisis case: only the case team changes this household"
    return None


def _listed_event(viewer: Viewer, household: dict, member: dict, source: str, change: str,
                  import_id: str) -> Envelope:
    return event_by(viewer, events.PERSON_LISTED_ON_ROSTER, {
        "household_id": household["_id"], "person_id": member["person_id"], "station_id": household["station_id"],
        "township_code": household["township_code"], "source": source, "tag": rosters.source_tag(source),
        "listed_since": member["rosters"][source]["since"], "change": change, "import_id": import_id})


# --- people the platform does not know -----------------------------------------------------------------------
def _register_unknown(casework: Casework, job: dict, viewer: Viewer, unknown: list) -> dict[int, dict]:
    repo, source, today = casework.repo, job["source"], casework.today()
    outcomes: dict[int, dict] = {}
    likely = people.key_index(repo.match_candidates([casework.cipher.blind_index(
        f"name-birth:{r.name}|{r.id_number[6:10]}-{r.id_number[10:12]}-{r.id_number[12:14]}") for _, r, _ in unknown]))
    stations = {s["township_code"]: s for s in repo.stations_of_townships(
        sorted({r.community_code[:9] for _, r, _ in unknown if r.community_code}))}
    prepared = []
    for number, row, _ in unknown:
        birth = f"{row.id_number[6:10]}-{row.id_number[10:12]}-{row.id_number[12:14]}"
        twins = likely.get(casework.cipher.blind_index(f"name-birth:{row.name}|{birth}"), [])
        if twins:
            outcomes[number] = _outcome(number, "flagged", row, "no record carries this ID number, but a person "
                                        "with the same name and birth date is registered: review (correct the "
                                        "number or merge), then import again", "id_number",
                                        household_id=twins[0]["household_id"], person_id=twins[0]["person_id"])
            continue
        station = stations.get(row.community_code[:9]) if row.community_code else None
        if station is None:
            outcomes[number] = _outcome(number, "flagged", row, "unknown to the platform, and the row names no "
                                        "community a station serves (村(社区)代码): register the household by hand",
                                        "community_code")
            continue
        try:
            access.station_for_write(casework, viewer, station["_id"])
            household, built, registered = prepare_household(casework, viewer, {
                "station_id": station["_id"], "community_code": row.community_code,
                "community_name": row.community_name or row.community_code, "address": row.address or NO_ADDRESS,
                "members": [{"name": row.name, "relationship": "head", "id_number": row.id_number,
                             "phone": row.phone, "tags": [rosters.source_tag(source)],
                             **({"disability": row.disability} if row.disability else {})}]},
                station, today, "import")
        except (PermissionDenied, NotFound):
            outcomes[number] = _outcome(number, "failed", row, "the row's community is outside your region",
                                        "community_code")
            continue
        except (ValidationFailed, RuleViolation) as exc:
            field, reasons = next(iter(exc.details.items()), ("_", [exc.message]))
            outcomes[number] = _outcome(number, "failed", row, "; ".join(reasons), field)
            continue
        head = household["members"][0]
        head["rosters"] = {source: {"status": rosters.LISTED, "since": row.listed_since or today.isoformat(),
                                    "left_on": None, "import_id": job["_id"]}}
        prepared.append((number, row, household, built, [registered, _listed_event(
            viewer, household, head, source, "added", job["_id"])]))
    taken = repo.claim_identities_bulk([{"_id": h["members"][0]["id_index"], "person_id": h["members"][0]["person_id"],
                                         "household_id": h["_id"], "claimed_at": casework.now()}
                                        for _, _, h, _, _ in prepared])
    accepted = []
    for number, row, household, built, emitted in prepared:
        if household["members"][0]["id_index"] in taken:
            outcomes[number] = _outcome(number, "flagged", row, "registered by someone else meanwhile; import the "
                                        "file again to apply the roster", "id_number")
            continue
        accepted.append((household, built, emitted))
        outcomes[number] = _outcome(number, "created", row, "a new household was registered",
                                    household_id=household["_id"], person_id=household["members"][0]["person_id"])
    repo.households.insert_many([aggregate_document(h, e) for h, _, e in accepted])
    repo.add_match_keys([e for h, built, _ in accepted for member, keys in built for e in people.match_key_entries(
        member["person_id"], h["_id"], h["station_id"], keys)])
    return outcomes


# --- people who left the roster ---------------------------------------------------------------------------------
def mark_absent(casework: Casework, job: dict) -> tuple[int, bool, str | None]:
    """Mark everyone listed on this source's roster in the job's region but absent from the file."""
    unreadable = [o for c in casework.repo.roster_chunks.of_import(job["_id"], job["chunk_count"], ("outcomes",))
                  for o in (c.get("outcomes") or []) if o["outcome"] == "failed" and o["field"] == "id_number"
                  and o.get("id_number_masked") is None]
    if unreadable:
        return 0, False, (f"{len(unreadable)} rows had no readable ID number: nobody was marked as having left "
                          "the roster (fix those rows and import the file again)")
    source, viewer, today = job["source"], Viewer.from_dict(job["viewer"]), casework.today()
    on_file = {i for c in casework.repo.roster_chunks.of_import(job["_id"], job["chunk_count"], ("id_indexes",))
               for i in c["id_indexes"]}
    households = casework.repo.households.targeted_by_groups(Scope.of(viewer, job["region_code"]),
                                                             [rosters.source_tag(source)])
    left = 0
    for household in households:
        def mark(h: dict = household) -> int:
            return _mark_household(casework, viewer, job, h, on_file, today)
        left += retry_commuting(mark)
    return left, True, None


def _mark_household(casework: Casework, viewer: Viewer, job: dict, household: dict, on_file: set[str],
                    today) -> int:
    current = casework.repo.households.get(household["_id"]) or household
    source, members, emitted = job["source"], list(current["members"]), []
    for k, member in enumerate(members):
        if (rosters.is_listed(member, source) and member.get("id_index") not in on_file
                and member["rosters"][source].get("import_id") != job["_id"]):
            members[k] = rosters.left(member, source, today, job["_id"])
            emitted.append(event_by(viewer, events.PERSON_LEFT_ROSTER, {
                "household_id": current["_id"], "person_id": member["person_id"], "station_id": current["station_id"],
                "township_code": current["township_code"], "source": source, "tag": rosters.source_tag(source),
                "left_on": today.isoformat(), "import_id": job["_id"]}))
    if emitted:
        casework.repo.households.update(current["_id"], current["_version"], domain.household_derived_fields(members),
                                        emitted)
    return len(emitted)
