"""supervisionRollup asks the supervision service for the volunteer hours only when the query selects them
(gateway/schema/supervision/queries.py): they cost a read of a whole read-model document."""
from __future__ import annotations

from types import SimpleNamespace

import pytest
from graphql import FragmentDefinitionNode, OperationDefinitionNode, parse

from gateway.schema.supervision.queries import SupervisionQuery


class SupervisionFake:
    def __init__(self):
        self.requests: list[dict] = []

    def rollup(self, request: dict) -> dict:
        self.requests.append(request)
        return {"region": {"region_code": "321181"}, "children": []}


def _resolve(query: str) -> dict:
    document = parse(query)
    operation = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    supervision = SupervisionFake()
    info = SimpleNamespace(field_nodes=[operation.selection_set.selections[0]], fragments=fragments,
                           context=SimpleNamespace(service=lambda name: supervision))
    SupervisionQuery.resolve_supervision_rollup(None, info, "321181")
    [request] = supervision.requests
    return request


@pytest.mark.parametrize(("query", "asked"), [
    ('{ supervisionRollup(region: "321181") { visits { count } } }', False),
    ('{ supervisionRollup(region: "321181") { volunteers { hoursApproved } } }', True),
    ('{ supervisionRollup(region: "321181") { children { ... on SupervisionRegionFigures { volunteers '
     '{ hoursApproved } } } } }', True),
    ('{ supervisionRollup(region: "321181") { ...f } } fragment f on SupervisionRollup { children { volunteers '
     '{ hoursApproved } } }', True),
    ('{ supervisionRollup(region: "321181") { ...f } } fragment f on SupervisionRollup { visits { count } }', False),
])
def test_the_hours_are_asked_for_only_when_selected(query, asked):
    assert _resolve(query) == {"region": "321181", "volunteers": asked}
