"""What a query selects below a field, as a tree of field names, so a resolver can ask a service for
just that (a page's items with their staff only when `staff` is selected, say).

Fragments and inline fragments are followed; `@skip`/`@include` are not evaluated, so a field under
either counts as selected (the service then sends a little more, never less). Aliases are merged:
the tree holds field names, not response names.
"""
from __future__ import annotations

import re

from graphql import FieldNode, FragmentSpreadNode, InlineFragmentNode, SelectionSetNode

Selection = dict[str, "Selection"]


def selected(info) -> Selection:
    """The fields selected below the field being resolved: {name: {sub-name: {...}}}, {} for a leaf."""
    tree: Selection = {}
    for node in info.field_nodes:
        _merge(tree, node.selection_set, info.fragments, frozenset())
    return tree


def _merge(tree: Selection, selection_set: SelectionSetNode | None, fragments, seen: frozenset[str]) -> None:
    for selection in selection_set.selections if selection_set is not None else ():
        if isinstance(selection, FieldNode):
            _merge(tree.setdefault(selection.name.value, {}), selection.selection_set, fragments, seen)
        elif isinstance(selection, InlineFragmentNode):
            _merge(tree, selection.selection_set, fragments, seen)
        elif isinstance(selection, FragmentSpreadNode) and selection.name.value not in seen:
            fragment = fragments.get(selection.name.value)
            if fragment is not None:
                _merge(tree, fragment.selection_set, fragments, seen | {selection.name.value})


def snake_case(name: str) -> str:
    """A GraphQL field name as the services name it: trainingHoursThisYear → training_hours_this_year."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()
