"""`flask demo load`: the real organisations and initiatives from the seed documents."""

from sqlalchemy import func, select

from peacemap.demo import loader
from peacemap.extensions import db
from peacemap.models import Initiative, Location, Organisation, Relationship, VerificationLevel
from peacemap.places import gazetteer
from tests.conftest import soup

REQUIRED_ORGANISATIONS = {
    "conascipal",
    "sipri",
    "wanep",
    "wanep-mali",
    "gppac",
    "human-security-collective",
    "peace-direct",
    "waansa",
    "iansa",
    "oxfam-gb",
    "embassy-of-sweden-mali",
    "austrian-development-agency",
    "sida",
    "ministry-security-civil-protection-mali",
}
REQUIRED_INITIATIVES = {
    "building-lasting-peace-mali",
    "civil-society-human-security-strategy-mali",
    "peace-exchange-bamako-2018",
    "civil-society-white-book",
    "pgpsp",
}


def counts():
    return tuple(
        db.session.scalar(select(func.count()).select_from(model))
        for model in (Organisation, Initiative, Relationship, Location)
    )


def test_demo_load_is_idempotent(runner):
    first = runner.invoke(args=["demo", "load"])
    assert first.exit_code == 0, first.output
    after_first = counts()
    second = runner.invoke(args=["demo", "load"])
    assert second.exit_code == 0
    assert "0 organisations" in second.output
    assert counts() == after_first
    assert after_first[0] >= len(REQUIRED_ORGANISATIONS)


def test_if_empty_leaves_existing_data_alone(runner, make_organisation):
    make_organisation()
    db.session.commit()
    result = runner.invoke(args=["demo", "load", "--if-empty"])
    assert "not loaded" in result.output
    assert counts()[0] == 1


def test_demo_has_the_seed_records_all_unverified(app):
    loader.load(loader.read_data())
    db.session.commit()
    slugs = set(db.session.scalars(select(Organisation.slug)))
    assert slugs >= REQUIRED_ORGANISATIONS
    assert set(db.session.scalars(select(Initiative.slug))) >= REQUIRED_INITIATIVES
    levels = set(db.session.scalars(select(Organisation.verification_level)))
    assert levels == {VerificationLevel.NONE}


def test_demo_networks_and_members(client, app):
    loader.load(loader.read_data())
    db.session.commit()
    conascipal = soup(client.get("/en/organisations/conascipal"))
    member_of = conascipal.select_one("#member-of").find_next("ul").text
    assert "WAANSA" in member_of and "IANSA" in member_of
    assert conascipal.select_one("#achievements")
    wanep = soup(client.get("/en/organisations/wanep")).select_one("#members").find_next("ul")
    assert "WANEP-Mali" in wanep.text or "wanep-mali" in str(wanep)
    initiative = soup(client.get("/fr/initiatives/civil-society-human-security-strategy-mali"))
    text = initiative.get_text(" ", strip=True)
    assert "1 novembre 2013" in text and "31 octobre 2016" in text
    lead = initiative.select_one("#role-lead").find_next("ul").text
    assert "WANEP" in lead and "GPPAC" in lead


def test_demo_places_come_from_the_gazetteer(app):
    data = loader.read_data()
    for record in data["organisations"] + data["initiatives"]:
        for place in record.get("places", []):
            if "geonameid" in place:
                assert gazetteer.get(place["geonameid"]) is not None, record["slug"]
    loader.load(data)
    bamako = db.session.scalar(select(Location).where(Location.name == "Bamako"))
    assert bamako.geonameid == 2460596
    assert (bamako.admin1, bamako.admin1_pcode) == ("Bamako", "ML09")


def test_gazetteer_knows_alternate_names_and_mali_units():
    timbuktu = next(p for p in gazetteer.places().values() if p.name == "Timbuktu")
    assert "Tombouctou" in timbuktu.alternate_names
    assert timbuktu.admin1 == "Tombouctou" and timbuktu.admin1_pcode == "ML06"
    mopti = next(p for p in gazetteer.places().values() if p.name == "Mopti")
    assert (mopti.admin2, mopti.admin2_pcode) == ("Mopti", "ML0506")
    assert gazetteer.fold("Ségou-Koura") == "segou koura"
