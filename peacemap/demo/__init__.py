"""Demonstration content: real organisations and initiatives from the seed documents."""
