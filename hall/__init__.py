"""The hall: project configuration and the hall's own domain (people, places, calendar)."""

from .celery import app as celery_app

__all__ = ("celery_app",)
