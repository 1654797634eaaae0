"""Benchmark: one batch of a bulk approval in the moderation queue, as a moderator posts it.

`.venv/bin/python bench/bulk_approve.py [PUBLISHED] [PENDING]` (default 2,000 and 200).
Prints figures; asserts nothing.

Publishes PUBLISHED organisations and queues PENDING new-organisation proposals (names made
of random letters, so none is a likely duplicate of another) in a temporary SQLite database,
signs a moderator in, then POSTs /en/moderation/bulk with every pending id, batch after
batch (the page offers the next one), timing each request: each checks its batch for
likely duplicates against every organisation (loaded once per request) and approves it.
"""

import contextvars
import os
import random
import string
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bs4 import BeautifulSoup  # noqa: E402
from flask.testing import FlaskClient  # noqa: E402

from peacemap import create_app  # noqa: E402
from peacemap.accounts.services import create_user  # noqa: E402
from peacemap.extensions import db  # noqa: E402
from peacemap.models import SubmissionKind  # noqa: E402
from peacemap.moderation.views import BULK_BATCH  # noqa: E402
from peacemap.records import new_organisation  # noqa: E402
from peacemap.submissions import services as submissions  # noqa: E402

PASSWORD = "correct horse battery"  # noqa: S105 (a throwaway account in a temporary database)


class IsolatedClient(FlaskClient):
    """Requests in a fresh context, as under a real server (tests/conftest.py): this script
    holds an app context, whose `g` requests would otherwise share."""

    def open(self, *args, **kwargs):
        return contextvars.Context().run(super().open, *args, **kwargs)


def name(rng):
    """Two words of random letters, title case."""
    letters = string.ascii_lowercase
    return " ".join("".join(rng.choices(letters, k=rng.randint(5, 10))).title() for _ in "ab")


def fill(published, pending):
    """The published organisations and the pending proposals; returns the proposals' ids."""
    rng = random.Random(7)
    for _ in range(published):
        db.session.add(
            new_organisation({"name": name(rng), "type": "national_ngo", "country": "ML"})
        )
    ids = []
    for _ in range(pending):
        submission, _created = submissions.submit(
            SubmissionKind.NEW_ORGANISATION,
            {"name": name(rng), "type": "national_ngo", "country": "ML", "places": []},
            form_token=submissions.new_form_token(),
            submitter={"name": "Data import: bench.csv"},
        )
        ids.append(submission.id)
    create_user("bench@example.org", PASSWORD, "moderator")
    db.session.commit()
    return ids


def token(response):
    """The CSRF token of the page's form."""
    page = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    return page.select_one("input[name=csrf_token]")["value"]


def main():
    """Fill a temporary database, then approve every proposal batch by batch."""
    published = int(sys.argv[1]) if len(sys.argv) > 1 else 2_000
    pending = int(sys.argv[2]) if len(sys.argv) > 2 else 200
    with tempfile.TemporaryDirectory(prefix="peacemap-bench-bulk-") as tmp:
        os.environ["PEACEMAP_INSTANCE_PATH"] = str(Path(tmp) / "instance")
        app = create_app(
            {
                "SECRET_KEY": "bench",
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/bench.sqlite",
                "REQUIRE_TWO_FACTOR": False,
                "RATELIMIT_ENABLED": False,
            }
        )
        with app.app_context():
            db.create_all()
            ids = fill(published, pending)
            app.test_client_class = IsolatedClient
            client = app.test_client()
            login = client.get("/en/login")
            signed_in = client.post(
                "/en/login",
                data={
                    "csrf_token": token(login),
                    "email": "bench@example.org",
                    "password": PASSWORD,
                },
            )
            assert signed_in.status_code == 302, signed_in.status_code  # noqa: S101
            data = {"csrf_token": token(client.get("/en/moderation/")), "ids": ids}
            data["action"] = "approve"
            print(
                f"{published:,} published organisations, {pending:,} proposals, "
                f"{BULK_BATCH} a batch"
            )
            timings = []
            while True:
                started = time.perf_counter()
                response = client.post("/en/moderation/bulk", data=data)
                timings.append(time.perf_counter() - started)
                if response.status_code != 200:
                    print(f"  last answer: {response.status_code} {response.location or ''}")
                    break
                page = BeautifulSoup(response.get_data(as_text=True), "html.parser")
                form = page.select_one("form[action='/en/moderation/bulk']")
                data = {i["name"]: i["value"] for i in form.select("input[type=hidden]")}
                data["ids"] = [i["value"] for i in form.select("input[name=ids]")]
                if page.select("ul.held li"):
                    print(f"  {len(page.select('ul.held > li'))} held back as likely duplicates")
            print(
                f"{len(timings)} requests: slowest {max(timings):.2f} s, "
                f"mean {sum(timings) / len(timings):.2f} s, total {sum(timings):.1f} s"
            )
            db.session.remove()
            db.engine.dispose()


if __name__ == "__main__":
    main()
