"""workInbox through the gateway with fake services: one feed merged from every source service, sorted overdue
first then by due day, paged, filtered by kind, counted per kind, the supervisors' actions on each item, and a
constant number of RPC calls whatever the page size or the number of items."""
from __future__ import annotations

import json
from datetime import date

import pytest

from gateway.execution import GraphQLEndpoint
from gateway.http import HttpRequest
from gateway.schema import COST_MODEL, schema
from services.common import config
from services.common.errors import PermissionDenied, UpstreamUnavailable
from services.contracts import inbox as vocabulary
from tests.support.gateway_fakes import token_for

ENDPOINT = GraphQLEndpoint(schema, COST_MODEL)
STATION = "ST321181001"
TODAY = date(2026, 7, 2)
KIND_OF = {"casework": vocabulary.CASE_FOLLOW_UP, "volunteers": vocabulary.HOURS_APPROVAL,
           "registry": vocabulary.TRAINING_BEHIND, "supervision": vocabulary.SUPERVISION_FOLLOW_UP}


def item(source: str, number: int, due_on: str | None) -> dict:
    return vocabulary.inbox_item(source=source, kind=KIND_OF[source], item_id=f"{source}-{number}",
                                 title=f"{source} item {number}", station_id=STATION, region_code=STATION[2:],
                                 due_on=due_on, today=TODAY, link_type="Case", link_id=f"{source}-{number}",
                                 since="2026-06-01T00:00:00Z" if due_on is None else None)


class FakeSource:
    """A source service's `inbox_items`, and the station batch the registry answers for the `station` field."""

    def __init__(self, name: str, items: list[dict]):
        self.name, self.items, self.calls = name, items, []
        self.actions: dict[str, list[dict]] = {}
        self.refusal: Exception | None = None

    def inbox_items(self, viewer, request=None):
        self.calls.append(("inbox_items", viewer["role"], request))
        if self.refusal:
            raise self.refusal
        answer = {"items": self.items, "truncated": False}
        if self.name == "supervision":
            answer["actions"] = self.actions
        return answer

    def get_stations(self, viewer, ids):
        self.calls.append(("get_stations", viewer["role"], tuple(ids)))
        return [{"id": i, "name": "云阳街道社工站"} for i in ids]

    def remind_inbox_item(self, viewer, data):
        self.calls.append(("remind_inbox_item", viewer["role"], data))
        if self.refusal:
            raise self.refusal
        return {"key": "k", "station_id": data["item"]["station_id"], "actions": []}


def services(per_source: int = 2) -> dict[str, FakeSource]:
    days = ["2026-06-30", "2026-07-05", None]  # overdue, due, waiting
    return {name: FakeSource(name, [item(name, n, days[(n + offset) % 3]) for n in range(per_source)])
            for offset, name in enumerate(("casework", "volunteers", "registry", "supervision"))}


def request(query: str, sources: dict[str, FakeSource], token: str | None = None, variables=None):
    headers = {"Content-Type": "application/json", **({"Authorization": f"Bearer {token}"} if token else {})}
    body = json.dumps({"query": query, **({"variables": variables} if variables else {})})
    response = ENDPOINT.handle(HttpRequest.build("POST", headers, {}, body), clients=sources,
                               settings=config.Settings(), correlation_id="corr-test-0001",
                               rpc_calls=lambda: sum(len(s.calls) for s in sources.values()))
    return response.json()


WORKER = token_for("station_staff", user_id="stf-1", station_ids=[STATION])
INBOX = """query ($first: Int, $after: String, $kind: [InboxKind!]) {
  workInbox(first: $first, after: $after, kind: $kind) {
    totalCount nextCursor truncated counts { kind count overdue }
    items { key kind id title status dueOn source stationId station { id name } link { type id }
            actions { action by byName at note } lastReminder { by byName at } } } }"""


def test_the_inbox_merges_every_source_overdue_first_then_due_then_waiting():
    sources = services()
    body = request(INBOX, sources, WORKER, {"first": 50})
    assert "errors" not in body, body
    page = body["data"]["workInbox"]
    statuses = [i["status"] for i in page["items"]]
    assert statuses == sorted(statuses, key=["OVERDUE", "DUE", "WAITING"].index) and len(statuses) == 8
    assert {i["source"] for i in page["items"]} == {"CASEWORK", "VOLUNTEERS", "REGISTRY", "SUPERVISION"}
    overdue = [i["dueOn"] for i in page["items"] if i["status"] == "OVERDUE"]
    assert overdue == sorted(overdue) and page["totalCount"] == 8 and page["nextCursor"] is None
    assert {c["kind"]: c["count"] for c in page["counts"] if c["count"]} == {
        "CASE_FOLLOW_UP": 2, "VOLUNTEER_HOURS_APPROVAL": 2, "TRAINING_BEHIND": 2, "SUPERVISION_FOLLOW_UP": 2}
    assert sum(c["overdue"] for c in page["counts"]) == statuses.count("OVERDUE")
    # supervision is asked once, with the keys and stations of the other sources' items, for their actions
    [(_, _, asked)] = [c for c in sources["supervision"].calls if c[0] == "inbox_items"]
    assert {i["key"] for i in asked["items"]} == {i["key"] for s in ("casework", "volunteers", "registry")
                                                  for i in sources[s].items}


