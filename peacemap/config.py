"""Configuration: defaults, then instance/config.py, then PEACEMAP_* environment, then tests."""

import json
import os
import re
import secrets
from pathlib import Path

from peacemap import sealed

LANGUAGES = ("en", "fr", "ar")
RTL_LANGUAGES = frozenset({"ar"})


class Defaults:
    """Settings every deployment starts from; each can be overridden."""

    ENVIRONMENT = "development"  # "production" refuses to start without SECRET_KEY
    SECRET_KEY = None
    # Private values sealed at rest (peacemap/sealed.py): the data keys, newest first and
    # separated by commas, and the blind-index key; or a file holding both (KEY_FILE). In
    # production they are required and must not sit with the data.
    DATA_KEY = None
    INDEX_KEY = None
    KEY_FILE = None
    SQLALCHEMY_DATABASE_URI = None  # filled in from the instance folder
    SQLALCHEMY_ENGINE_OPTIONS = {
        # Keep accents and Arabic readable in stored JSON, so LIKE filters can match them.
        "json_serializer": lambda value: json.dumps(value, ensure_ascii=False),
        # A connection left broken by a database restart is replaced, not handed out: the
        # site recovers by itself when the database comes back.
        "pool_pre_ping": True,
    }
    SEARCH_BACKEND = "whoosh"
    TILE_URL = ""  # e.g. "https://tiles.example.org/{z}/{x}/{y}.png"; empty: offline basemap
    TILE_ATTRIBUTION = ""  # shown with the tiles, e.g. "© OpenStreetMap contributors"
    MAP_POINT_LIMIT = 1000  # above this many points in view, the server groups them
    MAP_POINTS_ZOOM = 11  # ...except from this zoom on (a view the size of a town)
    COMPRESS_MIMETYPES = [
        "text/html",
        "text/css",
        "text/plain",
        "text/csv",
        "application/javascript",
        "text/javascript",
        "application/json",
        "application/geo+json",
        "image/svg+xml",
    ]
    COMPRESS_ALGORITHM = ["gzip"]  # browsers offer brotli only over HTTPS; gzip everywhere
    COMPRESS_MIN_SIZE = 500
    COMPRESS_STREAMS = False  # static files are buffered first (security.buffer_static_files)
    # Anonymous public pages kept per worker until the published data changes (pagecache.py);
    # 0 turns the cache off.
    PAGE_CACHE_BYTES = 32 * 1024 * 1024
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    SITE_URL = "http://127.0.0.1:5000"  # for links in mail sent outside a request
    MAIL_BACKEND = "outbox"  # or "smtp"
    MAIL_OUTBOX = None  # default: instance/outbox/
    MAIL_FROM = "PeaceMap <no-reply@peacemap.local>"
    MAIL_SERVER = "localhost"
    MAIL_PORT = 25
    MAIL_USE_TLS = False
    MAIL_USERNAME = None
    MAIL_PASSWORD = None
    # Submissions accepted per address and form (offices share an address); POSTs refused for
    # a mistake count apart, against a higher limit that only stops a script.
    SUBMISSION_RATE_LIMIT = "5 per hour;20 per day"
    SUBMISSION_REJECTED_RATE_LIMIT = "30 per hour;100 per day"
    # The country preselected on the submission forms, and the countries listed first (the
    # 16 of West Africa, UN M49, with Mali, Burkina Faso and Niger outside ECOWAS since 2025,
    # and Chad and Cameroon: the Lake Chad basin and the Sahel the listed groups work in).
    DEFAULT_COUNTRY = "ML"
    FIRST_COUNTRIES = (
        "BJ", "BF", "CV", "CI", "GM", "GH", "GN", "GW", "LR", "ML", "MR", "NE", "NG", "SN",
        "SL", "TG", "TD", "CM",
    )  # fmt: skip
    LOGIN_RATE_LIMIT = "10 per minute;50 per hour"  # also the sign-in's code step
    # Moderators and admins see contacts that at-risk organisations keep private: every such
    # account must have a second factor (TOTP) before it reaches a moderator page.
    REQUIRE_TWO_FACTOR = True
    TRACK_RATE_LIMIT = "20 per hour"
    # The organisation decides (peacemap/owners/): its mailed link works once and for this many
    # hours, and opens an owner session of this many minutes.
    OWNER_LINK_HOURS = 72
    # Freshness (`flask records remind`, daily): a verification holds this many years; owners
    # are reminded after REMIND_MONTHS without a confirmation, and a listing nobody confirmed
    # or checked for STALE_MONTHS is marked as possibly out of date.
    VERIFICATION_YEARS = 2
    # `flask data purge` (daily) forgets who sent a submission this many days after it was
    # decided or withdrawn.
    SUBMITTER_RETENTION_DAYS = 90
    REMIND_MONTHS = 12
    STALE_MONTHS = 18
    OWNER_SESSION_MINUTES = 30
    OWNER_LINK_RATE_LIMIT = "5 per hour;20 per day"  # per address asking, for /owner
    OWNER_LINK_RATE_LIMIT_PER_ADDRESS = "3 per hour;6 per day"  # per mailbox asked for
    DANGER_RATE_LIMIT = "3 per hour;10 per day"  # "this listing puts us in danger", per address
    # Visitors writing to an organisation through its profile: per visitor, and per organisation.
    WRITE_RATE_LIMIT = "3 per hour;10 per day"
    WRITE_RATE_LIMIT_PER_ORGANISATION = "20 per day"
    API_RATE_LIMIT = "300 per minute"  # per address, for every /api/v1/ endpoint
    BABEL_DEFAULT_LOCALE = "fr"
    BABEL_DEFAULT_TIMEZONE = "UTC"
    LANGUAGES = LANGUAGES
    PAGE_SIZE = 20
    MAX_CONTENT_LENGTH = 2 * 1024 * 1024
    # Someone typing a long description on a slow connection must not lose it to an expired
    # token: the CSRF token lives as long as the session.
    WTF_CSRF_TIME_LIMIT = None
    SESSION_COOKIE_HTTPONLY = True
    # Proxies in front whose X-Forwarded-For / -Proto are believed (nginx: 1). With 0 the
    # client's own address counts, so a forged header cannot dodge a rate limit.
    TRUSTED_PROXIES = 0
    SESSION_COOKIE_SAMESITE = "Lax"
    PERMANENT_SESSION_LIFETIME = 12 * 3600


