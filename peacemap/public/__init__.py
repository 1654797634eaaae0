"""The public view: what anyone who is not a moderator may see of a record.

This is the one place where PeaceMap's first promise is kept: a profile never shows more than
its owner agreed to, whichever way it is asked for. Every public output (pages, the correction
and report forms, search documents, map layers and popups, the API, every export, JSON-LD, mail
to anyone but moderators) reads a record's places, points and contacts through this package:

- `places`: what a record's chosen location precision lets visitors see of its places: names,
  regions, the point drawn on the map, the columns of an export, and the SQL conditions of the
  filters that find records by region;
- `view`: contacts (only when the owner made them public), verification (without a person's
  name), and the correction form's starting values (only what the public sees);
- `crisis`: records placed in an area an admin put in crisis mode, which the others narrow
  (country only, drawn nowhere, no contacts, links unnamed, out of the exports).

Only the modules listed in tests/test_public_view.py may read a record's private attributes
(its email and phone, whether they are public, its locations and their coordinates, its
location precision); a test fails when any other module does.
"""


def init_app(app):
    """Templates read relationships through the public view too."""
    from peacemap.public import links

    app.add_template_filter(links.named_leads, "named_leads")
