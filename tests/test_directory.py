"""Organisation and initiative pages, as a visitor sees them."""

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import event

from peacemap.extensions import db
from tests.conftest import soup


def result_names(response):
    return [a.get_text(strip=True) for a in soup(response).select(".cards .card h3 a")]


def test_list_shows_published_organisations_only(client, make_organisation):
    make_organisation(name="Visible Peace Group")
    make_organisation(name="Hidden Group", status="unpublished")
    db.session.commit()
    response = client.get("/en/organisations")
    assert response.status_code == 200
    assert result_names(response) == ["Visible Peace Group"]
    assert "1 organisation" in soup(response).select_one(".result-count").text


def test_filters_by_country_theme_type_with_counts(client, make_organisation, make_theme):
    arms = make_theme(slug="small-arms", labels={"en": "Small arms", "fr": "Armes légères"})
    make_organisation(name="Mali Arms Group", country="ML", themes=[arms])
    make_organisation(name="Mali Other", country="ML", type="network")
    make_organisation(name="Niger Arms Group", country="NE", themes=[arms])
    db.session.commit()

    page = soup(client.get("/en/organisations?country=ML"))
    assert [a.text for a in page.select(".card h3 a")] == ["Mali Arms Group", "Mali Other"]
    # Counts for the country facet ignore the country filter itself; others respect it.
    options = {o["value"]: o.text for o in page.select("select[name=country] option")}
    assert options["ML"] == "Mali (2)" and options["NE"] == "Niger (1)"
    themes = {o["value"]: o.text for o in page.select("select[name=theme] option")}
    assert themes["small-arms"] == "Small arms (1)"

    response = client.get("/en/organisations?theme=small-arms")
    assert result_names(response) == ["Mali Arms Group", "Niger Arms Group"]
    response = client.get("/en/organisations?type=network")
    assert result_names(response) == ["Mali Other"]
    response = client.get("/fr/organisations?theme=small-arms&country=NE")
    assert result_names(response) == ["Niger Arms Group"]


def test_keyword_matches_name_acronym_and_alternate_names(client, make_organisation):
    make_organisation(name="Coalition Nationale", acronym="CONASCIPAL")
    make_organisation(name="Réseau", alternate_names=["West Africa Network"])
    make_organisation(name="Other")
    db.session.commit()
    assert result_names(client.get("/en/organisations?q=conascipal")) == ["Coalition Nationale"]
    assert result_names(client.get("/en/organisations?q=africa net")) == ["Réseau"]
    assert result_names(client.get("/en/organisations?q=%25")) == []  # LIKE wildcard escaped


def test_region_filter_respects_location_precision(client, make_organisation, make_location):
    mopti = make_location(name="Sévaré", admin1="Mopti")
    make_organisation(name="Shows Region", locations=[mopti], location_precision="region")
    make_organisation(name="Country Only", locations=[mopti], location_precision="country")
    db.session.commit()
    response = client.get("/en/organisations?region=Mopti")
    assert result_names(response) == ["Shows Region"]
    options = {o["value"]: o.text for o in soup(response).select("select[name=region] option")}
    assert options["Mopti"] == "Mopti (1)"


def test_facets_are_counted_once_per_data_version(app, client, make_organisation, make_location):
    mopti = make_location(name="Sévaré", admin1="Mopti")
    org = make_organisation(name="Shows Region", locations=[mopti], location_precision="region")
    for n in range(app.config["PAGE_SIZE"] + 1):
        make_organisation(name=f"Group {n:02d}")
    db.session.commit()
    statements = []
    event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))

    def region_options(url):
        statements.clear()
        page = soup(client.get(url))
        return {o["value"]: o.text for o in page.select("select[name=region] option")}

    def counted():  # the region facet's own statement
        return [s for s in statements if "count(distinct(organisations.id))" in s.lower()]

    assert region_options("/en/organisations")["Mopti"] == "Mopti (1)"
    assert counted()  # (control: the statement is recognised)
    # Another page of the same list, sorted otherwise: the kept counts.
    assert region_options("/en/organisations?page=2&sort=updated")["Mopti"] == "Mopti (1)"
    assert not counted()
    # Its owner shows less: at the next request the count no longer has it.
    org.location_precision = "country"
    db.session.commit()
    assert "Mopti" not in region_options("/en/organisations?page=2")
    assert counted()


