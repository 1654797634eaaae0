"""Moderators' work: the queue, reviews and decisions, verification, publication, history."""
