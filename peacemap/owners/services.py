"""What an organisation can do with its own listing, and what moderators decide of it.
Services flush; views commit."""

import re
from datetime import timedelta

from flask import current_app
from sqlalchemy import and_, func, or_, select

from peacemap import audit, sealed
from peacemap.effects import after_commit
from peacemap.extensions import db
from peacemap.models import (
    AccessEvent,
    ConsentRecord,
    DoNotList,
    HiddenBy,
    Organisation,
    OwnerConsent,
    PublicationStatus,
    Relationship,
    RelationshipKind,
    Role,
)
from peacemap.models.base import utcnow
from peacemap.owners import notifications, tokens
from peacemap.places.gazetteer import fold
from peacemap.public import consent
from peacemap.search import service as search


def keyed_hash(value):
    """A blind index (HMAC-SHA256 under the index key, which key rotation leaves alone) of a
    normalised value: matches without keeping the value."""
    return sealed.blind(normalised(value), "register")


def normalised(value):
    """What a name, acronym, email or website is matched by: a website without its scheme,
    "www." or last slash; then lower case, without accents, spaces or punctuation."""
    text = re.sub(r"^https?://", "", (value or "").strip().lower()).removeprefix("www.")
    return fold(text.rstrip("/")).replace(" ", "")


def listed(org, wider_reason=None):
    """A new organisation published from a submission: shown at the protective choices until
    it confirms, unless a moderator wrote why wider is safe; its contact address gets an
    owner link, in the record's language."""
    consent.protect(org, wider_reason)
    if org.email:
        after_commit(notifications.owner_link, org.id, "listed")


def listed_by_import(org, actor=None, wider_reason=None):
    """A new organisation published from a third party's file (a 3W sheet): shown at the
    protective choices until it confirms, unless an admin gave the `wider_reason` why wider is
    safe, kept with the record and in a consent record, as a moderator's reason is."""
    consent.protect(org, wider_reason)
    if wider_reason:
        _keep_consent(org, moderator=actor, note=wider_reason)


def address_changed(org, old_address):
    """A moderated correction changed the contact address: the new one is not checked yet,
    links mailed to the old one end, and the old address is told."""
    org.contact_verified = False
    tokens.end_links(org)
    if old_address:
        after_commit(notifications.address_changed, org.id, old_address)


def looks(org):
    """How often its private contacts were seen, when last, and by which roles (no names)."""
    by_role = db.session.execute(
        select(AccessEvent.role, func.count(), func.max(AccessEvent.created_at))
        .where(AccessEvent.organisation_id == org.id)
        .group_by(AccessEvent.role)
    ).all()
    count = sum(seen for _role, seen, _last in by_role)
    last = max((seen_last for _role, _seen, seen_last in by_role), default=None)
    return count, last, sorted(str(Role(role).label) for role, _seen, _last in by_role)


def organisations_at(address):
    """The organisations whose contact address this is (published or hidden by their owner)."""
    wanted = (address or "").strip().lower()
    if "@" not in wanted:
        return []
    return db.session.scalars(
        select(Organisation).where(Organisation.email_index == sealed.blind_email(wanted))
    ).all()


def _reindex(org):
    after_commit(search.reindex, "organisation", org.id)


def _keep_consent(org, address=None, moderator=None, note=None, waiting=None):
    """A consent record of the organisation's choices as they now are: given from its address
    (kept as a keyed hash only), or through a moderator who says how."""
    choices = consent.choices(org) | ({"waiting": waiting} if waiting else {})
    db.session.add(
        ConsentRecord(
            organisation_id=org.id,
            basis=org.owner_consent,
            choices=choices,
            address_hash=keyed_hash(address) if address else None,
            moderator_id=getattr(moderator, "id", None),
            note=note,
        )
    )