def load(app, test_config=None):
    """Fill app.config in the documented order and check it can be trusted."""
    app.config.from_object(Defaults)
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env("PEACEMAP")
    if test_config is not None:
        app.config.from_mapping(test_config)

    root = Path(app.root_path).parent
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(root / "translations"))
    instance = Path(app.instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    if not app.config["SQLALCHEMY_DATABASE_URI"]:
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{instance / 'peacemap.sqlite'}"
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        options = dict(app.config["SQLALCHEMY_ENGINE_OPTIONS"])
        options.setdefault("connect_args", {"timeout": 15})  # seconds to wait for a lock
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    if app.config["ENVIRONMENT"] == "production":
        app.config["SESSION_COOKIE_SECURE"] = True
        # __Host-: the browser sends it only over HTTPS, to this host, for every path.
        if app.config["SESSION_COOKIE_NAME"] == "session":
            app.config["SESSION_COOKIE_NAME"] = "__Host-peacemap"
    if not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = _development_secret(app, instance)
    app.extensions[sealed.EXTENSION] = _data_keys(app, instance)


def _development_secret(app, instance):
    """Return the key kept in instance/secret_key, creating it; refuse in production."""
    if app.config["ENVIRONMENT"] == "production":
        raise RuntimeError(
            "PEACEMAP_SECRET_KEY must be set in production (see README, 'Configuration')."
        )
    path = instance / "secret_key"
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    return path.read_text().strip()


def _data_keys(app, instance):
    """The keys that seal private values: from the settings, else from KEY_FILE, else (in
    development only) from instance/data_keys, created on first use."""
    config = app.config
    production = config["ENVIRONMENT"] == "production"
    data, index, key_file = config["DATA_KEY"], config["INDEX_KEY"], config["KEY_FILE"]
    settings = instance / "config.py"
    named = settings.exists() and re.search(r"\b(DATA|INDEX)_KEY\b", settings.read_text())
    if production and named:
        raise RuntimeError(_KEY_WITH_DATA.format(place=settings))
    if key_file and not (data and index):
        key_file = Path(key_file)
        if production:
            _refuse_key_beside_data(key_file, instance, config["SQLALCHEMY_DATABASE_URI"])
        stored = sealed.read_key_file(key_file)
        data, index = data or stored.get("DATA_KEY"), index or stored.get("INDEX_KEY")
    if not (data and index):
        if production:
            raise RuntimeError(
                "PEACEMAP_DATA_KEY and PEACEMAP_INDEX_KEY (or PEACEMAP_KEY_FILE) must be set in "
                "production (see README, 'Data protection')."
            )
        data, index = _development_keys(app, instance)
    if production and len({data.split(",")[0], index, config["SECRET_KEY"]}) < 3:
        raise RuntimeError("the data key, the index key and the secret key must differ")
    return sealed.make_keys(data, index)


_KEY_WITH_DATA = (
    "{place}: the data keys must not be kept with the data (in the instance folder or the "
    "database's folder): a copy of the disk would carry them (see README, 'Data protection')."
)


def _refuse_key_beside_data(key_file, instance, database_uri):
    """A key file inside the instance folder or the database's folder protects nothing."""
    folders = [instance.resolve()]
    if database_uri.startswith("sqlite:///"):
        folders.append(Path(database_uri.removeprefix("sqlite:///")).resolve().parent)
    place = key_file.resolve()
    if any(place.is_relative_to(folder) for folder in folders):
        raise RuntimeError(_KEY_WITH_DATA.format(place=place))


def _development_keys(app, instance):
    """instance/data_keys, created with new keys (and a warning) when missing."""
    path = instance / "data_keys"
    try:
        sealed.write_key_file(path, sealed.new_key(), sealed.new_key(), exclusive=True)
    except FileExistsError:
        pass
    else:
        app.logger.warning(
            "Development data keys created in %s: private values are sealed with them. "
            "In production set PEACEMAP_DATA_KEY and PEACEMAP_INDEX_KEY (see README).",
            path,
        )
    stored = sealed.read_key_file(path)
    return stored["DATA_KEY"], stored["INDEX_KEY"]
