"""Entry point for `flask run`, the flask CLI and gunicorn (`gunicorn app:app`)."""

from peacemap import create_app

app = create_app()
