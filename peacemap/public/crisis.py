"""Crisis mode: a country or a region where armed groups may look for whoever is listed.

An admin sets an area in crisis mode (peacemap/moderation/crisis.py); while it is active, every
record placed there (any of its places in the area, or, for an organisation without places, its
country in a country-wide area) is shown at the country alone and drawn nowhere, without its
contacts, its relationships without the other side's name (on both sides), and it leaves the
exports. The rest of the public view asks this module, so the pages, the API, search, the map
and the exports narrow in one place.

The SQL condition (`placed_in_crisis`) is the one rule: the Python side (`in_crisis`) asks it
once per transaction for the ids it covers, so the two never disagree. The ids are forgotten at
every flush and at the end of every transaction: a record that moved into an area is seen there
at once, and a record reindexed after the commit that set an area reads the area.
"""

from sqlalchemy import and_, event, exists, or_, select
from sqlalchemy.orm import Session

from peacemap import kinds
from peacemap.extensions import db
from peacemap.models import CrisisArea, Location, Organisation

_IDS = "peacemap_crisis_ids"


def active():
    """SQL: the areas in crisis mode now."""
    return CrisisArea.lifted_at.is_(None)


def _covered(country, admin1=None):
    """SQL: whether an active area covers a place in `country` (and region `admin1`; without
    one, only a country-wide area does)."""
    region = CrisisArea.admin1.is_(None)
    if admin1 is not None:
        region = or_(region, CrisisArea.admin1 == admin1)
    return exists(select(CrisisArea.id).where(active(), CrisisArea.country == country, region))


def placed_in_crisis(model):
    """SQL: records of `model` placed in an active crisis area."""
    condition = model.locations.any(_covered(Location.country, Location.admin1))
    if model is Organisation:
        condition = or_(condition, and_(~model.locations.any(), _covered(model.country)))
    return condition


def not_in_crisis(model):
    """SQL: records of `model` placed in no active crisis area."""
    return ~placed_in_crisis(model)


def outside_crisis(column):
    """SQL: `column` (an organisation id) is not placed in a crisis area (`ids` says whether
    any organisation is, for callers that can leave the condition out)."""
    return column.not_in(select(Organisation.id).where(placed_in_crisis(Organisation)))


def ids(kind):
    """The ids of the `kind` records in crisis now: one query per transaction while no area is
    active, and one more per kind while one is."""
    known = db.session.info.get(_IDS)
    if known is None:
        if db.session.scalar(select(exists().where(active()))):
            known = {}
        else:
            known = {name: frozenset() for name in kinds.MODELS}
        db.session.info[_IDS] = known
    if kind not in known:
        model = kinds.MODELS[kind]
        found = frozenset(db.session.scalars(select(model.id).where(placed_in_crisis(model))))
        # (that query may have flushed, which forgets what was known: keep it anew)
        db.session.info.setdefault(_IDS, {})[kind] = found
    return db.session.info[_IDS][kind]


def in_crisis(record):
    """Whether a published organisation or initiative is placed in an active crisis area."""
    return record.id is not None and record.id in ids(kinds.of(record).name)


def areas_of(record):
    """The active areas a record is placed in, oldest first (for its owner's pages)."""
    if not in_crisis(record):
        return []
    places = {(loc.country, loc.admin1) for loc in record.locations}
    if not places and isinstance(record, Organisation):
        places = {(record.country, None)}
    areas = db.session.scalars(select(CrisisArea).where(active()).order_by(CrisisArea.set_at))
    return [
        area
        for area in areas
        if any(
            area.country == country and area.admin1 in (None, admin1) for country, admin1 in places
        )
    ]


@event.listens_for(Session, "after_flush")
@event.listens_for(Session, "after_transaction_end")
def _forget(session, *_args):
    session.info.pop(_IDS, None)
