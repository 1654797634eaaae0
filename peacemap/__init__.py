"""PeaceMap: a multilingual directory and map of peacebuilding organisations."""

import os
from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from peacemap import config

ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config=None):
    """Build the application: configuration, extensions, blueprints, commands."""
    app = Flask(
        __name__,
        instance_path=os.environ.get("PEACEMAP_INSTANCE_PATH") or str(ROOT / "instance"),
        instance_relative_config=True,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    config.load(app, test_config)
    app.json.ensure_ascii = False  # French and Arabic as UTF-8: half the bytes of \u escapes

    from peacemap import assets, effects, errors, i18n, public, security, templating
    from peacemap.extensions import compress, csrf, db, limiter, login_manager, migrate

    db.init_app(app)
    effects.init_app(app)  # registered after the database: its teardown runs first
    migrate.init_app(app, db, directory=str(Path(__file__).parent / "migrations"))
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    i18n.init_app(app)
    security.init_app(app)
    errors.init_app(app)
    templating.init_app(app)
    public.init_app(app)
    assets.init_app(app)
    compress.init_app(app)
    security.buffer_static_files(app)  # registered after Compress, so it runs before it

    from peacemap import models  # noqa: F401  (registers the tables)
    from peacemap.accounts import services as _accounts  # noqa: F401  (user loader)
    from peacemap.accounts.views import bp as accounts_bp
    from peacemap.api import views as api
    from peacemap.directory.views import bp as directory_bp
    from peacemap.exports.views import bp as exports_bp
    from peacemap.health import bp as health_bp
    from peacemap.imports.views import bp as imports_bp
    from peacemap.map.views import api as map_api_bp
    from peacemap.map.views import bp as map_bp
    from peacemap.map.views import vendor as vendor_bp
    from peacemap.moderation import crisis_views, record_views, user_views, views  # noqa: F401
    from peacemap.moderation.blueprint import bp as moderation_bp
    from peacemap.owners import network_views as _network_routes  # noqa: F401 (routes)
    from peacemap.owners import views as _owner_routes  # noqa: F401 (routes)
    from peacemap.owners.blueprint import bp as owners_bp
    from peacemap.search.views import api as search_api_bp
    from peacemap.search.views import bp as search_bp
    from peacemap.submissions.typeahead import bp as typeahead_bp
    from peacemap.submissions.views import bp as submissions_bp

    blueprints = (
        directory_bp,
        submissions_bp,
        owners_bp,
        accounts_bp,
        moderation_bp,
        search_bp,
        map_bp,
    )
    for blueprint in (
        *blueprints,
        api.bp,
        exports_bp,
        typeahead_bp,
        search_api_bp,
        map_api_bp,
        vendor_bp,
        health_bp,
    ):
        app.register_blueprint(blueprint)
    app.register_blueprint(imports_bp)  # /<lang>/moderation/import (admins)
    api.init_app(app)

    from peacemap import pagecache

    pagecache.init_app(app)  # after every other before_request: rate limits count first
    if app.config["TRUSTED_PROXIES"]:
        # Outermost: the page cache and the app see the client's scheme, host and address.
        hops = int(app.config["TRUSTED_PROXIES"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    from peacemap import cli

    cli.init_app(app)
    return app
