"""Public submission pages: choose, propose, correct, report, receipt, track."""

import inspect

from flask import Blueprint, abort, current_app, g, render_template, request, session
from flask_babel import gettext as _
from flask_limiter import RateLimitExceeded

from peacemap import errors, fragments
from peacemap.directory import services as directory
from peacemap.extensions import db, limiter
from peacemap.i18n import current_language
from peacemap.models import (
    Initiative,
    Organisation,
    Submission,
    SubmissionKind,
    SubmissionState,
)
from peacemap.owners import tokens as owner_tokens
from peacemap.public import view as public
from peacemap.submissions import forms, limits, tracking
from peacemap.submissions import services as submissions

bp = Blueprint("submissions", __name__, url_prefix="/<lang_code>")


def track_limit():
    return current_app.config["TRACK_RATE_LIMIT"]


theme_options = directory.theme_options


def _organisation_form(correction=False, **kwargs):
    if correction:
        return forms.OrganisationCorrectionForm(themes=theme_options(), **kwargs)
    return forms.OrganisationSubmissionForm(themes=theme_options(), **kwargs)


def _initiative_form(correction=False, **kwargs):
    if correction:
        return forms.InitiativeCorrectionForm(themes=theme_options(), **kwargs)
    return forms.InitiativeSubmissionForm(themes=theme_options(), **kwargs)


def _submitter(form):
    return {
        "name": (form.submitter_name.data or "").strip(),
        "email": (form.submitter_email.data or "").strip() or None,
        "role": (form.submitter_role.data or "").strip()
        if hasattr(form, "submitter_role")
        else None,
        "consent": bool(getattr(form, "consent", None) and form.consent.data),
    }


def _receive(form, kind, template, target=None, **context):
    """Shared POST handling: honeypot, save once, commit, receipt; or the form with errors."""
    if not form.form_token.data:
        form.form_token.data = submissions.new_form_token()
    if request.method == "GET" and target is None and hasattr(form, "language"):
        form.language.data = current_language()
    if g.get("rate_limited"):
        # A limit was reached before the view: the form again, as typed, with when to retry.
        return render_template(template, form=form, target=target, kind=kind, **context), 429
    if request.method == "POST" and form.validate_on_submit() and _changes(form, kind, target):
        if form.homepage.data:
            # A bot filled the hidden field: answer as if all went well, keep nothing.
            return render_template("submissions/receipt.html", code=None, submission=None)
        payload = form.payload()
        if kind == SubmissionKind.CORRECTION and target is not None:
            # What the form did not show is kept as it is unless the person filled it in.
            payload["kept"] = public.kept_fields(target)
        submission, _created = submissions.submit(
            kind,
            payload,
            form_token=form.form_token.data,
            submitter=_submitter(form),
            target=target,
            language=current_language(),
        )
        if (
            kind == SubmissionKind.CORRECTION
            and target is not None
            and target == owner_tokens.current()
        ):
            submission.from_owner = True  # sent from the organisation's own owner session
        db.session.commit()
        return render_template(
            "submissions/receipt.html",
            submission=submission,
            code=submissions.tracking_code(form.form_token.data),
        )
    if request.method == "GET" and target is None and not context and kind in BLANK_FIELDS:
        # Nobody has typed yet: the record's fields are the same for everyone (fragments.py).
        context["blank_fields"] = fragments.kept(
            *BLANK_FIELDS[kind], form=form, target=None, kind=kind
        )
    status = 400 if request.method == "POST" else 200
    return render_template(template, form=form, target=target, kind=kind, **context), status


def _changes(form, kind, target):
    """False (with a message on the form) for a correction that changes nothing."""
    if kind != SubmissionKind.CORRECTION or target is None:
        return True
    if submissions.changes_anything(target, {**form.payload(), "kept": public.kept_fields(target)}):
        return True
    form.why.errors.append(
        _(
            "Your version is the same as the published one: change what is wrong, "
            "then send it again."
        )
    )
    return False


# The fields of each blank form (the includes of its template).
BLANK_FIELDS = {
    SubmissionKind.NEW_ORGANISATION: (
        "submissions/_organisation_fields.html",
        "submissions/_submitter_fields.html",
    ),
    SubmissionKind.NEW_INITIATIVE: (
        "submissions/_initiative_fields.html",
        "submissions/_submitter_fields.html",
    ),
}


# The forms shown again, with what was typed, when a submission limit is reached.
FORMS = {
    "submissions.organisation",
    "submissions.initiative",
    "submissions.suggest_organisation",
    "submissions.suggest_initiative",
    "submissions.report_organisation",
    "submissions.report_initiative",
}


@bp.errorhandler(RateLimitExceeded)
def rate_limited(error):
    """The form as it was sent, with a message, instead of an error page that loses it."""
    if request.endpoint not in FORMS:
        return errors.render_error(error)
    limits.remember(error)
    # The view itself, without the limits' wrappers (which would test the limit again).
    view = inspect.unwrap(current_app.view_functions[request.endpoint])
    return view(**request.view_args)


@bp.get("/submit")
def choose():
    """What would you like to submit?"""
    return render_template("submissions/choose.html")


@bp.route("/submit/organisation", methods=["GET", "POST"])
@limits.limited
def organisation():
    """Propose a new organisation."""
    return _receive(
        _organisation_form(), SubmissionKind.NEW_ORGANISATION, "submissions/organisation_form.html"
    )


