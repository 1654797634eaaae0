"""What the tracking page says of a submission: the record it is about and what was sent.

Only what the sender may see is shown: the fields they typed that a profile shows anyway.
Contacts, places and relationships are left out, because a moderator's edit on approval
stores the record's own (possibly private) values in the same payload.
"""

from babel.lists import format_list
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from peacemap.directory.services import theme_options
from peacemap.extensions import db
from peacemap.i18n import country_name
from peacemap.models import (
    Initiative,
    InitiativeStatus,
    Organisation,
    OrganisationType,
    PublicationStatus,
)

# The fields shown back, in order: each a profile shows anyway.
SHOWN = {
    "name": _l("Name"),
    "title": _l("Title"),
    "acronym": _l("Acronym"),
    "alternate_names": _l("Other names"),
    "type": _l("Type"),
    "status": _l("Status"),
    "country": _l("Country"),
    "founded_year": _l("Year founded"),
    "start_date": _l("Start date"),
    "end_date": _l("End date"),
    "summary": _l("Summary"),
    "description": _l("Description"),
    "themes": _l("Themes"),
    "website": _l("Website"),
    "why": _l("What changed and why"),
    "reason": _l("What is the problem?"),
    "message": _l("Message"),
}
CODED = {"type": OrganisationType, "status": InitiativeStatus}
REASONS = {
    "wrong_information": _l("This information is wrong"),
    "should_not_be_listed": _l("This group should not be listed"),
    "possible_duplicate": _l("Possible duplicate: same acronym, names differ"),
    "other": _l("Something else"),
}


def record_of(submission):
    """(kind, slug, name) of the published record a submission is about, or None (a record
    that was unpublished, hidden by its organisation say, is not named even to its sender)."""
    if submission.organisation_id:
        record = db.session.get(Organisation, submission.organisation_id)
        if record is None or record.status != PublicationStatus.PUBLISHED:
            return None
        return "organisation", record.slug, record.name
    if submission.initiative_id:
        record = db.session.get(Initiative, submission.initiative_id)
        if record is None or record.publication != PublicationStatus.PUBLISHED:
            return None
        texts = record.title or {}
        name = texts.get(get_locale().language) or next(iter(texts.values()), record.slug)
        return "initiative", record.slug, name
    return None


def sent(submission):
    """[(label, text)] of what was sent, as plain strings the template escapes."""
    payload = submission.payload or {}
    rows = []
    for field, label in SHOWN.items():
        value = _text(field, payload.get(field))
        if value:
            rows.append((str(label), value))
    return rows


def _text(field, value):
    if value in (None, "", [], {}):
        return None
    if field in CODED:
        try:
            return str(CODED[field](value).label)
        except ValueError:
            return str(value)
    if field == "reason":
        return str(REASONS.get(value, value))
    if field == "country":
        return str(country_name(value))
    if field == "themes":
        labels = {slug: str(label) for slug, label in theme_options()}
        return format_list([labels.get(slug, slug) for slug in value], locale=get_locale())
    if isinstance(value, dict):  # texts per language
        return "\n\n".join(text for text in value.values() if text)
    if isinstance(value, list):
        return "\n".join(str(item) for item in value)
    return str(value)
