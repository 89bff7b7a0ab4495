"""Template context for the shared layout: the navigation of the user's role, unread messages."""

from hall.roles import nav_for


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    return {
        "nav_items": nav_for(user),
        "unread_notifications": user.notifications.filter(read_at__isnull=True).count(),
    }
