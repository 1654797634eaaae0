"""What the phone layouts put in the HTML: the menu and filters in disclosures, the filters in
use named above the results, a profile's table of contents and long lists folded after ten.
(How it looks at 320, 360 and 1280 px is tests/browser/test_phone_layout.py.)"""

from urllib.parse import parse_qs, urlsplit

import pytest

from peacemap.extensions import db
from tests.conftest import soup


def test_the_menu_is_a_disclosure_named_menu(client):
    page = soup(client.get("/fr/"))
    menu = page.select_one("header details.menu")
    assert menu is not None and not menu.has_attr("open")
    assert menu.select_one("summary").get_text(strip=True) == "Menu"
    # Every link of the main menu and the language switcher is inside it, once.
    assert [a["hreflang"] for a in menu.select("nav[aria-label] a[hreflang]")] == ["en", "fr", "ar"]
    in_header = page.select("header a[href='/fr/map']")
    assert len(in_header) == len(menu.select("a[href='/fr/map']")) == 1


@pytest.mark.parametrize(
    "path,names",
    [
        ("/en/organisations", ["country", "type"]),
        ("/en/initiatives", ["country"]),
        ("/en/search?q=peace", ["country", "type"]),
        ("/en/map", ["country", "type"]),
    ],
)
def test_filters_fold_above_the_results_and_the_active_ones_are_named(
    client, make_organisation, path, names
):
    make_organisation(name="Mali Network", country="ML", type="network")
    db.session.commit()
    plain = soup(client.get(path))
    panel = plain.select_one("details.filter-panel")
    assert panel is not None and not panel.has_attr("open")
    assert panel.select_one("summary").get_text(" ", strip=True) == "Filters"  # none active
    assert plain.select(".active-filters") == []
    # The panel comes before the results in the page.
    assert str(plain).index("filter-panel") < str(plain).index('id="results"')

    query = "&".join(f"{name}={'ML' if name == 'country' else 'network'}" for name in names)
    page = soup(client.get(path + ("&" if "?" in path else "?") + query))
    summary = page.select_one("details.filter-panel summary").get_text(" ", strip=True)
    assert summary == f"Filters {len(names)} active"
    chips = page.select(".active-filters .chips a")
    assert len(chips) == len(names)
    for name, chip in zip(names, chips, strict=True):
        assert chip.get_text(" ", strip=True).startswith("Remove the filter")
        left = parse_qs(urlsplit(chip["href"]).query)
        assert name not in left and all(other in left for other in names if other != name)
    assert "Country: Mali ×" in chips[0].get_text(" ", strip=True)  # the count "(1)" left out


def test_french_chips_use_french_typography(client, make_organisation):
    make_organisation(name="Mali Network", country="ML")
    db.session.commit()
    page = soup(client.get("/fr/organisations?country=ML"))
    assert "Pays\u202f: Mali" in page.select_one(".chips a").get_text()


def network_with_members(make_organisation, link, count):
    network = make_organisation(name="Big Network", slug="big-network", type="network")
    for n in range(count):
        link(make_organisation(name=f"Member {n:02d}"), "member_of", network)
    db.session.commit()
    return network


@pytest.mark.parametrize("count,folded", [(12, 2), (10, 0)])
def test_a_long_member_list_folds_after_ten(client, make_organisation, link, count, folded):
    network_with_members(make_organisation, link, count)
    page = soup(client.get("/en/organisations/big-network"))
    section = page.select_one("section[aria-labelledby=members]")
    shown = section.select(":scope > ul > li")
    assert len(shown) == 10
    more = section.select("details.more")
    if folded:
        assert more[0].select_one("summary").get_text(strip=True) == f"Show all {count} members"
        assert len(more[0].select("li")) == folded
        assert not more[0].has_attr("open")
    else:
        assert more == []  # the control: ten rows are not folded
    names = [li.get_text(strip=True) for li in section.select("li")]
    assert names == sorted(names) and len(names) == count  # every member once, in order


def test_a_profile_has_a_table_of_contents_to_its_sections(client, make_organisation, link):
    network_with_members(make_organisation, link, 12)
    page = soup(client.get("/en/organisations/big-network"))
    toc = page.select_one("header nav.toc")
    links = [a["href"] for a in toc.select("a")]
    assert "#members" in links and "#places" in links
    assert "Members (12)" in toc.get_text()
    for href in links:
        assert page.select_one(f"[id='{href[1:]}']") is not None, href
    # A section the profile does not have is not in the contents.
    assert "#partners" not in links and page.select_one("#partners") is None


def test_an_initiative_has_a_table_of_contents(client, make_organisation, make_initiative):
    lead = make_organisation(name="Lead Group")
    make_initiative(
        slug="a-project", description={"en": "What it does."}, organisations=[(lead, "lead")]
    )
    db.session.commit()
    page = soup(client.get("/en/initiatives/a-project"))
    links = [a["href"] for a in page.select("nav.toc a")]
    assert links[:2] == ["#about-initiative", "#role-lead"]
    for href in links:
        assert page.select_one(f"[id='{href[1:]}']") is not None, href


def test_a_chip_shows_a_typed_keyword_as_text(client):
    response = client.get("/en/organisations?q=%3Cb%3Ebold%3C/b%3E")
    chip = soup(response).select_one(".chips a")
    assert "Keyword: <b>bold</b>" in chip.get_text()
    assert chip.select("b") == [] and "&lt;b&gt;bold" in response.get_data(as_text=True)
