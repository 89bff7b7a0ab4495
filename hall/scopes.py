"""Row-level data scope (数据权限), the same for every kind of record the hall's staff handle.

- hall supervisor (大厅管理), leader (局领导), administrator: every record; leaders and
  administrators read only;
- approver / inspector (审批/勘验人员): records of their own department (or its parent, when the
  user sits in a section 股室);
- window clerk (窗口人员): records of their own site, and, where a record names who received it,
  those they received themselves;
- citizen (群众/企业): only records that name them, where a kind of record has such a field.

Each kind of record (applications, evaluations and 差评 cases, work orders) states which of its
fields carry the site, the department, the citizen and the receiving clerk (``RecordScope``);
the rules above are written here once, as a query filter and as a check on a loaded row.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from hall.models import User

R = User.Role
SEE_ALL_ROLES = (R.SUPERVISOR, R.LEADER, R.ADMIN)
DEPARTMENT_ROLES = (R.APPROVER, R.INSPECTOR)
READ_ONLY_ROLES = (R.LEADER, R.ADMIN)
NOTHING = Q(pk__in=[])


def department_ids(user) -> list[int]:
    """The user's department and, for a section (股室), its parent department."""
    ids = []
    if user.department_id:
        ids.append(user.department_id)
        parent_id = getattr(user.department, "parent_id", None)
        if parent_id:
            ids.append(parent_id)
    return ids


def _active(user) -> bool:
    return user is not None and user.is_authenticated and user.is_active


def _id_at(obj, path: str):
    """``obj``'s foreign key id at a lookup path: "evaluation__evaluator_user" → obj.evaluation.evaluator_user_id."""
    *parts, last = path.split("__")
    for part in parts:
        obj = getattr(obj, part)
    return getattr(obj, f"{last}_id")


@dataclass(frozen=True)
class RecordScope:
    """Which fields of one kind of record carry the scope (lookup paths to foreign keys)."""

    site: str = "site"
    department: str = "department"
    citizen: str | None = None  # the user the record belongs to; None: citizens see none
    received_by: str | None = None  # a clerk also sees what they received, at any site

    def filter(self, user) -> Q | None:
        """The filter limiting such records to ``user``'s scope; None means everything."""
        if not _active(user):
            return NOTHING
        role = user.role
        if role in SEE_ALL_ROLES:
            return None
        if role == R.PUBLIC:
            return Q(**{self.citizen: user}) if self.citizen else NOTHING
        if role == R.CLERK:
            condition = Q(**{f"{self.site}_id": user.site_id}) if user.site_id else NOTHING
            return Q(**{self.received_by: user}) | condition if self.received_by else condition
        if role in DEPARTMENT_ROLES:
            ids = department_ids(user)
            return Q(**{f"{self.department}_id__in": ids}) if ids else NOTHING
        return NOTHING

    def visible(self, user, queryset: QuerySet) -> QuerySet:
        condition = self.filter(user)
        return queryset if condition is None else queryset.filter(condition)

    def can_see(self, user, obj) -> bool:
        """Whether ``obj`` (already loaded) is within ``user``'s scope."""
        if not _active(user):
            return False
        role = user.role
        if role in SEE_ALL_ROLES:
            return True
        if role == R.PUBLIC:
            return self.citizen is not None and _id_at(obj, self.citizen) == user.pk
        if role == R.CLERK:
            if self.received_by and _id_at(obj, self.received_by) == user.pk:
                return True
            return bool(user.site_id) and _id_at(obj, self.site) == user.site_id
        if role in DEPARTMENT_ROLES:
            return _id_at(obj, self.department) in department_ids(user)
        return False

    def can_act(self, user, obj) -> bool:
        """Scope for actions: like :meth:`can_see`, but leaders and administrators read only."""
        return getattr(user, "role", None) not in READ_ONLY_ROLES and self.can_see(user, obj)

    def can_view_personal_data(self, user, obj) -> bool:
        """Full ID numbers and phones: the citizen and the staff handling it, never a leader's list."""
        return self.can_see(user, obj) and getattr(user, "role", None) != R.LEADER
