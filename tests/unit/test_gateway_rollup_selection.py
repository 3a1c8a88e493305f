"""supervisionRollup asks the supervision service for the volunteer hours only when the query selects them
(gateway/schema/supervision/queries.py): they cost a read of a whole read-model document."""
from __future__ import annotations

from types import SimpleNamespace

import pytest
from graphql import FragmentDefinitionNode, OperationDefinitionNode, parse

from gateway.context import RequestContext
from gateway.schema.supervision.queries import SupervisionQuery
from services.common.auth import Viewer


class SupervisionFake:
    def __init__(self):
        self.requests: list[dict] = []

    def rollups(self, viewer: dict, questions: list[dict]) -> list[dict]:  # the supervision.rollups loader's call
        self.requests += [question["request"] for question in questions]
        return [{"result": {"region": {"region_code": "321181"}, "children": []}} for _ in questions]


def _resolve(query: str) -> dict:
    document = parse(query)
    operation = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    supervision = SupervisionFake()
    context = RequestContext(Viewer("ops", "admin"), {"supervision": supervision})
    info = SimpleNamespace(field_nodes=[operation.selection_set.selections[0]], fragments=fragments, context=context)
    SupervisionQuery.resolve_supervision_rollup(None, info, "321181")
    context.batches.dispatch_next()
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