def confirm(org, asked, address):
    """The organisation confirms its listing with the choices it `asked` for. What shows less
    takes effect at once; what shows more too when its address is its own (`may_widen`), else
    it waits for a moderator. Returns the part that waits ({} when none)."""
    before = audit.snapshot(org)
    consent.narrow(org, asked)
    wider = consent.widens(org, asked)
    if wider and consent.may_widen(org):
        consent.widen(org, wider)
        waiting = {}
    else:
        waiting = wider
    org.pending_choices = waiting or None
    first = org.owner_consent != OwnerConsent.CONFIRMED
    consent.confirm(org)
    _keep_consent(org, address=address, waiting=waiting)
    audit.changed(org, None, "confirmed" if first else "choices", before)
    _reindex(org)
    after_commit(notifications.owner_changed, org.id, "confirmed", bool(waiting))
    return waiting


def decide_pending(org, moderator, approve, note=None):
    """A moderator lets the waiting wider choices take effect, or declines them."""
    waiting = org.pending_choices or {}
    before = audit.snapshot(org)
    if approve:
        consent.widen(org, waiting)
    org.pending_choices = None
    _keep_consent(
        org,
        moderator=moderator,
        note=note or ("wider choices approved" if approve else "wider choices declined"),
    )
    audit.changed(
        org, moderator, f"choices_{'approved' if approve else 'declined'}", before, note=note
    )
    _reindex(org)


def confirm_through_moderator(org, moderator, how):
    """A group without a mailbox confirmed by phone or in person: the moderator says how."""
    before = audit.snapshot(org)
    consent.confirm(org)
    _keep_consent(org, moderator=moderator, note=how)
    audit.changed(org, moderator, "confirmed", before, note=how)
    _reindex(org)


def set_address_checked(org, checked, moderator):
    """A moderator records that the contact address is, or is not, the organisation's own."""
    org.contact_verified = checked
    audit.record(
        moderator,
        "organisation.address_checked",
        org,
        before={"contact_verified": not checked},
        after={"contact_verified": checked},
    )


def set_contact_form(org, on):
    """The organisation lets visitors write to it through its profile, or stops it."""
    before = {"contact_form": org.contact_form}
    org.contact_form = on
    audit.record(None, "organisation.contact_form", org, before=before, after={"contact_form": on})


def message_sent(org, message, reply_to=None):
    """Send a visitor's message on to the organisation (after commit); the log keeps that a
    message was sent, never its text nor who sent it."""
    audit.record(None, "organisation.message_sent", org)
    after_commit(notifications.visitor_message, org.id, message, reply_to)


def hide(org, by, note=None):
    """Take the listing off every public surface at once; moderators are told to check."""
    if org.hidden_at is not None:
        return False
    before = {"status": str(org.status)}
    org.status = PublicationStatus.UNPUBLISHED
    org.hidden_at, org.hidden_by = utcnow(), HiddenBy(by)
    if org.hidden_by == HiddenBy.OWNER:
        register(org)
    audit.record(
        None,
        "organisation.hidden",
        org,
        before=before,
        after={"status": str(org.status), "by": org.hidden_by.value},
        note=note or None,
    )
    _reindex(org)
    after_commit(notifications.owner_changed, org.id, "hidden", False)
    return True


def show_again(org, actor=None):
    """Bring a hidden listing back (its owner, or an admin as `actor`)."""
    if org.hidden_at is None:
        return False
    before = {"status": str(org.status), "by": org.hidden_by.value}
    org.status = PublicationStatus.PUBLISHED
    org.hidden_at = org.hidden_by = None
    unregister(org)
    audit.record(
        actor, "organisation.shown_again", org, before=before, after={"status": str(org.status)}
    )
    _reindex(org)
    after_commit(notifications.owner_changed, org.id, "shown_again", False)
    return True


# -- vouching by networks --------------------------------------------------------------------
def members_of(network):
    """The published organisations that declared themselves members of `network`."""
    return db.session.scalars(
        Organisation.published()
        .join(Relationship, Relationship.subject_id == Organisation.id)
        .where(
            Relationship.object_id == network.id,
            Relationship.kind == RelationshipKind.MEMBER_OF,
        )
        .order_by(func.lower(Organisation.name))
    ).all()


def expiry_from(start):
    """When a verification or a vouching made at `start` ends (VERIFICATION_YEARS on)."""
    return start + timedelta(days=round(365.25 * current_app.config["VERIFICATION_YEARS"]))


