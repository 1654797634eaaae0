"""What a page of results shows of each hit: its card stored in the index, checked against the
database in one short query, or its row read from the database."""

from collections import namedtuple
from functools import cache

from sqlalchemy import bindparam

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
def _published_clause(kind):
    """`model.published()`'s condition as SQL text ("status = 'published'"), compiled once."""
    model = documents.KINDS[kind]
    condition = model.published().whereclause
    return str(condition.compile(db.engine, compile_kwargs={"literal_binds": True}))


def _versions(found):
    """{(kind, id): updated_at} of the published records among `found`, in one statement sent
    as plain SQL: a page's check then costs a quarter of a millisecond, not one. The ids are
    the index's integers and the condition is `model.published()`'s own, compiled once."""
    parts = []
    for kind, model in documents.KINDS.items():
        ids = sorted({int(number) for k, number in found if k == kind})
        if ids:
            table = model.__table__.name
            parts.append(
                f"SELECT '{kind}', id, updated_at FROM {table} "  # noqa: S608 (no user input)
                f"WHERE {_published_clause(kind)} AND id IN ({','.join(map(str, ids))})"
            )
    if not parts:
        return {}
    connection = db.session.connection()
    rows = connection.exec_driver_sql(" UNION ALL ".join(parts)).all()
    process = _updated_processor(connection.dialect)
    return {(kind, number): process(updated) for kind, number, updated in rows}


@cache
def _updated_processor(dialect):
    """updated_at as the ORM reads it, from the value the database driver gives."""
    column_type = documents.KINDS["organisation"].__table__.c.updated_at.type
    process = column_type.dialect_impl(dialect).result_processor(dialect, None)
    return process or (lambda value: value)


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
    current = {key: updated.timestamp() for key, updated in _versions(found).items()}
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
