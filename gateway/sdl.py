"""Print the gateway's schema as SDL: `python -m gateway.sdl > gateway/schema.graphql`.

The committed file is the API's reviewable contract; a unit test fails when it drifts from the code.
"""
from __future__ import annotations

from graphql import print_schema


def schema_sdl() -> str:
    from .schema import schema
    return print_schema(schema.graphql_schema) + "\n"


if __name__ == "__main__":
    print(schema_sdl(), end="")
