"""The organisation decides (its owner pages, without an account): a mailed single-use link
(tokens.py) opens a short owner session in which it confirms its listing, chooses what is shown,
proposes edits and can hide the listing at once (services.py, views.py); a profile also takes a
"this listing puts us in danger" request from anyone, which hides it at once too."""
