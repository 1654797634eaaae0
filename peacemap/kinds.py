"""The kinds of directory record, in one registry: organisations and initiatives.

Each kind says once what the rest of the code used to work out with `isinstance` and kind-name
strings: its model, its name in audit events, revisions and the search index, its URL segment
and endpoints, its payload functions (peacemap/records.py) and the name of its
publication column (`status` for organisations, `publication` for initiatives; both models also
answer to `publication`).
"""

from dataclasses import dataclass

from peacemap import records
from peacemap.models import Initiative, Organisation


@dataclass(frozen=True)
class Kind:
    name: str  # "organisation": audit events, revisions, search documents, map layers
    plural: str  # "organisations": URL segments
    model: type
    profile_endpoint: str
    api_endpoint: str
    publication_field: str  # the model's own column; `publication` is a synonym on both
    payload: object  # record -> payload (everything, for moderators and revisions)
    apply: object  # (record, payload, replace_texts=False) -> record
    fields: dict  # field name -> label, in a diff's order


ORGANISATION = Kind(
    name="organisation",
    plural="organisations",
    model=Organisation,
    profile_endpoint="directory.organisation",
    api_endpoint="api.organisation",
    publication_field="status",
    payload=records.organisation_payload,
    apply=records.apply_organisation,
    fields=records.ORGANISATION_FIELDS,
)
INITIATIVE = Kind(
    name="initiative",
    plural="initiatives",
    model=Initiative,
    profile_endpoint="directory.initiative",
    api_endpoint="api.initiative",
    publication_field="publication",
    payload=records.initiative_payload,
    apply=records.apply_initiative,
    fields=records.INITIATIVE_FIELDS,
)
ALL = (ORGANISATION, INITIATIVE)
BY_NAME = {kind.name: kind for kind in ALL}
BY_PLURAL = {kind.plural: kind for kind in ALL}
MODELS = {kind.name: kind.model for kind in ALL}
NAMES = tuple(BY_NAME)


def of(record):
    """The kind of a record (an Organisation or an Initiative instance)."""
    for kind in ALL:
        if isinstance(record, kind.model):
            return kind
    raise TypeError(f"not a directory record: {record!r}")
