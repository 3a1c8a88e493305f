"""The gateway's enums derive from the vocabularies in services/contracts: none lists its values by hand,
so a code the services accept cannot be missing from (or extra in) the schema."""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def listed_by_hand(source: str) -> set[str]:
    """The enums a module spells out: a graphene.Enum class body, or a vocabulary_enum with a literal value
    (all of them, or one added to a vocabulary: `(*STAGES, "open")`)."""
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ClassDef) and any(
                isinstance(base, ast.Attribute) and base.attr == "Enum" for base in node.bases):
            names.add(node.name)
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "vocabulary_enum"
              and isinstance(name := node.args[0], ast.Constant)
              and any(isinstance(part, ast.Constant) for part in ast.walk(node.args[1]))):
            names.add(str(name.value))
    return names


def test_no_gateway_enum_lists_its_values_by_hand():
    spelled = {f"{path.relative_to(ROOT)}: {name}" for path in ROOT.glob("gateway/schema/**/*.py")
               for name in listed_by_hand(path.read_text(encoding="utf-8"))}
    assert not spelled, sorted(spelled)


def test_the_analysis_sees_both_ways_of_spelling_values():
    source = ('class Colour(graphene.Enum):\n    RED = "red"\n'
              'Size = vocabulary_enum("Size", ("small", "large"))\n'
              'Stage = vocabulary_enum("Stage", STAGES)\n'
              'StageFilter = vocabulary_enum("StageFilter", (*STAGES, "open"))\n'
              'Level = vocabulary_enum("Level", (*CERTIFICATE_LEVELS, *DIPLOMA_LEVELS), description="Both.")\n')
    assert listed_by_hand(source) == {"Colour", "Size", "StageFilter"}
