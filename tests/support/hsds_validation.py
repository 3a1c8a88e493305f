"""Validation against the official HSDS 3.0 schemas in tests/support/hsds, with $refs resolved locally."""
from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

HSDS_DIR = Path(__file__).with_name("hsds")
# The directory's lists and the HSDS object each holds.
DIRECTORY_OBJECTS = {"organizations": "organization.json", "services": "service.json",
                     "locations": "location.json", "service_at_locations": "service_at_location.json"}


def _retrieve_nothing(uri: str):
    raise LookupError(f"{uri} is not one of the HSDS schemas shipped in {HSDS_DIR}: nothing is downloaded")


@cache
def registry() -> Registry:
    resources = [(path.name, Resource.from_contents(json.loads(path.read_text(encoding="utf-8")),
                                                    default_specification=DRAFT202012))
                 for path in sorted(HSDS_DIR.glob("*.json"))]
    return Registry(retrieve=_retrieve_nothing).with_resources(resources)


@cache
def validator(schema_file: str) -> Draft202012Validator:
    # The schemas name no dialect; their keywords are the same in every draft jsonschema knows.
    return Draft202012Validator({"$ref": schema_file}, registry=registry(), format_checker=FormatChecker())


def errors(schema_file: str, instance: dict) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path)) or '(object)'}: {e.message}"
            for e in validator(schema_file).iter_errors(instance)]


def directory_errors(export: dict) -> dict[str, list[str]]:
    """Every failing object of a directory export, by `<list>[<index>]`."""
    failures = {}
    for key, schema_file in DIRECTORY_OBJECTS.items():
        for index, item in enumerate(export[key]):
            found = errors(schema_file, item)
            if found:
                failures[f"{key}[{index}]"] = found
    return failures
