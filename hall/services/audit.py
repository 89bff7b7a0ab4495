"""Audit records (审计记录): written in the same transaction as the change they describe."""

from __future__ import annotations

from typing import Any

from django.db import models

from hall.models import AuditLog


def client_ip(request) -> str | None:
    """The client address: X-Forwarded-For believed only from settings.TRUSTED_PROXIES
    (see hall.middleware, which resolves it once per request)."""
    from hall.middleware import client_ip as resolved_client_ip

    return resolved_client_ip(request)


def audit_record(
    *,
    actor,
    action: str,
    obj: models.Model | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    note: str = "",
    ip: str | None = None,
) -> AuditLog:
    """Append one audit entry. ``actor`` may be None for the system (Celery, commands)."""
    is_user = actor is not None and getattr(actor, "pk", None) is not None
    return AuditLog.objects.create(
        actor=actor if is_user else None,
        actor_repr=str(actor) if is_user else "系统",
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=str(obj)[:200] if obj is not None else "",
        before=before,
        after=after,
        note=note[:500],
        ip_address=ip,
    )


def model_snapshot(obj: models.Model, fields: list[str] | None = None) -> dict[str, Any]:
    """The concrete field values of ``obj`` as JSON-friendly data, for before/after diffs."""
    data = {}
    for field in obj._meta.concrete_fields:
        if fields is not None and field.name not in fields:
            continue
        if field.name in {"password"}:
            continue
        value = field.value_from_object(obj)
        data[field.attname] = value if isinstance(value, (int, float, bool, str, type(None))) else str(value)
    return data


def changed_fields(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict, dict]:
    """Only the keys whose values differ, as a (before, after) pair."""
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}
