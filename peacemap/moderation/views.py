"""Moderators' queue, the review of a submission and the decisions on it."""

from datetime import timedelta

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, select

from peacemap import audit
from peacemap.accounts.access import moderator_required
from peacemap.directory.services import theme_options
from peacemap.extensions import db
from peacemap.models import (
    LinkVisibility,
    Organisation,
    Submission,
    SubmissionKind,
    SubmissionState,
)
from peacemap.models.base import utcnow
from peacemap.moderation import display, forms
from peacemap.moderation import services as moderation
from peacemap.moderation.blueprint import bp
from peacemap.moderation.duplicates import likely_duplicates
from peacemap.moderation.services import from_import
from peacemap.pagination import paginate
from peacemap.records import INITIATIVE_FIELDS, ORGANISATION_FIELDS

ApproveOrganisationForm, ApproveInitiativeForm = forms.approve_form_classes()
BULK_BATCH = 20  # submissions decided per request of a bulk decision: each stays well under 2 s
BULK_LIMIT = 2000  # submissions one bulk decision may carry from page to page
OPEN = (SubmissionState.PENDING, SubmissionState.CHANGES_REQUESTED)


def _submission_or_404(submission_id):
    submission = db.session.get(Submission, submission_id)
    if submission is None:
        abort(404)
    return submission


@bp.get("/")
@moderator_required
def queue():
    """The submissions waiting for a decision, filterable by kind, state and age."""
    form = forms.QueueFilterForm(request.args)
    if not form.validate():
        abort(400)
    size = current_app.config["PAGE_SIZE"]
    page = paginate(_filtered(form, select(Submission)), form.page.data or 1, size)
    counts = dict(
        db.session.execute(select(Submission.state, func.count()).group_by(Submission.state)).all()
    )
    undecided = select(func.count()).select_from(
        _filtered(form, select(Submission.id)).where(Submission.state.in_(OPEN)).subquery()
    )
    return render_template(
        "moderation/queue.html",
        form=form,
        page=page,
        counts=counts,
        bulk_form=forms.BulkForm(),
        undecided=db.session.scalar(undecided),
        bulk_batch=BULK_BATCH,
    )


def _filtered(form, stmt):
    """`stmt` (of submissions) under the queue's filters, in the queue's order."""
    if form.kind.data:
        stmt = stmt.where(Submission.kind == form.kind.data)
    if form.state.data == "open":
        stmt = stmt.where(Submission.state.in_(OPEN))
    elif form.state.data:
        stmt = stmt.where(Submission.state == form.state.data)
    if form.age.data:
        stmt = stmt.where(Submission.created_at < utcnow() - timedelta(days=int(form.age.data)))
    # What organisations send about their own listing comes first.
    return stmt.order_by(Submission.from_owner.desc(), Submission.created_at, Submission.id)


@bp.post("/bulk")
@moderator_required
def bulk():
    """Approve or reject the ticked submissions, BULK_BATCH at a time: the answer lists what
    remains and the proposals held back for likely duplicates, with a button for the next
    batch (no request runs long, and no JavaScript is needed)."""
    form = forms.BulkForm()
    if form.validate_on_submit() and form.everything.data:
        # Every open submission the queue's filters show, not only the ticked ones.
        filters = forms.QueueFilterForm(request.form)
        if filters.validate():
            stmt = _filtered(filters, select(Submission.id)).where(Submission.state.in_(OPEN))
            form.ids.data = [*form.ids.data, *db.session.scalars(stmt.limit(BULK_LIMIT))]
    if not form.validate_on_submit() or not (form.ids.data or form.confirmed.data):
        flash(_("Tick at least one submission."), "error")
        return redirect(url_for(".queue"))
    if form.action.data == "reject" and not (form.note.data or "").strip():
        flash(_("Give a reason to reject."), "error")
        return redirect(url_for(".queue"))
    confirmed = list(dict.fromkeys(form.confirmed.data))
    wanted = list(dict.fromkeys([*form.ids.data, *confirmed]))[:BULK_LIMIT]
    batch, rest = wanted[:BULK_BATCH], wanted[BULK_BATCH:]
    found = {
        s.id: s for s in db.session.scalars(select(Submission).where(Submission.id.in_(batch)))
    }
    result = moderation.bulk(
        [found[i] for i in batch if i in found],
        form.action.data,
        current_user,
        form.note.data,
        confirmed=set(confirmed),
    )
    db.session.commit()
    message = _(
        "%(done)s done, %(skipped)s skipped (already decided).",
        done=result.done,
        skipped=result.skipped,
    )
    if not rest and not result.refused:
        flash(message)
        return redirect(url_for(".queue"))
    total = max(form.total.data or 0, len(wanted))
    follow = forms.BulkForm(formdata=None, action=form.action.data, note=form.note.data)
    return render_template(
        "moderation/bulk.html",
        message=message,
        refused=result.refused,
        rest=rest,
        total=total,
        batch=BULK_BATCH,
        form=follow,
    )


