"""The owner pages (/<lang>/owner) and the "this listing puts us in danger" request."""

from flask import (
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _

from peacemap.effects import after_commit
from peacemap.extensions import db, limiter
from peacemap.models import Organisation, OwnerConsent
from peacemap.owners import forms, notifications, services, tokens
from peacemap.owners.blueprint import bp
from peacemap.public import consent, crisis
from peacemap.public import view as public_view


def link_limit():
    return current_app.config["OWNER_LINK_RATE_LIMIT"]


def link_limit_per_address():
    return current_app.config["OWNER_LINK_RATE_LIMIT_PER_ADDRESS"]


def _address_asked_for():
    """The address a link is asked for (so that no one floods one mailbox from many places)."""
    return "owner-link:" + request.form.get("ask-email", "").strip().lower()[:254]


def danger_limit():
    return current_app.config["DANGER_RATE_LIMIT"]


def write_limit():
    return current_app.config["WRITE_RATE_LIMIT"]


def write_limit_per_organisation():
    return current_app.config["WRITE_RATE_LIMIT_PER_ORGANISATION"]


def _organisation_written_to():
    return "write:" + (request.view_args or {}).get("slug", "")


def _owner_page(org, status=200, **forms_given):
    context = {
        "org": org,
        "choices_form": forms_given.get("choices_form") or forms.choices_form(org),
        "hide_form": forms.ButtonForm(prefix="hide"),
        "show_form": forms.ButtonForm(prefix="show"),
        "sign_out_form": forms.ButtonForm(prefix="out"),
        "contact_form": forms.ContactFormChoice(prefix="contact", contact_form=org.contact_form),
        "vouch": public_view.vouching(org),
        "looks": services.looks(org),
        "crisis_areas": crisis.areas_of(org),
    }
    return render_template("owners/owner.html", **context), status


@bp.get("/owner")
def home():
    """The organisation's own page in an owner session; else the form that mails a link."""
    org = tokens.current()
    if org is None:
        return render_template("owners/ask.html", form=forms.LinkRequestForm(prefix="ask"))
    return _owner_page(org)


@bp.post("/owner")
@limiter.limit(link_limit)
@limiter.limit(link_limit_per_address, key_func=_address_asked_for)
def ask():
    """Mail an owner link to the address, if it is an organisation's: the answer is the same
    whether it is or not."""
    form = forms.LinkRequestForm(prefix="ask")
    if not form.validate_on_submit():
        return render_template("owners/ask.html", form=form), 400
    for org in services.organisations_at(form.email.data):
        after_commit(notifications.owner_link, org.id, "link")
    db.session.commit()
    return render_template("owners/sent.html")


@bp.get("/owner/<token>")
@limiter.limit(link_limit)
def redeem(token):
    """Exchange a mailed link for a short owner session (the link is then used up)."""
    org = tokens.redeem(token)
    if org is None:
        form = forms.LinkRequestForm(prefix="ask")
        return render_template("owners/ask.html", form=form, link_unusable=True)
    tokens.open_session(org)
    db.session.commit()
    return redirect(url_for(".home"), 303)


def _owner_or_start_again():
    org = tokens.current()
    if org is None:
        flash(_("Your owner session has ended: ask for a new link."))
    return org


@bp.post("/owner/confirm")
def confirm():
    """Confirm the listing with the choices made on the owner page."""
    org = _owner_or_start_again()
    if org is None:
        return redirect(url_for(".home"), 303)
    form = forms.choices_form(org, formdata=request.form)
    if not form.validate_on_submit():
        return _owner_page(org, 400, choices_form=form)
    waiting = services.confirm(org, form.asked(), org.email)
    db.session.commit()
    if waiting:
        flash(
            _(
                "Thank you: your listing is confirmed. What shows less took effect at once; "
                "what shows more waits for a moderator, who checks that this address is yours."
            )
        )
    else:
        flash(_("Thank you: your listing is confirmed and shows what you chose."))
    return redirect(url_for(".home"), 303)


def _button(prefix, act, message):
    """An owner page's button: in a live owner session, with its CSRF token, `act(org)`."""
    org = _owner_or_start_again()
    if org is None:
        return redirect(url_for(".home"), 303)
    if not forms.ButtonForm(prefix=prefix).validate_on_submit():
        abort(400)
    act(org)
    db.session.commit()
    flash(message)
    return redirect(url_for(".home"), 303)


@bp.post("/owner/hide")
def hide():
    """Hide us now: the listing leaves every public page, list, map, search and export."""
    return _button(
        "hide",
        lambda org: services.hide(org, "owner"),
        _("Your listing is hidden. Nobody can see it on PeaceMap any more."),
    )


@bp.post("/owner/show")
def show():
    """Bring the hidden listing back."""
    return _button("show", services.show_again, _("Your listing is shown again."))


@bp.post("/owner/contact-form")
def contact_form():
    """Turn the contact form of the profile on or off (once the listing is confirmed)."""
    org = _owner_or_start_again()
    if org is None:
        return redirect(url_for(".home"), 303)
    form = forms.ContactFormChoice(prefix="contact")
    if not form.validate_on_submit() or org.owner_consent != OwnerConsent.CONFIRMED:
        abort(400)
    services.set_contact_form(org, bool(form.contact_form.data))
    db.session.commit()
    flash(_("Saved."))
    return redirect(url_for(".home"), 303)


@bp.post("/owner/sign-out")
def sign_out():
    """End the owner session in this browser."""
    tokens.close_session()
    return redirect(url_for(".home"), 303)


@bp.route("/organisations/<slug>/danger", methods=["GET", "POST"])
@limiter.limit(danger_limit, methods=["POST"])
def danger(slug):
    """A "this listing puts us in danger" request: hidden at once, checked by moderators after."""
    org = db.session.scalar(Organisation.published().where(Organisation.slug == slug))
    if org is None:
        abort(404)
    form = forms.DangerForm(prefix="danger")
    if not form.validate_on_submit():
        status = 400 if request.method == "POST" else 200
        return render_template("owners/danger.html", org=org, form=form), status
    services.hide(org, "danger_request", note=form.reason.data)
    db.session.commit()
    return render_template("owners/hidden.html")


@bp.route("/organisations/<slug>/write", methods=["GET", "POST"])
@limiter.limit(write_limit, methods=["POST"])
@limiter.limit(write_limit_per_organisation, key_func=_organisation_written_to, methods=["POST"])
def write(slug):
    """Write to an organisation that takes messages; its address is never shown."""
    org = db.session.scalar(Organisation.published().where(Organisation.slug == slug))
    if org is None or not consent.takes_messages(org):
        abort(404)
    form = forms.WriteForm(prefix="write")
    if not form.validate_on_submit():
        status = 400 if request.method == "POST" else 200
        return render_template("owners/write.html", org=org, form=form), status
    if not form.homepage.data:  # (a bot fills the hidden field: it is told all went well)
        reply_to = form.reply_to.data.strip() if form.share_reply_to.data else None
        services.message_sent(org, form.message.data, reply_to or None)
        db.session.commit()
    return render_template("owners/written.html", org=org)