def vouch(member, network, coordinator):
    """The network vouches for its member, until VERIFICATION_YEARS from now."""
    before = {"vouched_by": member.vouched_by_id}
    member.vouched_by_id = network.id
    member.vouched_at = utcnow()
    member.vouch_expires_at = expiry_from(member.vouched_at)
    audit.record(
        coordinator, "organisation.vouched", member, before=before, after={"vouched_by": network.id}
    )
    _reindex(member)


def withdraw_vouch(member, network, coordinator):
    """The network no longer vouches for its member."""
    member.vouched_by_id = member.vouched_at = member.vouch_expires_at = None
    audit.record(
        coordinator,
        "organisation.vouch_withdrawn",
        member,
        before={"vouched_by": network.id},
        after={"vouched_by": None},
    )
    _reindex(member)


# -- the do-not-list register ------------------------------------------------------------------
def _identifying_values(name=None, acronym=None, email=None, website=None):
    values = [value for value in (name, acronym, email, website) if value and normalised(value)]
    return [keyed_hash(value) for value in values if len(normalised(value)) >= 3]


def register(org):
    """Keep keyed hashes of the organisation's name, acronym, email and website."""
    digests = _identifying_values(org.name, org.acronym, org.email, org.website)
    known = set(
        db.session.scalars(select(DoNotList.value_hash).where(DoNotList.value_hash.in_(digests)))
    )
    for digest in digests:
        if digest not in known:
            db.session.add(DoNotList(value_hash=digest))
            known.add(digest)


def unregister(org):
    hashes = _identifying_values(org.name, org.acronym, org.email, org.website)
    for entry in db.session.scalars(select(DoNotList).where(DoNotList.value_hash.in_(hashes))):
        db.session.delete(entry)


def on_do_not_list(payload):
    """Whether a proposed organisation matches one that asked to be taken off."""
    hashes = _identifying_values(
        payload.get("name"), payload.get("acronym"), payload.get("email"), payload.get("website")
    )
    if not hashes:
        return False
    return (
        db.session.scalar(
            select(func.count()).select_from(DoNotList).where(DoNotList.value_hash.in_(hashes))
        )
        > 0
    )


# -- freshness (`flask records remind`, daily) ---------------------------------------------------
def _months(count):
    return timedelta(days=round(30.44 * count))


def last_checked(org):
    """When someone last vouched for the listing: its owner, a moderator's check, or its
    publication."""
    dates = [org.owner_confirmed_at, org.verified_at, org.created_at]
    return max(date for date in dates if date is not None)


def remind(now=None):
    """Mail the owners of published listings not confirmed for REMIND_MONTHS (once per such
    period; listings never mailed, such as those published before owner links existed, are
    mailed now), and mark as stale those nobody confirmed or checked for STALE_MONTHS.
    Idempotent: a second run the same day does nothing. Returns (reminded, newly stale)."""
    now = now or utcnow()
    config = current_app.config
    remind_before = now - _months(config["REMIND_MONTHS"])
    stale_before = now - _months(config["STALE_MONTHS"])
    reminded = stale = 0
    # Only the listings something may be due for, not the whole directory: one never mailed or
    # not mailed since `remind_before`, one old enough to be stale, or one marked stale now.
    maybe_due = or_(
        and_(
            Organisation.email.is_not(None),
            or_(
                Organisation.owner_mailed_at.is_(None),
                Organisation.owner_mailed_at <= remind_before,
            ),
        ),
        Organisation.created_at <= stale_before,
        Organisation.stale_since.is_not(None),
    )
    candidates = Organisation.published().where(maybe_due).order_by(Organisation.id)
    for org in db.session.scalars(candidates):
        checked = last_checked(org)
        due = org.owner_mailed_at is None or (
            checked <= remind_before and org.owner_mailed_at <= remind_before
        )
        if org.email and due:
            org.owner_mailed_at = now  # (the mail sets it again when it goes)
            after_commit(notifications.owner_link, org.id, "reminder")
            reminded += 1
        if checked <= stale_before and org.stale_since is None:
            org.stale_since = now
            audit.record(None, "organisation.stale", org, after={"last_checked": str(checked)})
            stale += 1
        elif checked > stale_before and org.stale_since is not None:
            org.stale_since = None
    return reminded, stale
