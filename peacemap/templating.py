"""Jinja filters for values people typed: links are only ever http(s)."""

from urllib.parse import urlsplit


def web_url(value):
    """The URL if it is an absolute http(s) address with a host, else None."""
    if not value:
        return None
    parts = urlsplit(value.strip())
    if parts.scheme.lower() in ("http", "https") and parts.netloc:
        return value.strip()
    return None


def url_label(value):
    """A short label for a link: the URL without its scheme and trailing slash."""
    parts = urlsplit(value)
    return (parts.netloc + parts.path).rstrip("/") + (f"?{parts.query}" if parts.query else "")


def init_app(app):
    """Register the filters."""
    app.add_template_filter(web_url)
    app.add_template_filter(url_label)
