"""Who may maintain the catalog (事项清单维护): supervisors and administrators; leaders only read."""

from hall.models import User

R = User.Role

CATALOG_EDITOR_ROLES: tuple[str, ...] = (R.SUPERVISOR, R.ADMIN)


def can_edit_catalog(user) -> bool:
    return bool(user and user.is_authenticated and user.role in CATALOG_EDITOR_ROLES)
