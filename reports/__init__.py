"""Dashboards, metric definitions and the annual xlsx exports."""
