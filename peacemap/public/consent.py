"""The organisation's say over what the public sees of it: its choices, the protective ones, and
which of a change narrows (at once) or widens (with the right grounds only).

An organisation's choices are the settings of the public view: how precisely it is located,
whether its contacts are shown, and how its own relationships (the networks it belongs to, its
partners and funders) name the other side. Until it confirms its listing, one that a third
party sent is shown at the most protective choices (`protective`), unless a moderator wrote
why wider is safe. Narrowing always takes effect at once; widening takes effect at once only
with grounds (`may_widen`), else it waits for a moderator.
"""

from dataclasses import dataclass

from peacemap.models import LinkVisibility, LocationPrecision, OwnerConsent
from peacemap.models.base import utcnow

PROTECTIVE_PLACES_AND_CONTACTS = {
    "location_precision": LocationPrecision.COUNTRY.value,
    "contacts_public": False,
}
LEGACY_NOTE = "published from public sources before owner confirmation existed"


@dataclass(frozen=True)
class Confirmation:
    """That the organisation itself confirmed its listing, and when (for its profile)."""

    confirmed_at: object


def confirmation(org):
    """The organisation's own confirmation of its listing, or None."""
    if org.owner_consent != OwnerConsent.CONFIRMED or org.owner_confirmed_at is None:
        return None
    return Confirmation(org.owner_confirmed_at)


def takes_messages(org):
    """Whether visitors may write to the organisation through its profile: it turned the
    contact form on, after confirming its listing, and has an address to receive them."""
    return bool(org.contact_form and org.owner_consent == OwnerConsent.CONFIRMED and org.email)


def choices(org):
    """The organisation's choices as they are: precision, contacts, and for each of its own
    relationships ({link id: choice}) how it names the other side."""
    return {
        "location_precision": LocationPrecision(org.location_precision).value,
        "contacts_public": bool(org.contacts_public),
        "links": {str(link.id): LinkVisibility(link.visibility).value for link in org.outgoing},
    }


def _shows_more(a, b):
    """Whether choice `a` shows more than `b`: both of one enum, declared widest first."""
    members = list(type(b))
    return members.index(type(b)(a)) < members.index(b)


def narrow(org, asked):
    """Apply what in `asked` shows less than now and leave the rest; returns whether anything
    changed. `asked` has the keys of `choices`, any of them may be missing."""
    changed = False
    if "location_precision" in asked:
        asked_precision = LocationPrecision(asked["location_precision"])
        if _shows_more(org.location_precision, asked_precision):
            org.location_precision, changed = asked_precision, True
    if "contacts_public" in asked and org.contacts_public and not asked["contacts_public"]:
        org.contacts_public, changed = False, True
    for link in _links(org, asked):
        asked_link = LinkVisibility(asked["links"][str(link.id)])
        if _shows_more(link.visibility, asked_link):
            link.visibility, changed = asked_link, True
    return changed


def widens(org, asked):
    """The part of `asked` that would show more than now ({} when nothing would)."""
    wider = {}
    precision = asked.get("location_precision")
    if precision and _shows_more(precision, LocationPrecision(org.location_precision)):
        wider["location_precision"] = LocationPrecision(precision).value
    if asked.get("contacts_public") and not org.contacts_public:
        wider["contacts_public"] = True
    links = {
        str(link.id): LinkVisibility(asked["links"][str(link.id)]).value
        for link in _links(org, asked)
        if _shows_more(asked["links"][str(link.id)], LinkVisibility(link.visibility))
    }
    if links:
        wider["links"] = links
    return wider


def widen(org, asked):
    """Apply `asked` as it is (with grounds: the owner's checked address, or a moderator)."""
    if "location_precision" in asked:
        org.location_precision = LocationPrecision(asked["location_precision"])
    if "contacts_public" in asked:
        org.contacts_public = bool(asked["contacts_public"])
    for link in _links(org, asked):
        link.visibility = LinkVisibility(asked["links"][str(link.id)])


def _links(org, asked):
    """The organisation's own relationships that `asked` has a choice for."""
    wanted = asked.get("links") or {}
    return [link for link in org.outgoing if str(link.id) in wanted]


def protective(org):
    """The protective choices for this organisation (its links as unnamed at the most)."""
    return {
        **PROTECTIVE_PLACES_AND_CONTACTS,
        "links": {str(link.id): LinkVisibility.UNNAMED.value for link in org.outgoing},
    }


def may_widen(org):
    """Whether a confirmation from the organisation's address may widen at once: only when the
    organisation gave that address itself, or a moderator checked it."""
    return bool(org.contact_verified)


def protect(org, reason=None):
    """A listing its organisation has not confirmed: shown at the protective choices, or as
    sent when a moderator gives the `reason` why wider is safe (kept with the record). A
    listing already confirmed, or shown from public sources, is left as it is."""
    if org.owner_consent not in (None, OwnerConsent.UNCONFIRMED):
        return
    if reason:
        org.owner_consent, org.consent_note = OwnerConsent.PUBLIC_SOURCES, reason
        return
    org.owner_consent = OwnerConsent.UNCONFIRMED
    narrow(org, protective(org))


def confirm(org):
    """The organisation confirmed its listing (its choices are applied by the caller)."""
    org.owner_consent = OwnerConsent.CONFIRMED
    org.owner_confirmed_at = utcnow()
