"""HTTP security headers sent with every response, and input no one could mean to send."""

from urllib.parse import urlsplit

from flask import abort, request
from flask_babel import gettext as _

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def content_security_policy(tile_url=""):
    """The policy: our own files only, plus the map tile server's origin when one is set."""
    images = "img-src 'self' data:"
    origin = urlsplit(tile_url.replace("{s}", "*")) if tile_url else None
    if origin and origin.scheme in ("http", "https") and origin.netloc:
        images += f" {origin.scheme}://{origin.netloc}"
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            images,
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


def init_app(app):
    """Refuse NUL characters in input; attach the headers (the CSP forbids inline code)."""

    policy = content_security_policy(app.config.get("TILE_URL") or "")

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
        headers.setdefault("Content-Security-Policy", policy)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("X-Frame-Options", "DENY")
        if request.is_secure or app.config.get("SESSION_COOKIE_SECURE"):
            headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response


def buffer_static_files(app):
    """Let Flask-Compress gzip static files: it only compresses buffered responses with
    gzip, and files are sent as streams. They are small (Leaflet is the largest, 147 KB)."""
    compressible = set(app.config["COMPRESS_MIMETYPES"])

    @app.after_request
    def buffer_static(response):
        if (
            request.endpoint in ("static", "vendor.vendor_file")
            and response.status_code == 200
            and response.direct_passthrough
            and response.mimetype in compressible
        ):
            response.direct_passthrough = False
            stream = response.response
            data = b"".join(response.iter_encoded())
            if hasattr(stream, "close"):
                stream.close()
            response.set_data(data)
        return response
