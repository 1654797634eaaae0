"""The review page's values as a moderator reads them: labels instead of codes, related
records by their names with links, and texts compared word by word.

Everything here returns plain strings, `Linked` items or lists of (op, text) pieces: the
template escapes every piece of it, so nothing a person typed is ever marked safe.
"""

import difflib
import re
from dataclasses import dataclass
from datetime import date

from flask import url_for
from flask_babel import format_date
from sqlalchemy import select

from peacemap.directory.services import theme_options
from peacemap.extensions import db
from peacemap.i18n import country_name
from peacemap.models import (
    InitiativeRole,
    InitiativeStatus,
    LinkVisibility,
    LocationPrecision,
    Organisation,
    OrganisationType,
    Sector,
)
from peacemap.records import TEXT_FIELDS, diff

CODED_FIELDS = {
    "type": OrganisationType,
    "location_precision": LocationPrecision,
    "status": InitiativeStatus,
}
DATE_FIELDS = ("start_date", "end_date")
# Words, runs of spaces and single signs: a diff of these reads like an editor's marks.
TOKENS = re.compile(r"\w+|\s+|[^\w\s]", re.UNICODE)


@dataclass(frozen=True)
class Linked:
    """A related record on the review page: its name, a link to it, a note after it."""

    text: str
    url: str | None = None
    note: str = ""


@dataclass(frozen=True)
class Row:
    """One line of the review table. For a changed text, `current` and `proposed` are lists
    of (op, text) pieces, op being "same", "del" or "ins" (`words` is then True)."""

    key: str
    label: object
    current: object
    proposed: object
    changed: bool
    words: bool = False


def rows(fields, current, proposed):
    """The review table comparing the published payload with the proposal."""
    names = _names(current, proposed)
    table = []
    for key, label, old, new, changed in diff(fields, current, proposed):
        field = key.split(".", 1)[0]
        if field in TEXT_FIELDS and changed and current:
            before, after = word_diff(old, new)
            table.append(Row(key, label, before, after, True, words=True))
            continue
        table.append(
            Row(
                key,
                label,
                display_value(field, old, names),
                display_value(field, new, names),
                changed,
            )
        )
    return table


def word_diff(old, new):
    """Two lists of (op, text) pieces: the published text with what the proposal removes
    ("del"), and the proposed text with what it adds ("ins")."""
    a, b = TOKENS.findall(old or ""), TOKENS.findall(new or "")
    before, after = [], []
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            before.append(("same", "".join(a[i1:i2])))
            after.append(("same", "".join(b[j1:j2])))
            continue
        if i2 > i1:
            before.append(("del", "".join(a[i1:i2])))
        if j2 > j1:
            after.append(("ins", "".join(b[j1:j2])))
    return before, after


def display_value(field, value, names=None):
    """A payload value as a moderator reads it: labels instead of codes, as plain text (a
    lazily translated label is a sequence to Jinja, which would list it letter by letter)."""
    names = names or {}
    if value in (None, "", [], {}):
        return value
    if field == "country":
        return str(country_name(value))
    if field in CODED_FIELDS:
        try:
            return str(CODED_FIELDS[field](value).label)
        except ValueError:
            return str(value)
    if field in DATE_FIELDS:
        try:
            return format_date(date.fromisoformat(value), "long")
        except (TypeError, ValueError):
            return str(value)
    if field == "places":
        return [_place(spec) if isinstance(spec, dict) else str(spec) for spec in value]
    if field == "themes":
        labels = {slug: str(label) for slug, label in theme_options()}
        return [labels.get(slug, slug) for slug in value]
    if field == "sectors":
        labels = {sector.value: str(sector.label) for sector in Sector}
        return [labels.get(code, code) for code in value]
    if field == "member_of":
        return [_linked(slug, names) for slug in value]
    if field == "member_of_visibility":
        return [_linked(slug, names, _shown(choice)) for slug, choice in sorted(value.items())]
    if field == "organisations":
        roles = {role.value: str(role.label) for role in InitiativeRole}
        return [
            _linked(
                item["slug"],
                names,
                _shown(item.get("visibility")),
                prefix=f"{roles.get(item['role'], item['role'])}: ",
            )
            for item in value
        ]
    return value


def _names(*payloads):
    """{slug: name} of every organisation the payloads link to, in one query."""
    slugs = set()
    for payload in payloads:
        payload = payload or {}
        slugs.update(payload.get("member_of") or [])
        slugs.update((payload.get("member_of_visibility") or {}).keys())
        slugs.update(item.get("slug") for item in payload.get("organisations") or [])
    slugs.discard(None)
    if not slugs:
        return {}
    found = db.session.execute(
        select(Organisation.slug, Organisation.name).where(Organisation.slug.in_(slugs))
    )
    return dict(found.all())


def _linked(slug, names, note="", prefix=""):
    """An organisation named by its name, linked to its moderator page (its slug when no
    record has it, unlinked)."""
    if slug not in names:
        return Linked(f"{prefix}{slug}", None, note)
    url = url_for("moderation.record", kind="organisations", slug=slug)
    return Linked(f"{prefix}{names[slug]}", url, note)


def _place(spec):
    """A proposed place as text: its name, its region and the P-codes it carries."""
    name = spec.get("name") or spec.get("geonameid") or "?"
    region = spec.get("admin1")
    codes = [str(code) for key, code in sorted(spec.items()) if key.endswith("pcode") and code]
    text = f"{name}, {region}" if region and region != name else str(name)
    return f"{text} ({', '.join(codes)})" if codes else text


def _shown(choice):
    """'(not shown)' after a link that is not public, for the review page."""
    try:
        visibility = LinkVisibility(choice or "public")
    except ValueError:
        return f"({choice})"
    return "" if visibility == LinkVisibility.PUBLIC else f"({visibility.label})"
