"""A profile costs the same whatever the size of the directory: as many SQL statements, and as
many rows read out of the database, with 200 organisations sharing its themes, places and
networks as with 2,000. Related organisations are scored and limited by the database
(peacemap/public/related.py), and only what the public sees relates two organisations.

Rows are counted soundly on both backends: after each statement that returns rows, the same
statement with the same parameters is run again as `SELECT count(*) FROM (...)` on a raw
cursor of the same connection (outside SQLAlchemy's events, so it is not counted itself). A
control proves the counter sees growth: the query the old implementation ran (one row per
organisation sharing a theme, summed in Python) reads 1,800 more rows at the larger size.
"""

import itertools

import pytest
from sqlalchemy import event, func, insert, select

from peacemap.extensions import db
from peacemap.models import CrisisArea, Organisation, Relationship
from peacemap.models.base import utcnow
from peacemap.models.directory import organisation_locations, organisation_themes
from tests.conftest import soup

_slugs = itertools.count()
# What building a profile costs, not what the page cache saves.
pytestmark = pytest.mark.config(PAGE_CACHE_BYTES=0)


class RowCounter:
    """Counts the statements run inside it and the rows each one returns."""

    def __init__(self):
        self.statements = []  # (sql, rows)

    def __enter__(self):
        event.listen(db.engine, "after_cursor_execute", self._record)
        return self

    def __exit__(self, *exc):
        event.remove(db.engine, "after_cursor_execute", self._record)

    def _record(self, conn, cursor, statement, parameters, context, executemany):
        rows = 0
        if cursor.description is not None and not executemany:
            counting = cursor.connection.cursor()
            # (the statement SQLAlchemy has just run, with its own parameters)
            counting.execute(f"SELECT count(*) FROM ({statement}) AS counted", parameters)  # noqa: S608
            rows = counting.fetchone()[0]
            counting.close()
        self.statements.append((statement, rows))

    @property
    def count(self):
        return len(self.statements)

    @property
    def rows(self):
        return sum(rows for _sql, rows in self.statements)


def _add_neighbours(size, themes, places, networks):
    """`size` published organisations, each sharing a theme, a place and a network with the
    profiled one (bulk inserts: the directory, not the test, should be large)."""
    start = next(_slugs) * 100_000
    db.session.execute(
        insert(Organisation),
        [
            {
                "slug": f"neighbour-{start + n}",
                "name": f"Neighbour {start + n:06d}",
                "type": "community_based",
                "country": "ML",
                "summary": {"en": "A neighbour."},
            }
            for n in range(size)
        ],
    )
    ids = db.session.scalars(
        select(Organisation.id)
        .where(Organisation.slug.in_([f"neighbour-{start + n}" for n in range(size)]))
        .order_by(Organisation.id)
    ).all()
    db.session.execute(
        insert(organisation_themes),
        [{"organisation_id": i, "theme_id": themes[i % len(themes)].id} for i in ids],
    )
    db.session.execute(
        insert(organisation_locations),
        [{"organisation_id": i, "location_id": places[i % len(places)].id} for i in ids],
    )
    db.session.execute(
        insert(Relationship),
        [
            {"subject_id": i, "object_id": networks[i % len(networks)].id, "kind": "member_of"}
            for i in ids
        ],
    )
    db.session.commit()


@pytest.fixture
def hub(make_organisation, make_theme, make_location, link):
    """A profiled organisation with themes, named places and public network memberships, and
    six organisations that share the most with it (the related ones at every size)."""
    themes = [make_theme() for _ in range(3)]
    places = [make_location() for _ in range(2)]
    networks = [make_organisation(name=f"Network {n}", type="network") for n in range(2)]
    org = make_organisation(
        slug="hub", themes=themes, locations=places, location_precision="commune"
    )
    for network in networks:
        link(org, "member_of", network)
    for n in range(6):
        close = make_organisation(name=f"Close {n}", themes=themes, locations=places)
        for network in networks:
            link(close, "member_of", network)
    db.session.commit()
    return {"themes": themes, "places": places, "networks": networks}


