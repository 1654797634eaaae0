"""Submission rate limits. Only accepted submissions count against the submission limit
(offices and cybercafés share one address); forms sent back for a mistake count against their
own, higher limit, which only stops a script. Flask-Limiter's `deduct_when` decides after the
response: the limit is tested before the view and deducted only for the right outcome.

At a limit the form is shown again with everything typed (status 429) and a message, in the
page's language, saying how many forms are accepted and when to try again."""

from flask import current_app, g

from peacemap import errors
from peacemap.extensions import limiter


def accepted_limit():
    return current_app.config["SUBMISSION_RATE_LIMIT"]


def rejected_limit():
    return current_app.config["SUBMISSION_REJECTED_RATE_LIMIT"]


def _was_accepted(response):
    return response.status_code < 400  # the receipt (or the honeypot's pretend receipt)


def _was_rejected(response):
    return response.status_code == 400  # sent back with the mistakes to correct


def limited(view):
    """Put both submission limits on a view's POSTs."""
    view = limiter.limit(
        rejected_limit, methods=["POST"], deduct_when=_was_rejected, scope="rejected"
    )(view)
    return limiter.limit(accepted_limit, methods=["POST"], deduct_when=_was_accepted)(view)


def remember(error):
    """Keep, for the form shown again, what to tell about the limit `error` reached."""
    g.rate_limited = errors.limit_message(error, kept=True)
