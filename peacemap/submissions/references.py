"""Organisations named in a form (its networks; an initiative's leads, partners and funders).

A site with thousands of organisations cannot list them all in a select: the page would weigh
megabytes. People type them one per line instead, by name, acronym or address name, and the
server matches each line to one published organisation. The type-ahead (static/js/pickers.js,
fed by `suggest`) writes lines as "Name (address-name)", which always match exactly.
"""

import re

from sqlalchemy import func, or_

from peacemap.extensions import db
from peacemap.models import Organisation, OrganisationType

# "West Africa Network for Peacebuilding (wanep)": a name followed by its address name.
WITH_SLUG = re.compile(r"^(?P<name>.*?)\s*\((?P<slug>[a-z0-9][a-z0-9-]{0,199})\)$")
SUGGESTIONS = 10


def _published(networks_only):
    stmt = Organisation.published()
    if networks_only:
        stmt = stmt.where(Organisation.type == OrganisationType.NETWORK)
    return stmt


def line_for(org):
    """The line that names `org` unambiguously."""
    return f"{org.name} ({org.slug})"


def lines_for(slugs):
    """Lines for organisations known by their slugs, in the given order (unknown slugs as is)."""
    if not slugs:
        return []
    stmt = Organisation.published().where(Organisation.slug.in_(list(slugs)))
    found = {org.slug: line_for(org) for org in db.session.scalars(stmt)}
    return [found.get(slug, slug) for slug in slugs]


def resolve(line, networks_only=False):
    """Published organisations `line` names: one when it is unambiguous, several when a name
    or acronym is shared, none when nothing matches."""
    written = WITH_SLUG.match(line)
    if written:
        found = db.session.scalars(
            _published(networks_only).where(Organisation.slug == written["slug"])
        ).all()
        if found:
            return found
        line = written["name"]
    lowered = line.lower()
    stmt = (
        _published(networks_only)
        .where(
            or_(
                Organisation.slug == lowered,
                func.lower(Organisation.name) == lowered,
                func.lower(Organisation.acronym) == lowered,
            )
        )
        .order_by(Organisation.name)
        .limit(5)
    )
    return db.session.scalars(stmt).all()


def suggest(query, networks_only=False, limit=SUGGESTIONS):
    """Published organisations whose name or acronym starts with `query`, or whose name has a
    word starting with it; by name."""
    pattern = _like(query.strip().lower())
    stmt = (
        _published(networks_only)
        .where(
            or_(
                func.lower(Organisation.name).like(f"{pattern}%", escape="\\"),
                func.lower(Organisation.acronym).like(f"{pattern}%", escape="\\"),
                func.lower(Organisation.name).like(f"% {pattern}%", escape="\\"),
            )
        )
        .order_by(Organisation.name)
        .limit(limit)
    )
    return db.session.scalars(stmt).all()


def _like(text):
    """`text` with LIKE's wildcards escaped."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