def _approve_form(submission, formdata=None, proposal=None):
    """The editable approval form, filled with the proposal (or the posted edit)."""
    if submission.kind == SubmissionKind.REPORT:
        return forms.NoteForm(formdata=formdata, prefix="approve")
    if moderation.is_initiative_submission(submission):
        form = ApproveInitiativeForm(formdata=formdata, prefix="approve", themes=theme_options())
    else:
        form = ApproveOrganisationForm(formdata=formdata, prefix="approve", themes=theme_options())
    if formdata is None:
        form.fill(proposal if proposal is not None else moderation.proposal(submission))
    return form


def _review(submission, status=200, **forms_given):
    """Render the review page: proposal, diff, duplicates, decision forms."""
    target = moderation.target_of(submission)
    fields = (
        INITIATIVE_FIELDS
        if moderation.is_initiative_submission(submission)
        else (ORGANISATION_FIELDS)
    )
    rows = []
    proposal = moderation.proposal(submission)  # once: a correction's costs a record payload
    if "sectors" in (proposal or {}) and "sectors" not in fields:
        fields = {**fields, "sectors": _l("Sectors")}
    if submission.kind != SubmissionKind.REPORT:
        current = moderation.current_payload(target) if target is not None else {}
        rows = display.rows(fields, current, proposal)
    duplicates = []
    if submission.kind == SubmissionKind.NEW_ORGANISATION:
        duplicates = likely_duplicates(submission.payload, exclude_id=submission.organisation_id)
    context = {
        "reject_form": forms.RejectForm(prefix="reject"),
        "changes_form": forms.ChangesForm(prefix="changes"),
        "spam_form": forms.ConfirmForm(prefix="spam"),
        "merge_form": forms.MergeForm(prefix="merge"),
    }
    context.update(forms_given)
    if "approve_form" not in context:
        context["approve_form"] = _approve_form(submission, proposal=proposal)
    return render_template(
        "moderation/review.html",
        submission=submission,
        target=target,
        rows=rows,
        duplicates=duplicates,
        is_open=submission.state in moderation.TRANSITIONS,
        imported=from_import(submission),
        **context,
    ), status


@bp.get("/<int:submission_id>")
@moderator_required
def review(submission_id):
    """A submission as a field-by-field diff, with likely duplicates and the decisions."""
    submission = _submission_or_404(submission_id)
    page = _review(submission)
    target = moderation.target_of(submission)
    if isinstance(target, Organisation):
        audit.looked(current_user, target, "review")  # the diff shows its private contacts
        db.session.commit()
    return page


def _decided(submission, message):
    db.session.commit()
    flash(message)
    return redirect(url_for(".review", submission_id=submission.id))


