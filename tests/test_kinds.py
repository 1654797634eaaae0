"""The registry of record kinds (peacemap/kinds.py) is the one place kinds are told apart."""

import pytest

from peacemap import audit, kinds
from peacemap.extensions import db
from peacemap.models import Initiative, Organisation, PublicationStatus, Theme


def test_every_record_kind_is_registered_once(app):
    assert {kind.model for kind in kinds.ALL} == {Organisation, Initiative}
    assert len(kinds.BY_NAME) == len(kinds.BY_PLURAL) == len(kinds.ALL)
    for kind in kinds.ALL:
        assert app.view_functions.get(kind.profile_endpoint)
        assert app.view_functions.get(kind.api_endpoint)


def test_each_kind_payload_has_every_field_its_diff_shows(app, make_organisation, make_initiative):
    for kind, record in (
        (kinds.ORGANISATION, make_organisation()),
        (kinds.INITIATIVE, make_initiative()),
    ):
        assert kinds.of(record) is kind
        assert set(kind.fields) <= set(kind.payload(record))


def test_publication_has_one_name_on_both_kinds(app, make_organisation, make_initiative):
    org, item = make_organisation(), make_initiative()
    for record in (org, item):
        record.publication = PublicationStatus.UNPUBLISHED
    db.session.flush()
    assert org.status == PublicationStatus.UNPUBLISHED  # the same column, under both names
    assert db.session.query(Organisation).filter(Organisation.publication == "unpublished").one()


def test_audit_and_revisions_name_records_by_their_kind(app, make_organisation, make_initiative):
    org, item = make_organisation(), make_initiative()
    assert audit.add_revision(org).object_type == "organisation"
    assert audit.add_revision(item).object_type == "initiative"
    assert audit.snapshot(org)["status"] == "published"
    assert audit.snapshot(item)["publication"] == "published"


def test_something_else_is_not_a_record_kind(app):
    with pytest.raises(TypeError):
        kinds.of(Theme(slug="x", labels={}))
    assert audit.record(None, "theme.made", Theme(slug="x", labels={})).object_type == "theme"
