"""HTTP security headers sent with every response, and input no one could mean to send."""

from flask import abort, request
from flask_babel import gettext as _

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def init_app(app):
    """Refuse NUL characters in input; attach the headers (the CSP forbids inline code)."""

    @app.before_request
    def refuse_nul_characters():
        # No person types U+0000, and PostgreSQL cannot store or even compare it.
        if "\x00" in request.path:
            abort(404)  # no page has such an address
        values = [*request.args.values(), *request.args.keys()]
        if request.method == "POST" and request.mimetype in FORM_TYPES:
            values += [*request.form.values(), *request.form.keys()]
        if any("\x00" in value for value in values):
            abort(
                400, description=_("The request contained a NUL character, which is not allowed.")
            )

    @app.after_request
    def add_security_headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("X-Frame-Options", "DENY")
        if app.config.get("SESSION_COOKIE_SECURE"):
            headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response
