"""What a page of results shows of each hit: its card stored in the index, checked against the
database in one short query, or its row read from the database."""

from collections import namedtuple
from functools import cache

from sqlalchemy import bindparam, literal, union_all

from peacemap.extensions import db
from peacemap.models import InitiativeStatus, OrganisationType, VerificationLevel
from peacemap.search import documents


@cache
def _published_by_ids(kind):
    """The shown columns of the published `kind` records whose id is in the list bound as
    `ids`; built once (building a statement costs more than running this one)."""
    model = documents.KINDS[kind]
    return (
        model.published()
        .with_only_columns(*(getattr(model, name) for name in documents.SHOWN[kind]))
        .where(model.id.in_(bindparam("ids", expanding=True)))
    )


@cache
def _versions_by_ids():
    """(kind, id, updated_at) of the published records whose ids are bound as `organisation`
    and `initiative`: one short statement, built once."""
    parts = []
    for kind, model in documents.KINDS.items():
        parts.append(
            model.published()
            .with_only_columns(literal(kind).label("kind"), model.id, model.updated_at)
            .where(model.id.in_(bindparam(kind, expanding=True)))
        )
    return union_all(*parts)


def load(found):
    """The published records for these (kind, id) pairs, a query per kind, as rows of their
    shown columns (read like the records' attributes): a list of results needs no ORM
    objects, which cost twice as much to load."""
    records = {}
    connection = db.session.connection()
    for kind in documents.KINDS:
        ids = [number for k, number in found if k == kind]
        if ids:
            for row in connection.execute(_published_by_ids(kind), {"ids": ids}).all():
                records[(kind, row.id)] = row
    return records


def records(found):
    """What each hit shows: its stored card when the database says the record is published
    and unchanged since it was indexed (one short query for the page), else its row read from
    the database; hits no longer published are left out. The database stays the truth: an
    index that failed to update never shows a hidden record or an old text."""
    cards = getattr(found, "cards", {})
    if not cards:
        return load(found)
    ids = {kind: [number for k, number in found if k == kind] for kind in documents.KINDS}
    current = {
        (kind, number): updated.timestamp()
        for kind, number, updated in db.session.execute(_versions_by_ids(), ids)
    }
    records, stale = {}, []
    for key in found:
        card = cards.get(key)
        if key not in current:
            continue  # unpublished since it was indexed
        if card is not None and card["updated"] == current[key]:
            records[key] = _card_record(key[0], card)
        else:
            stale.append(key)
    if stale:
        records.update(load(stale))
    return records


@cache
def _card_type(kind):
    return namedtuple(f"{kind.capitalize()}Card", documents.SHOWN[kind])


# The shown columns that are enums in the models: cards keep their values.
_ENUMS = {"type": OrganisationType, "verification_level": VerificationLevel}
_ENUMS_OF = {"organisation": _ENUMS, "initiative": {"status": InitiativeStatus}}


def _card_record(kind, card):
    """A stored card read like the row `_load` gives (enums as enums)."""
    enums = _ENUMS_OF[kind]
    return _card_type(kind)(
        *(
            enums[name](card[name]) if name in enums else card[name]
            for name in documents.SHOWN[kind]
        )
    )
