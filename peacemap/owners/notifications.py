"""Mail about an organisation's own listing, sent after commit (effects.py): the owner link to
the organisation's contact address, and word to moderators when an owner acted."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from peacemap import mail
from peacemap.config import LANGUAGES
from peacemap.extensions import db
from peacemap.models import Organisation, User
from peacemap.models.base import utcnow
from peacemap.owners import tokens

SUBJECTS = {
    "listed": _l("PeaceMap: your organisation is listed - please check what is shown"),
    "reminder": _l("PeaceMap: is your organisation's listing still right?"),
    "link": _l("PeaceMap: your link to manage your listing"),
}


def _language(org):
    """The record's own language for its mail, French when it is none of the site's."""
    return org.language if org.language in LANGUAGES else "fr"


def owner_link(org_id, reason="link"):
    """Mail the organisation's contact address a new owner link: when its listing is
    published (`listed`), when it asks for one (`link`), or as a yearly `reminder`."""
    org = db.session.get(Organisation, org_id)
    if org is None or not org.email:
        return
    token = tokens.issue(org)
    org.owner_mailed_at = max(org.owner_mailed_at or utcnow(), utcnow())
    db.session.commit()  # the link must work before the mail can be read
    mail.send(
        mail.build(
            org.email,
            SUBJECTS[reason],
            f"owner_{reason}",
            _language(org),
            org=org,
            token=token,
        )
    )


def address_changed(org_id, old_address):
    """Tell the organisation's former contact address that the listing now has another one."""
    org = db.session.get(Organisation, org_id)
    if org is None:
        return
    mail.send(
        mail.build(
            old_address,
            _l("PeaceMap: the contact address of your listing was changed"),
            "owner_address_changed",
            _language(org),
            org=org,
        )
    )


def visitor_message(org_id, message, reply_to):
    """A visitor's message, as plain text, to the organisation's address (never shown)."""
    org = db.session.get(Organisation, org_id)
    if org is None or not org.email:
        return
    sent = mail.build(
        org.email,
        _l("PeaceMap: a message from a visitor"),
        "owner_visitor_message",
        _language(org),
        org=org,
        message=message,
        reply_to=reply_to,
    )
    if reply_to:
        sent["Reply-To"] = reply_to
    mail.send(sent)


def owner_changed(org_id, what, waiting):
    """Tell every active moderator that an organisation confirmed, hid or showed its listing
    (naming the record, never the address it acted from)."""
    org = db.session.get(Organisation, org_id)
    if org is None:
        return
    for user in db.session.scalars(select(User).where(User.active.is_(True))):
        mail.send(
            mail.build(
                user.email,
                _l("PeaceMap: an organisation changed its listing"),
                "moderator_owner_changed",
                "en",
                org=org,
                what=what,
                waiting=waiting,
            )
        )