@bp.post("/<int:submission_id>/approve")
@moderator_required
def approve(submission_id):
    """Publish the proposal, as edited on the review page."""
    submission = _submission_or_404(submission_id)
    form = _approve_form(submission, formdata=request.form)
    if not form.validate_on_submit():
        return _review(submission, 400, approve_form=form)
    payload = form.payload() if hasattr(form, "payload") else None
    if payload is not None:
        changed = _keep_link_choices(moderation.proposal(submission), form, payload)
        if changed and not (form.note.data or "").strip():
            form.note.errors.append(
                _("Say in the note why these relationships are shown differently.")
            )
            return _review(submission, 400, approve_form=form)
    try:
        record = moderation.approve(
            submission,
            current_user,
            payload,
            form.note.data,
            wider_reason=getattr(form, "wider_reason", None) and form.wider_reason.data,
            override=getattr(form, "register_override", None) and form.register_override.data,
        )
    except moderation.NotToBeListed as refused:
        db.session.rollback()
        form.note.errors.append(str(refused))
        return _review(submission, 400, approve_form=form)
    if record is None:
        return _decided(submission, _("Report marked as handled."))
    return _decided(submission, _("Approved and published."))


def _keep_link_choices(proposal, form, payload):
    """The approval form has one choice per group of relationships; where the moderator left
    it as filled in, each relationship keeps the proposal's own choice (new lines take the
    group's). Returns whether the moderator changed a group's choice (which needs a reason)."""
    changed = False
    if "member_of" in payload:
        before = proposal.get("member_of_visibility") or {}
        filled = LinkVisibility.most_protective(*before.values()).value
        if form.networks_visibility.data == filled:
            payload["member_of_visibility"] = {
                slug: before.get(slug, filled) for slug in payload["member_of"]
            }
        else:
            changed = changed or set(before.values()) != {form.networks_visibility.data}
    if "organisations" in payload:
        before = {
            (item["slug"], item["role"]): item.get("visibility") or "public"
            for item in proposal.get("organisations") or []
        }
        for name, role in form.ROLE_FIELDS:
            choices = [choice for (_slug, r), choice in before.items() if r == role]
            choice = form[f"{name}_visibility"].data
            if not choices or choice == LinkVisibility.most_protective(*choices).value:
                for item in payload["organisations"]:
                    if item["role"] == role:
                        item["visibility"] = before.get((item["slug"], role), choice)
            elif set(choices) != {choice}:
                changed = True
    return changed


def _decide_with_message(submission_id, form_class, prefix, decide, done):
    """Reject or request changes: both need a message the submitter will read."""
    submission = _submission_or_404(submission_id)
    form = form_class(prefix=prefix)
    if not form.validate_on_submit():
        return _review(submission, 400, **{f"{prefix}_form": form})
    decide(submission, current_user, form.note.data)
    return _decided(submission, done)


@bp.post("/<int:submission_id>/reject")
@moderator_required
def reject(submission_id):
    """Turn down with a reason."""
    return _decide_with_message(
        submission_id, forms.RejectForm, "reject", moderation.reject, _("Rejected.")
    )


@bp.post("/<int:submission_id>/request-changes")
@moderator_required
def request_changes(submission_id):
    """Ask the submitter for changes."""
    return _decide_with_message(
        submission_id,
        forms.ChangesForm,
        "changes",
        moderation.request_changes,
        _("Changes requested."),
    )


@bp.post("/<int:submission_id>/spam")
@moderator_required
def spam(submission_id):
    """Close as spam."""
    submission = _submission_or_404(submission_id)
    if not forms.ConfirmForm(prefix="spam").validate_on_submit():
        abort(400)
    moderation.mark_spam(submission, current_user)
    return _decided(submission, _("Marked as spam."))


@bp.post("/<int:submission_id>/merge")
@moderator_required
def merge(submission_id):
    """Make this proposal an update of an existing organisation instead of a new one."""
    submission = _submission_or_404(submission_id)
    form = forms.MergeForm(prefix="merge")
    if not form.validate_on_submit():
        abort(400)
    target = db.session.scalar(select(Organisation).where(Organisation.slug == form.target.data))
    if target is None:
        abort(404)
    moderation.merge_into(submission, target, current_user)
    return _decided(submission, _("This proposal will now update %(name)s.", name=target.name))