@bp.route("/submit/initiative", methods=["GET", "POST"])
@limits.limited
def initiative():
    """Propose a new initiative."""
    return _receive(
        _initiative_form(), SubmissionKind.NEW_INITIATIVE, "submissions/initiative_form.html"
    )


def _published(model, slug):
    record = db.session.scalar(model.published().where(model.slug == slug))
    if record is None:
        abort(404)
    return record


@bp.route("/organisations/<slug>/suggest", methods=["GET", "POST"])
@limits.limited
def suggest_organisation(slug):
    """Suggest a correction to an organisation's profile."""
    org = _published(Organisation, slug)
    form = _organisation_form(correction=True)
    if request.method == "GET":
        form.fill(public.correction_start(org), current_language())
    return _receive(
        form,
        SubmissionKind.CORRECTION,
        "submissions/organisation_form.html",
        org,
        kept=public.kept_fields(org),
    )


@bp.route("/initiatives/<slug>/suggest", methods=["GET", "POST"])
@limits.limited
def suggest_initiative(slug):
    """Suggest a correction to an initiative."""
    item = _published(Initiative, slug)
    form = _initiative_form(correction=True)
    if request.method == "GET":
        form.fill(public.correction_start(item), current_language())
    return _receive(
        form,
        SubmissionKind.CORRECTION,
        "submissions/initiative_form.html",
        item,
        kept=public.kept_fields(item),
    )


@bp.route("/organisations/<slug>/report", methods=["GET", "POST"])
@limits.limited
def report_organisation(slug):
    """Report a problem with an organisation's listing."""
    return _receive(
        forms.ReportForm(),
        SubmissionKind.REPORT,
        "submissions/report_form.html",
        _published(Organisation, slug),
    )


@bp.route("/initiatives/<slug>/report", methods=["GET", "POST"])
@limits.limited
def report_initiative(slug):
    """Report a problem with an initiative."""
    return _receive(
        forms.ReportForm(),
        SubmissionKind.REPORT,
        "submissions/report_form.html",
        _published(Initiative, slug),
    )


def _tracked():
    """The submission whose code was entered in this browser session, or None."""
    submission_id = session.get("tracked_submission")
    return db.session.get(Submission, submission_id) if submission_id else None


def _revision_form(submission, formdata=None):
    """The form to revise a submission, filled with what was sent (or is being sent)."""
    if submission.kind == SubmissionKind.REPORT:
        return None
    is_initiative = submission.kind == SubmissionKind.NEW_INITIATIVE or (
        submission.kind == SubmissionKind.CORRECTION and submission.initiative_id
    )
    options = {"themes": theme_options()}
    if is_initiative:
        form = forms.InitiativeFields(formdata=formdata, **options)
    else:
        form = forms.OrganisationFields(formdata=formdata, **options)
    if formdata is None:
        form.fill(submission.payload)
    return form


@bp.route("/track", methods=["GET", "POST"])
@limiter.limit(track_limit, methods=["POST"])
def track():
    """Enter a tracking code to see a submission's state and the moderators' message."""
    form = forms.TrackForm()
    submission = code = None
    if form.validate_on_submit():
        submission = submissions.find_by_code(form.code.data)
        if submission is None:
            form.code.errors.append(_("No submission has this code. Check it and try again."))
        else:
            session["tracked_submission"] = submission.id
            code = submissions.grouped_code(form.code.data)
    elif request.method == "GET" and request.args.get("show"):
        submission = _tracked()
    status = 400 if request.method == "POST" and submission is None else 200
    return _track_page(
        submission,
        form=form,
        code=code,
        revision_form=_revision_form(submission) if _can_revise(submission) else None,
    ), status


def _track_page(submission, **context):
    """The tracking page: the submission's state, its record, what was sent, the forms."""
    context.setdefault("form", forms.TrackForm())
    context.setdefault("action_form", forms.TrackActionForm())
    if submission is not None:
        context["record"] = tracking.record_of(submission)
        context["sent"] = tracking.sent(submission)
    return render_template("submissions/track.html", submission=submission, **context)


def _can_revise(submission):
    return submission is not None and submission.state == SubmissionState.CHANGES_REQUESTED


@bp.post("/track/revise")
@limits.limited
def revise():
    """Send a new version after the moderators asked for changes."""
    submission = _tracked()
    if not _can_revise(submission):
        abort(403)
    form = _revision_form(submission, formdata=request.form)
    if form is None or not form.validate_on_submit():
        return _track_page(submission, revision_form=form), 400
    try:
        submissions.revise(submission, form.payload())
    except submissions.Unchanged:
        form.form_errors.append(
            _("This version is the same as the one you sent before: make the changes asked for.")
        )
        return _track_page(submission, revision_form=form), 400
    db.session.commit()
    return render_template("submissions/revised.html", submission=submission)


@bp.post("/track/withdraw")
def withdraw():
    """Withdraw an undecided submission."""
    submission = _tracked()
    form = forms.TrackActionForm()
    if submission is None or not form.validate_on_submit():
        abort(403)
    try:
        submissions.withdraw(submission)
    except submissions.StateError:
        abort(409)
    db.session.commit()
    return _track_page(submission, revision_form=None, action_form=form)