def _profile(client):
    with RowCounter() as counter:
        page = soup(client.get("/en/organisations/hub"))
    related = [a.text for a in page.select(".related .card h3 a")]
    return counter, related


def _old_theme_scores(themes):
    """The query the old implementation summed in Python: a row per organisation sharing a
    theme (the control: the counter sees rows that grow with the directory)."""
    ot = organisation_themes.c
    stmt = (
        select(ot.organisation_id, func.count())
        .where(ot.theme_id.in_([theme.id for theme in themes]))
        .group_by(ot.organisation_id)
    )
    with RowCounter() as counter:
        db.session.execute(stmt).all()
    return counter.rows


def test_profile_reads_as_many_rows_at_200_and_2000_neighbours(client, hub):
    _add_neighbours(200, **hub)
    small, related_small = _profile(client)
    old_small = _old_theme_scores(hub["themes"])
    _add_neighbours(1800, **hub)
    large, related_large = _profile(client)
    old_large = _old_theme_scores(hub["themes"])

    # The closest organisations are found at both sizes: the relations are really scored.
    assert related_small == related_large == [f"Close {n}" for n in range(6)]
    # Control: the counter sees rows, and sees them grow with the directory.
    assert small.rows > 0
    assert old_large - old_small >= 1800
    # The profile: the same statements, and the same rows, at both sizes.
    assert large.count == small.count, [sql for sql, _rows in large.statements]
    assert large.rows == small.rows, [(sql[:80], rows) for sql, rows in large.statements]
    assert large.rows < 100


def test_related_counts_only_what_the_public_sees(
    client, make_organisation, make_theme, make_location, link
):
    """Hidden and unnamed memberships, unpublished networks, places at region precision or in
    a crisis area and linked organisations never relate two organisations."""
    place = make_location(country="ML", admin1="Mopti")
    network = make_organisation(name="Network", type="network")
    closed = make_organisation(name="Closed Network", type="network", status="unpublished")
    org = make_organisation(slug="me", locations=[place], location_precision="commune")
    link(org, "member_of", network)
    link(org, "member_of", closed)
    link(make_organisation(name="Public Member"), "member_of", network)
    link(make_organisation(name="Hidden Member"), "member_of", network, visibility="hidden")
    link(make_organisation(name="Unnamed Member"), "member_of", network, visibility="unnamed")
    link(make_organisation(name="Closed Member"), "member_of", closed)
    make_organisation(name="Named Neighbour", locations=[place], location_precision="exact")
    make_organisation(name="Regional Neighbour", locations=[place], location_precision="region")
    partner = make_organisation(name="Secret Partner", locations=[place])
    link(org, "partner_of", partner, visibility="hidden")
    db.session.commit()

    def related():
        page = soup(client.get("/en/organisations/me"))
        return [a.text for a in page.select(".related .card h3 a")]

    assert related() == ["Public Member", "Named Neighbour"]

    # A member placed in an area in crisis mode: its membership is no longer named, so it no
    # longer relates it.
    other = make_location(country="NE", admin1="Tillabéri")
    neighbour = db.session.scalar(select(Organisation).where(Organisation.name == "Public Member"))
    neighbour.locations.append(other)
    db.session.add(CrisisArea(country="NE", admin1="Tillabéri", reason="Test", set_at=utcnow()))
    db.session.commit()
    assert related() == ["Named Neighbour"]


def test_related_found_below_a_cut_of_unpublished_organisations(
    client, make_organisation, make_theme
):
    """The best-scoring candidates are all unpublished: the query's cut keeps none of them to
    show, and the published organisation below the cut is still found."""
    themes = [make_theme(), make_theme()]
    make_organisation(slug="me", themes=themes)
    for n in range(8):
        make_organisation(name=f"Withdrawn {n}", themes=themes, status="unpublished")
    make_organisation(name="One Theme", themes=themes[:1])
    db.session.commit()
    page = soup(client.get("/en/organisations/me"))
    assert [a.text for a in page.select(".related .card h3 a")] == ["One Theme"]
