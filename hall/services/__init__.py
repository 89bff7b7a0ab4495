"""Writes of the hall domain. Every state change goes through a function here."""
