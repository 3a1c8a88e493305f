"""What the platform promises about its public contracting data (OCDS): the licence, the publication policy and
its own OCDS extension. Funding publishes the packages; the gateway serves the policy and the extension files."""
from __future__ import annotations

import json
from importlib import resources

LICENSE = "https://creativecommons.org/licenses/by/4.0/"
PUBLICATION_POLICY = ("Procurement of social work services and the use of lottery public-welfare funds, published "
                      "as the Jiangsu notice on township (street) social work stations (2021) §四(三) requires: every "
                      "contracting process from its tender notice on, with its whole history (award, contract, "
                      "funding commitments, amendments, payments). Personal data is withheld (PIPL) and listed in "
                      "withheldInformation; payments held for supervision review are published once resolved.")
EXTENSION_FILES = ("extension.json", "release-schema.json")


def extension_directory():
    """The platform's own OCDS extension (a Traversable directory of package data)."""
    return resources.files(__package__).joinpath("reference", "ocds_extension")


def own_extension_file(name: str) -> dict | None:
    """One file of the platform's OCDS extension, or None for any other name."""
    if name not in EXTENSION_FILES:
        return None
    return json.loads(extension_directory().joinpath(name).read_text(encoding="utf-8"))
