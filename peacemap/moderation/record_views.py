"""Moderators' pages of records: every record, one record's publication, verification, texts
and revisions, its erasure (admins), and the audit log."""

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from peacemap import audit, kinds
from peacemap.accounts.access import admin_required, moderator_required
from peacemap.extensions import db
from peacemap.models import (
    AccessEvent,
    AuditEvent,
    Initiative,
    LocationPrecision,
    Organisation,
    Revision,
    Role,
)
from peacemap.moderation import erasure, forms
from peacemap.moderation import services as moderation
from peacemap.moderation.blueprint import bp
from peacemap.owners import services as owners
from peacemap.pagination import paginate
from peacemap.public import crisis
from peacemap.records import TEXT_FIELDS

RECORD_MODELS = {plural: kind.model for plural, kind in kinds.BY_PLURAL.items()}


def _newest_first(model, loaded):
    """A page (from ?page=) of a log's events, newest first, 50 to a page."""
    form = forms.QueueFilterForm(request.args)
    number = form.page.data if form.validate() and form.page.data else 1
    stmt = select(model).order_by(model.created_at.desc(), model.id.desc())
    return paginate(stmt, number, 50, selectinload(loaded))


@bp.get("/audit")
@moderator_required
def audit_log():
    """Every change of state or record, newest first."""
    page = _newest_first(AuditEvent, AuditEvent.actor)
    return render_template("moderation/audit.html", page=page)


@bp.get("/access")
@admin_required
def access_log():
    """Who saw which organisation's private contacts, and when (admins only)."""
    page = _newest_first(AccessEvent, AccessEvent.user)
    names = dict(
        db.session.execute(
            select(Organisation.id, Organisation.name).where(
                Organisation.id.in_({event.organisation_id for event in page.items})
            )
        ).all()
    )
    return render_template("moderation/access.html", page=page, names=names)


@bp.get("/records")
@moderator_required
def records():
    """All organisations and initiatives, published or not; `?stale=1`: only the organisations
    that may be out of date."""
    stale_only = request.args.get("stale") == "1"
    stmt = select(Organisation).order_by(Organisation.name)
    if stale_only:
        stmt = stmt.where(Organisation.stale_since.is_not(None))
    organisations = db.session.scalars(stmt).all()
    initiatives = db.session.scalars(select(Initiative).order_by(Initiative.slug)).all()
    return render_template(
        "moderation/records.html",
        organisations=organisations,
        initiatives=[] if stale_only else initiatives,
        stale_only=stale_only,
    )


def _record_or_404(kind, slug):
    model = RECORD_MODELS.get(kind)
    record = model and db.session.scalar(select(model).where(model.slug == slug))
    if record is None:
        abort(404)
    return record


@bp.get("/<any(organisations, initiatives):kind>/<slug>")
@moderator_required
def record(kind, slug):
    """A record's moderation page: publication, verification, revision history."""
    obj = _record_or_404(kind, slug)
    page = render_template(
        "moderation/record.html",
        kind=kind,
        record=obj,
        texts_form=_texts_form(kind, obj),
        revisions=audit.revisions(obj),
        verify_form=forms.VerifyForm(
            prefix="verify", level=str(getattr(obj, "verification_level", "none"))
        ),
        publication_form=forms.PublicationForm(prefix="publication"),
        rollback_form=forms.ConfirmForm(prefix="rollback"),
        owner_form=forms.OwnerForm(
            prefix="owner", address_checked=getattr(obj, "contact_verified", False)
        ),
        pending_form=forms.PendingForm(prefix="pending"),
        precisions={member.value: member.label for member in LocationPrecision},
        crisis_areas=crisis.areas_of(obj),
    )
    if isinstance(obj, Organisation):
        audit.looked(current_user, obj, "record")  # its revisions show its private contacts
        db.session.commit()
    return page


def _texts_form(kind, record, formdata=None):
    fields = ("summary", "description") if kind == "organisations" else TEXT_FIELDS
    return forms.translations_form(
        fields, current_app.config["LANGUAGES"], formdata=formdata, record=record
    )


@bp.post("/<any(organisations, initiatives):kind>/<slug>/texts")
@moderator_required
def texts(kind, slug):
    """Add, review or correct a record's texts in every language."""
    obj = _record_or_404(kind, slug)
    form = _texts_form(kind, obj, formdata=request.form)
    if not form.validate_on_submit():
        abort(400)
    moderation.set_texts(
        obj,
        {
            name: {field.render_kw["lang"]: field.data for field in fields}
            for name, fields in form.text_fields
        },
        current_user,
    )
    db.session.commit()
    flash(_("Texts saved."))
    return redirect(url_for(".record", kind=kind, slug=slug))