def test_pagination(client, make_organisation, app):
    for n in range(app.config["PAGE_SIZE"] + 5):
        make_organisation(name=f"Group {n:02d}")
    db.session.commit()
    first = soup(client.get("/en/organisations"))
    assert len(first.select(".card")) == app.config["PAGE_SIZE"]
    next_link = first.select_one("a[rel=next]")["href"]
    second = client.get(next_link)
    assert len(soup(second).select(".card")) == 5
    beyond = client.get("/en/organisations?page=50")
    assert beyond.status_code == 200 and "no more results" in beyond.get_data(as_text=True)


def test_profile_shows_everything_public(
    client, make_organisation, make_theme, make_location, make_initiative, link
):
    theme = make_theme(labels={"en": "Early warning", "fr": "Alerte précoce"})
    network = make_organisation(name="West Africa Network", acronym="WAN", type="network")
    org = make_organisation(
        slug="conascipal",
        name="Coalition Nationale",
        acronym="CONASCIPAL",
        alternate_names=["National Coalition"],
        type="network",
        founded_year=1999,
        website="https://example.org/conascipal",
        summary={"en": "An umbrella group.", "fr": "Une coalition."},
        description={"fr": "Premier paragraphe.\n\nSecond paragraphe."},
        language="fr",
        themes=[theme],
        locations=[make_location(name="Bamako", admin1="Bamako")],
        location_precision="commune",
        updated_at=datetime(2026, 3, 4, tzinfo=UTC),
    )
    member = make_organisation(name="Local Youth Group")
    funder = make_organisation(name="Generous Agency", type="government")
    link(org, "member_of", network, start_year=2002)
    link(member, "member_of", org)
    link(org, "funded_by", funder)
    make_initiative(
        title={"en": "White Book"}, organisations=[(org, "lead")], start_date=date(2016, 1, 1)
    )
    db.session.commit()

    response = client.get("/en/organisations/conascipal")
    assert response.status_code == 200
    page = soup(response)
    text = page.get_text(" ", strip=True)
    assert page.h1.get_text(" ", strip=True) == "Coalition Nationale (CONASCIPAL)"
    assert "National Coalition" in text and "Network or coalition" in text
    assert page.select_one(".lead").text == "An umbrella group."
    # The description exists only in French: shown in French, marked as such.
    prose = page.select_one(".prose")
    assert prose["lang"] == "fr"
    assert [p.text for p in prose.select("p:not(.note)")] == [
        "Premier paragraphe.",
        "Second paragraphe.",
    ]
    assert "Not yet verified" in text
    assert "March 4, 2026" in text
    assert (
        "1999" in text
        and "Bamako, Mali" in text
        and "Bamako, Bamako" not in text
        and "Early warning" in text
    )
    assert (
        page.select_one("#member-of")
        .find_next("ul")
        .get_text(" ", strip=True)
        .startswith("WAN West Africa Network (2002–")
    )
    assert "Local Youth Group" in page.select_one("#members").find_next("ul").text
    assert "Generous Agency" in page.select_one("#funders").find_next("ul").text
    assert "White Book" in page.select_one("#initiatives").find_next("ul").text
    website = page.select_one("a.external")
    assert website["href"] == "https://example.org/conascipal"


def test_profile_hides_contacts_unless_public(client, make_organisation):
    make_organisation(
        slug="private", email="secret@example.org", phone="+223 1", contacts_public=False
    )
    make_organisation(
        slug="public", email="hello@example.org", phone="+223 2", contacts_public=True
    )
    db.session.commit()
    private = client.get("/en/organisations/private").get_data(as_text=True)
    assert "secret@example.org" not in private and "+223 1" not in private
    public = client.get("/en/organisations/public").get_data(as_text=True)
    assert "hello@example.org" in public and "+223 2" in public


@pytest.mark.parametrize(
    ("precision", "shown", "hidden"),
    [
        ("exact", ["Sévaré", "Mopti"], []),
        ("commune", ["Sévaré", "Mopti"], []),
        ("region", ["Mopti"], ["Sévaré"]),
        ("country", ["Mali"], ["Sévaré", "Mopti"]),
        ("not_mapped", ["Mali"], ["Sévaré", "Mopti"]),
    ],
)
def test_profile_shows_places_only_as_precisely_as_agreed(
    client, make_organisation, make_location, precision, shown, hidden
):
    place = make_location(name="Sévaré", admin1="Mopti")
    make_organisation(slug="careful", locations=[place], location_precision=precision)
    db.session.commit()
    html = client.get("/en/organisations/careful").get_data(as_text=True)
    for word in shown:
        assert word in html
    for word in hidden:
        assert word not in html


