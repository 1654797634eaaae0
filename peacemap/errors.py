"""Error pages in the site's style, JSON errors under /api/, and no stack trace to anyone."""

import time

from flask import Response, current_app, jsonify, render_template, request
from flask_babel import format_decimal, format_timedelta, ngettext
from flask_babel import gettext as _
from flask_limiter import RateLimitExceeded
from sqlalchemy.exc import InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError, ServiceUnavailable

from peacemap.extensions import db, limiter

MESSAGES = {
    400: lambda: _("The request could not be understood. Please check the address or the form."),
    403: lambda: _("You do not have permission to see this page."),
    404: lambda: _("We could not find this page."),
    405: lambda: _("This action is not allowed here."),
    409: lambda: _("This can no longer be changed: its state has moved on."),
    413: lambda: _("What you sent is too large."),
    429: lambda: _("Too many requests. Please wait a moment and try again."),
    500: lambda: _("Something went wrong on our side. Please try again later."),
    503: lambda: _(
        "The directory is unavailable for a moment. Nothing you sent is lost; please try "
        "again in a minute."
    ),
}


# Form fields that are not what a person wrote: tokens, the anti-bot field, secrets.
NOT_TYPED = ("csrf_token", "form_token", "homepage", "password", "code", "token")


def typed_text():
    """What the person typed in the form they sent (a refused POST loses nothing): the
    values of its text fields, to copy before trying again."""
    if request.method != "POST" or request.mimetype not in (
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ):
        return []
    return [
        value
        for name, value in request.form.items(multi=True)
        if value.strip() and len(value) > 2 and not name.rsplit("-", 1)[-1].endswith(NOT_TYPED)
    ]


def limit_message(error, kept=False):
    """What to tell about a rate limit reached (a RateLimitExceeded), in the page's language:
    how many requests it allows in what time, and when to try again (Babel's numbers and
    durations, not the library's English "5 per 1 hour"). `kept`: the form is shown again."""
    item = error.limit.limit
    breached = limiter.current_limit
    period = item.get_expiry()
    wait = breached.reset_at - time.time() if breached is not None else period
    return " ".join(
        (
            ngettext(
                "At most %(count)s form can be sent from one connection in %(period)s.",
                "At most %(count)s forms can be sent from one connection in %(period)s.",
                item.amount,
                count=format_decimal(item.amount),
                period=format_timedelta(period),
            ),
            _(
                "Nothing you typed is lost: it is below. You can send it again in %(time)s.",
                time=format_timedelta(max(wait, 60)),
            )
            if kept
            else _("You can try again in %(time)s.", time=format_timedelta(max(wait, 60))),
        )
    )


def render_error(error):
    """Render an HTTP error as JSON for the API and as a page everywhere else."""
    code = error.code or 500
    message = MESSAGES.get(code, lambda: error.name)()
    # Only a description written by our own code is shown (it is translated and safe);
    # Werkzeug's default English descriptions are not.
    detail = error.description if error.description != type(error).description else None
    if request.path.startswith("/api/"):
        body = {"status": code, "message": message}
        if detail:
            body["detail"] = str(detail)
        response = jsonify({"error": body})
        response.status_code = code
        return response
    try:
        if isinstance(error, RateLimitExceeded):  # not the library's English "5 per 1 hour"
            detail = limit_message(error)
        typed = typed_text() if code in (429, 503) else []
        page = render_template(
            "errors/error.html", code=code, message=message, detail=detail, typed=typed
        )
        return page, code
    except Exception:  # the page itself failed (database down...): plain text, still no trace
        current_app.logger.exception("Error page failed to render")
        return Response(f"Error {code}", status=code, mimetype="text/plain")


def init_app(app):
    """Register the handlers for every HTTP error and for unexpected exceptions."""

    @app.errorhandler(HTTPException)
    def http_error(error):
        return render_error(error)

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    def database_unavailable(error):
        app.logger.error("Database unavailable on %s: %s", request.path, error.orig)
        db.session.rollback()
        response = render_error(ServiceUnavailable())
        response = app.make_response(response)
        response.headers["Retry-After"] = "30"
        return response

    @app.errorhandler(Exception)
    def unexpected_error(error):
        app.logger.exception("Unhandled error on %s", request.path)
        return render_error(InternalServerError())
