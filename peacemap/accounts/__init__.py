"""Moderator and administrator accounts (created from the CLI only)."""
