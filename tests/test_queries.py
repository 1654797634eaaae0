"""A profile costs a fixed number of queries, whatever the number of its relations."""

from peacemap.extensions import db


def build_profile(make_organisation, make_initiative, make_theme, make_location, link, size):
    org = make_organisation(
        slug=f"hub-{size}",
        themes=[make_theme() for _ in range(3)],
        locations=[make_location() for _ in range(3)],
    )
    for n in range(size):
        other = make_organisation()
        kind = ("member_of", "partner_of", "funded_by")[n % 3]
        if n % 2:
            link(org, kind, other, start_year=2000 + n % 20)
        else:
            link(other, kind, org)
        make_initiative(organisations=[(org, ("lead", "partner", "funder")[n % 3])])
    db.session.commit()
    return org.slug


def test_profile_query_count_does_not_grow(
    client, make_organisation, make_initiative, make_theme, make_location, link, count_queries
):
    small = build_profile(make_organisation, make_initiative, make_theme, make_location, link, 6)
    large = build_profile(make_organisation, make_initiative, make_theme, make_location, link, 50)

    with count_queries() as few:
        assert client.get(f"/en/organisations/{small}").status_code == 200
    with count_queries() as many:
        response = client.get(f"/en/organisations/{large}")
    assert response.status_code == 200
    assert response.get_data(as_text=True).count('href="/en/initiatives/') == 50
    assert many.count == few.count, many.statements
    assert many.count <= 16


def test_list_query_count_does_not_grow(client, make_organisation, make_theme, count_queries):
    theme = make_theme()
    for _ in range(3):
        make_organisation(themes=[theme])
    db.session.commit()
    with count_queries() as few:
        client.get("/en/organisations")
    for _ in range(30):
        make_organisation(themes=[theme, make_theme()])
    db.session.commit()
    with count_queries() as many:
        client.get("/en/organisations")
    assert many.count == few.count