def test_unpublished_records_never_leak(client, make_organisation, make_initiative, link):
    org = make_organisation(slug="open", name="Open Group")
    hidden = make_organisation(slug="hidden", name="Hidden Member", status="unpublished")
    link(hidden, "member_of", org)
    make_initiative(
        slug="secret",
        title={"en": "Secret Plan"},
        publication="unpublished",
        organisations=[(org, "lead")],
    )
    db.session.commit()
    assert client.get("/en/organisations/hidden").status_code == 404
    assert client.get("/en/initiatives/secret").status_code == 404
    profile = client.get("/en/organisations/open").get_data(as_text=True)
    assert "Hidden Member" not in profile and "Secret Plan" not in profile
    listing = client.get("/en/initiatives").get_data(as_text=True)
    assert "Secret Plan" not in listing


def test_website_with_unsafe_scheme_is_not_linked(client, make_organisation):
    make_organisation(slug="xss", website="javascript:alert(1)")
    db.session.commit()
    page = soup(client.get("/en/organisations/xss"))
    assert not page.select("a[href^=javascript]")


def test_related_organisations_share_networks_themes_places(
    client, make_organisation, make_theme, link
):
    theme = make_theme()
    network = make_organisation(name="Network", type="network")
    org = make_organisation(slug="me", themes=[theme])
    link(org, "member_of", network)
    sibling = make_organisation(name="Sibling Member")
    link(sibling, "member_of", network)
    make_organisation(name="Same Theme", themes=[theme])
    make_organisation(name="Unrelated")
    db.session.commit()
    page = soup(client.get("/en/organisations/me"))
    related = [a.text for a in page.select(".related .card h3 a")]
    assert related == ["Sibling Member", "Same Theme"]


def test_initiative_page_lists_organisations_by_role(
    client, make_organisation, make_initiative, make_location
):
    lead = make_organisation(name="WANEP")
    partner = make_organisation(name="GPPAC")
    funder = make_organisation(name="Austrian Development Agency")
    make_initiative(
        slug="hs-mali",
        title={"en": "Civil Society for a Human Security Strategy in Mali"},
        start_date=date(2013, 11, 1),
        end_date=date(2016, 10, 31),
        status="completed",
        locations=[make_location(name="Bamako", admin1="Bamako")],
        organisations=[(lead, "lead"), (partner, "partner"), (funder, "funder")],
    )
    db.session.commit()
    page = soup(client.get("/en/initiatives/hs-mali"))
    assert page.select_one("#role-lead").find_next("ul").text.strip() == "WANEP"
    assert "GPPAC" in page.select_one("#role-partner").find_next("ul").text
    assert "Austrian" in page.select_one("#role-funder").find_next("ul").text
    text = page.get_text(" ", strip=True)
    assert "November 1, 2013" in text and "October 31, 2016" in text and "Completed" in text
    listing = soup(client.get("/en/initiatives?status=completed"))
    assert [a.text for a in listing.select(".card h3 a")] == [
        "Civil Society for a Human Security Strategy in Mali"
    ]
    assert (
        client.get("/en/initiatives?status=planned").get_data(as_text=True).count('class="card"')
        == 0
    )


def test_home_page_counts_recent_and_countries(client, make_organisation, make_initiative):
    make_organisation(name="Alpha", country="ML")
    make_organisation(name="Beta", country="SN")
    make_organisation(name="Gamma", country="ML", status="unpublished")
    make_initiative()
    db.session.commit()
    page = soup(client.get("/en/"))
    counts = [li.get_text(" ", strip=True) for li in page.select(".counts li")]
    assert counts == ["2 organisations", "1 initiative", "2 countries"]
    countries = {a.text: a["href"] for a in page.select(".country-list a")}
    assert countries == {
        "Mali": "/en/organisations?country=ML",
        "Senegal": "/en/organisations?country=SN",
    }
    assert page.select_one("form[role=search]")["action"] == "/en/search"
    assert {a.text for a in page.select("#recent ~ .cards h3 a")} == {"Alpha", "Beta"}