@bp.post("/organisations/<slug>/verify")
@moderator_required
def verify(slug):
    """Set the verification level, recording who and when."""
    org = _record_or_404("organisations", slug)
    form = forms.VerifyForm(prefix="verify")
    if not form.validate_on_submit():
        abort(400)
    moderation.verify(org, form.level.data, current_user, form.note.data)
    db.session.commit()
    flash(_("Verification updated."))
    return redirect(url_for(".record", kind="organisations", slug=slug))


@bp.post("/<any(organisations, initiatives):kind>/<slug>/publication")
@moderator_required
def publication(kind, slug):
    """Unpublish or republish."""
    obj = _record_or_404(kind, slug)
    form = forms.PublicationForm(prefix="publication")
    if not form.validate_on_submit():
        abort(400)
    if getattr(obj, "hidden_at", None) is not None:
        # Hidden at once by its owner or a danger request: only an admin brings it back.
        if current_user.role != Role.ADMIN:
            abort(403)
        owners.show_again(obj, actor=current_user)
    else:
        moderation.set_published(obj, not obj.is_published, current_user, form.note.data)
    db.session.commit()
    flash(_("Published.") if obj.is_published else _("Unpublished."))
    return redirect(url_for(".record", kind=kind, slug=slug))


@bp.post("/<any(organisations, initiatives):kind>/<slug>/rollback/<int:number>")
@moderator_required
def rollback(kind, slug, number):
    """Restore an earlier revision."""
    obj = _record_or_404(kind, slug)
    if not forms.ConfirmForm(prefix="rollback").validate_on_submit():
        abort(400)
    revision = db.session.scalar(
        select(Revision).where(
            Revision.object_type == kinds.of(obj).name,
            Revision.object_id == obj.id,
            Revision.number == number,
        )
    )
    if revision is None:
        abort(404)
    moderation.rollback(obj, revision, current_user)
    db.session.commit()
    flash(_("Revision %(number)s restored.", number=number))
    return redirect(url_for(".record", kind=kind, slug=obj.slug))


@bp.post("/organisations/<slug>/owner")
@moderator_required
def owner(slug):
    """Record that the contact address was checked, or a consent given through a moderator."""
    org = _record_or_404("organisations", slug)
    form = forms.OwnerForm(prefix="owner")
    if not form.validate_on_submit():
        abort(400)
    if bool(form.address_checked.data) != org.contact_verified:
        owners.set_address_checked(org, bool(form.address_checked.data), current_user)
    if (form.how.data or "").strip():
        owners.confirm_through_moderator(org, current_user, form.how.data.strip())
    db.session.commit()
    flash(_("Saved."))
    return redirect(url_for(".record", kind="organisations", slug=slug))


@bp.post("/organisations/<slug>/pending")
@moderator_required
def pending(slug):
    """Let the organisation's wider choices take effect, or decline them."""
    org = _record_or_404("organisations", slug)
    form = forms.PendingForm(prefix="pending")
    if not form.validate_on_submit() or not org.pending_choices:
        abort(400)
    owners.decide_pending(org, current_user, form.decision.data == "approve", form.note.data)
    db.session.commit()
    flash(_("Decision saved."))
    return redirect(url_for(".record", kind="organisations", slug=slug))


@bp.route("/<any(organisations, initiatives):kind>/<slug>/erase", methods=["GET", "POST"])
@admin_required
def erase(kind, slug):
    """Erase a record for good, once the admin has typed its slug again."""
    obj = _record_or_404(kind, slug)
    form = forms.EraseForm(prefix="erase")
    if request.method == "GET" or not form.validate_on_submit():
        return _erase_page(kind, obj, form, 200 if request.method == "GET" else 400)
    if form.slug.data.strip() != obj.slug:
        form.slug.errors.append(_("This is not the record's slug: nothing was erased."))
        return _erase_page(kind, obj, form, 400)
    erased = erasure.erase(obj, actor=current_user)
    db.session.commit()
    if erasure.finish(erased):
        flash(_("Erased. Some storage could not be compacted: the server log says which."))
    else:
        flash(_("Erased: the record, its revisions and its submissions are gone for good."))
    return redirect(url_for(".records"))


def _erase_page(kind, obj, form, status):
    submissions = erasure.submissions_about(obj)
    page = render_template(
        "moderation/erase.html",
        kind=kind,
        record=obj,
        form=form,
        revisions=len(audit.revisions(obj)),
        submissions=submissions,
    )
    return page, status