def test_supervisors_actions_show_on_their_item_with_the_latest_reminder():
    sources = services()
    key = sources["casework"].items[0]["key"]
    sources["supervision"].actions = {key: [
        {"action_id": "act-1", "action": "remind", "by": "sup-1", "by_role": "supervisor", "by_name": "王督导",
         "at": "2026-07-01T01:00:00Z", "note": None},
        {"action_id": "act-2", "action": "comment", "by": "sup-1", "by_role": "supervisor", "by_name": "王督导",
         "at": "2026-07-01T02:00:00Z", "note": "请本周内完成"}]}
    page = request(INBOX, sources, WORKER)["data"]["workInbox"]
    [shown] = [i for i in page["items"] if i["key"] == key]
    assert [a["action"] for a in shown["actions"]] == ["REMIND", "COMMENT"]
    assert shown["lastReminder"] == {"by": "sup-1", "byName": "王督导", "at": "2026-07-01T01:00:00Z"}
    assert all(i["actions"] == [] and i["lastReminder"] is None for i in page["items"] if i["key"] != key)


def test_pages_follow_the_cursor_and_the_kind_filter_keeps_the_counts_of_every_kind():
    sources = services(per_source=3)
    first = request(INBOX, sources, WORKER, {"first": 5})["data"]["workInbox"]
    second = request(INBOX, sources, WORKER, {"first": 5, "after": first["nextCursor"]})["data"]["workInbox"]
    third = request(INBOX, sources, WORKER, {"first": 5, "after": second["nextCursor"]})["data"]["workInbox"]
    everything = request(INBOX, sources, WORKER, {"first": 50})["data"]["workInbox"]["items"]
    assert [i["key"] for i in first["items"] + second["items"] + third["items"]] == [i["key"] for i in everything]
    assert len(everything) == 12 and len(third["items"]) == 2 and third["nextCursor"] is None

    only = request(INBOX, sources, WORKER, {"kind": ["TRAINING_BEHIND"]})["data"]["workInbox"]
    assert {i["kind"] for i in only["items"]} == {"TRAINING_BEHIND"} and only["totalCount"] == 3
    assert sum(c["count"] for c in only["counts"]) == 12


@pytest.mark.parametrize(("per_source", "first"), [(1, 1), (3, 5), (30, 100)])
def test_the_rpc_count_is_constant_whatever_the_items_and_the_page(per_source, first):
    body = request(INBOX, services(per_source), WORKER, {"first": first})
    assert "errors" not in body, body
    # casework, volunteers, registry and supervision once each, and one batch of stations
    assert body["extensions"]["rpcCalls"] == 5


def test_the_public_has_no_inbox_and_a_refused_action_reaches_the_client_with_its_code():
    body = request(INBOX, services(), None)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    sources = services()
    sources["supervision"].refusal = PermissionDenied("not your station")
    body = request("""mutation { remindInboxItem(input: {item: {source: CASEWORK, kind: CASE_FOLLOW_UP,
                       itemId: "cs-1", stationId: "ST321102001"}}) { key } }""", sources, WORKER)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    [(_, _, data)] = [c for c in sources["supervision"].calls if c[0] == "remind_inbox_item"]
    assert data == {"item": {"source": "casework", "kind": "case_follow_up", "item_id": "cs-1",
                             "station_id": "ST321102001"}}


def test_the_inbox_fields_are_covered_by_the_cost_model():
    assert not [f for f in COST_MODEL.undeclared(schema.graphql_schema)
                if f.split(".")[0] in ("WorkInbox", "InboxItem", "InboxItemActions", "InboxAction")]


def test_a_source_that_does_not_answer_leaves_its_items_out_and_is_named():
    sources = services()
    sources["registry"].refusal = UpstreamUnavailable("the registry did not answer")
    body = request(INBOX.replace("truncated", "truncated unavailableSources"), sources, WORKER)
    assert "errors" not in body, body
    page = body["data"]["workInbox"]
    assert page["unavailableSources"] == ["REGISTRY"] and page["totalCount"] == 6
    assert "REGISTRY" not in {i["source"] for i in page["items"]}
    for source in sources.values():
        source.refusal = UpstreamUnavailable("down")
    assert request(INBOX, sources, WORKER)["errors"][0]["extensions"]["code"] == "SERVICE_UNAVAILABLE"
