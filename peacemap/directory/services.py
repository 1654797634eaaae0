"""Reading the published directory: lists, facets, profiles. Shared by pages and the API."""

from dataclasses import dataclass, replace
from functools import partial

from sqlalchemy import String, bindparam, cast, func, or_, select
from sqlalchemy.orm import selectinload

from peacemap import versions
from peacemap.extensions import db
from peacemap.i18n import collation_key, localized
from peacemap.models import (
    Initiative,
    InitiativeOrganisation,
    Location,
    Organisation,
    PublicationStatus,
    Relationship,
    Theme,
    VerificationLevel,
)
from peacemap.models.directory import (
    initiative_locations,
    initiative_themes,
    organisation_locations,
    organisation_themes,
)
from peacemap.pagination import paginate
from peacemap.public import links as public_links
from peacemap.public import related as public_related
from peacemap.public.places import region_visible


@dataclass(frozen=True)
class OrganisationFilters:
    """What a visitor narrowed the organisation list to; empty strings mean no filter."""

    q: str = ""
    country: str = ""
    region: str = ""
    theme: str = ""
    type: str = ""
    sector: str = ""
    verification: str = ""
    sort: str = "name"


def like_pattern(text):
    """A LIKE pattern matching `text` anywhere, with LIKE's own wildcards escaped."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _with_theme(record_id, slug):
    """SQL: the ids (`record_id`, a link table's column) of the records with the theme `slug`,
    read from the link table's index by theme, not an EXISTS asked for every record."""
    links = record_id.table
    return select(record_id).join(Theme, Theme.id == links.c.theme_id).where(Theme.slug == slug)


def _organisation_conditions(filters):
    """WHERE clauses for the filters."""
    conditions = [Organisation.status == PublicationStatus.PUBLISHED]
    if filters.q:
        pattern = like_pattern(filters.q.strip())
        conditions.append(
            or_(
                Organisation.name.ilike(pattern, escape="\\"),
                Organisation.acronym.ilike(pattern, escape="\\"),
                cast(Organisation.alternate_names, String).ilike(pattern, escape="\\"),
            )
        )
    if filters.country:
        conditions.append(Organisation.country == filters.country)
    if filters.region:
        # Only organisations that agreed to show their region can be found by it.
        in_region = (
            select(organisation_locations.c.organisation_id)
            .join(Location, Location.id == organisation_locations.c.location_id)
            .where(Location.admin1 == filters.region)
        )
        conditions.append(Organisation.id.in_(in_region))
        conditions.append(region_visible(Organisation))
    if filters.theme:
        conditions.append(
            Organisation.id.in_(_with_theme(organisation_themes.c.organisation_id, filters.theme))
        )
    if filters.type:
        conditions.append(Organisation.type == filters.type)
    if filters.sector:
        # Codes are [a-z_] words (models.Sector), so the quoted code matches one list item.
        sectors = cast(Organisation.sectors, String)
        conditions.append(sectors.like(like_pattern(f'"{filters.sector}"'), escape="\\"))
    if filters.verification == "verified":
        conditions.append(Organisation.verification_level != VerificationLevel.NONE)
    elif filters.verification == "unverified":
        conditions.append(Organisation.verification_level == VerificationLevel.NONE)
    return conditions


def list_organisations(filters, page, per_page):
    """One page of published organisations matching the filters."""
    order = (
        [Organisation.updated_at.desc(), Organisation.id.desc()]
        if filters.sort == "updated"
        else [func.lower(Organisation.name), Organisation.id]
    )
    stmt = select(Organisation).where(*_organisation_conditions(filters)).order_by(*order)
    key = replace(filters, sort="")
    return paginate(
        stmt,
        page,
        per_page,
        selectinload(Organisation.themes),
        count=lambda compute: versions.kept("directory_totals", key, versions.version(), compute),
    )


def organisation_facets(filters):
    """Counts per country, region, theme and type, each under the other filters. Each is kept
    per data version (peacemap/versions.py) under the filters it depends on: every page of a
    list counts them once, and the theme counts of every theme's list are counted once."""
    version = versions.version()
    facets = {}
    for name, count in _FACETS.items():
        key = replace(filters, sort="", **{name: ""})  # (its own filter left out)
        facets[name] = versions.kept(
            "directory_facets", (name, key), version, partial(count, key), size=128
        )
    return facets


def _by_column(column):
    def count(filters):
        stmt = (
            select(column, func.count()).where(*_organisation_conditions(filters)).group_by(column)
        )
        return {str(value): number for value, number in db.session.execute(stmt)}

    return count


def _by_region(filters):
    stmt = (
        select(Location.admin1, func.count(func.distinct(Organisation.id)))
        .join(organisation_locations, organisation_locations.c.location_id == Location.id)
        .join(Organisation, Organisation.id == organisation_locations.c.organisation_id)
        .where(*_organisation_conditions(filters))
        .where(region_visible(Organisation), Location.admin1.is_not(None))
        .group_by(Location.admin1)
    )
    return dict(db.session.execute(stmt).all())


def _by_theme(filters):
    # (An organisation has a theme once: the link table's key is the pair.)
    stmt = (
        select(Theme.slug, func.count())
        .join(organisation_themes, organisation_themes.c.theme_id == Theme.id)
        .join(Organisation, Organisation.id == organisation_themes.c.organisation_id)
        .where(*_organisation_conditions(filters))
        .group_by(Theme.slug)
    )
    return dict(db.session.execute(stmt).all())


_FACETS = {
    "country": _by_column(Organisation.country),
    "type": _by_column(Organisation.type),
    "region": _by_region,
    "theme": _by_theme,
}


def all_themes():
    """Every theme, in taxonomy order."""
    return db.session.scalars(select(Theme).order_by(Theme.position, Theme.slug)).all()


def theme_options():
    """(slug, label in the page's language) of every theme, for the forms' theme choices,
    in that language's collation order (a reader looks for a label, not a position)."""
    options = [(theme.slug, localized(theme.labels).text) for theme in all_themes()]
    return sorted(options, key=lambda option: collation_key(option[1]))


# What a profile shows of the organisations it links to (their descriptions stay unread).
_LINKED_COLUMNS = (
    Organisation.slug,
    Organisation.name,
    Organisation.acronym,
    Organisation.type,
    Organisation.country,
    Organisation.status,
)


def _profile_statement():
    """The published organisation named by the `slug` parameter, with everything its profile
    shows: relations load with a fixed number of SELECT ... IN queries, whatever their number."""
    return (
        Organisation.published()
        .where(Organisation.slug == bindparam("slug"))
        .options(
            selectinload(Organisation.themes),
            selectinload(Organisation.locations),
            selectinload(Organisation.identifiers),
            selectinload(Organisation.achievements),
            selectinload(Organisation.outgoing)
            .selectinload(Relationship.object)
            .load_only(*_LINKED_COLUMNS),
            selectinload(Organisation.incoming)
            .selectinload(Relationship.subject)
            .load_only(*_LINKED_COLUMNS),
            selectinload(Organisation.initiative_roles).selectinload(
                InitiativeOrganisation.initiative
            ),
        )
    )


# Built once: SQLAlchemy keeps a statement's cache key, which a new one would compute again on
# every profile (a sixth of its loading time, bench/profile_page.py).
_PROFILE = _profile_statement()


def get_published_organisation(slug):
    """The published organisation with everything its profile shows, or None."""
    return db.session.scalars(_PROFILE, {"slug": slug}).first()


def connections(organisation):
    """The organisation's links as the public view shows them (peacemap/public/links.py)."""
    return public_links.connections(organisation)


def related_organisations(organisation, limit=6):
    """Published organisations sharing networks, places or themes, best matches first: one
    query that scores and limits in the database (peacemap/public/related.py)."""
    return public_related.related_organisations(organisation, limit)


def home_counts():
    """Figures for the home page: published organisations, initiatives and countries."""
    organisations = db.session.scalar(
        select(func.count()).where(Organisation.status == PublicationStatus.PUBLISHED)
    )
    initiatives = db.session.scalar(
        select(func.count()).where(Initiative.publication == PublicationStatus.PUBLISHED)
    )
    return {"organisations": organisations, "initiatives": initiatives}


def countries_with_counts():
    """(country code, number of published organisations) for every country listed."""
    stmt = (
        select(Organisation.country, func.count())
        .where(Organisation.status == PublicationStatus.PUBLISHED)
        .group_by(Organisation.country)
        .order_by(func.count().desc(), Organisation.country)
    )
    return db.session.execute(stmt).all()


def recently_updated(limit=6):
    """The published organisations changed most recently."""
    stmt = (
        Organisation.published()
        .order_by(Organisation.updated_at.desc(), Organisation.id.desc())
        .limit(limit)
    )
    return db.session.scalars(stmt).all()


@dataclass(frozen=True)
class InitiativeFilters:
    """What a visitor narrowed the initiative list to."""

    q: str = ""
    country: str = ""
    theme: str = ""
    status: str = ""


def _initiative_conditions(filters):
    conditions = [Initiative.publication == PublicationStatus.PUBLISHED]
    if filters.q:
        pattern = like_pattern(filters.q.strip())
        conditions.append(
            or_(
                cast(Initiative.title, String).ilike(pattern, escape="\\"),
                cast(Initiative.summary, String).ilike(pattern, escape="\\"),
            )
        )
    if filters.country:
        in_country = (
            select(initiative_locations.c.initiative_id)
            .join(Location, Location.id == initiative_locations.c.location_id)
            .where(Location.country == filters.country)
        )
        conditions.append(Initiative.id.in_(in_country))
    if filters.theme:
        conditions.append(
            Initiative.id.in_(_with_theme(initiative_themes.c.initiative_id, filters.theme))
        )
    if filters.status:
        conditions.append(Initiative.status == filters.status)
    return conditions


def list_initiatives(filters, page, per_page):
    """One page of published initiatives, most recent first."""
    stmt = (
        select(Initiative)
        .where(*_initiative_conditions(filters))
        .order_by(Initiative.start_date.desc().nulls_last(), Initiative.id.desc())
    )
    return paginate(
        stmt,
        page,
        per_page,
        selectinload(Initiative.themes),
        selectinload(Initiative.roles).selectinload(InitiativeOrganisation.organisation),
    )


def initiative_countries():
    """Countries where published initiatives take place, for the filter."""
    stmt = (
        select(Location.country)
        .join(initiative_locations, initiative_locations.c.location_id == Location.id)
        .join(Initiative, Initiative.id == initiative_locations.c.initiative_id)
        .where(Initiative.publication == PublicationStatus.PUBLISHED)
        .distinct()
    )
    return sorted(db.session.scalars(stmt).all())


def get_published_initiative(slug):
    """The published initiative with its organisations, themes and places, or None."""
    stmt = (
        Initiative.published()
        .where(Initiative.slug == slug)
        .options(
            selectinload(Initiative.themes),
            selectinload(Initiative.locations),
            selectinload(Initiative.roles).selectinload(InitiativeOrganisation.organisation),
        )
    )
    return db.session.scalars(stmt).first()


def initiative_organisations(initiative):
    """{role: [Party]} as the public view shows them, in lead, partner, funder order."""
    return public_links.initiative_parties(initiative)


# Public names for the shared filter conditions (the API's exports use them too).
organisation_conditions = _organisation_conditions
initiative_conditions = _initiative_conditions


def other_names(org):
    """The organisation's other names as its profile lists them: without its own name or
    acronym (shown above them) and each once, whatever the case or spacing."""
    seen = {" ".join(name.split()).casefold() for name in (org.name, org.acronym) if name}
    names = []
    for name in org.alternate_names or []:
        key = " ".join(name.split()).casefold()
        if key and key not in seen:
            seen.add(key)
            names.append(name.strip())
    return names
