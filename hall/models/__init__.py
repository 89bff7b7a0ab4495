"""Models of the hall: people, places, the working-day calendar, audit and notifications."""

from .audit import AuditLog
from .calendar import CalendarDay, CalendarYear, OpeningPeriod
from .notifications import Notification
from .people import User
from .places import Department, Division, Site, Window, Zone

__all__ = [
    "AuditLog",
    "CalendarDay",
    "CalendarYear",
    "Department",
    "Division",
    "Notification",
    "OpeningPeriod",
    "Site",
    "User",
    "Window",
    "Zone",
]
