"""When the public guides change (办事指南缓存失效): on commit of any change a visitor could see.

Drafts (草稿) are invisible to the public, so editing a draft or its materials leaves the cached
guides alone; publishing, withdrawing or retiring a version, and any change of the other catalog
rows a guide shows (matters, theme services, site delegations …), invalidates them.
"""

from __future__ import annotations

from django.apps import apps
from django.db.models.signals import m2m_changed, post_delete, post_save

from hall.public_cache import CATALOG, invalidate_on_commit


def _visible(instance) -> bool:
    """Whether a change of this catalog row can show on a public page."""
    from hall.catalog.models import MatterVersion

    draft = MatterVersion.Status.DRAFT
    if isinstance(instance, MatterVersion):
        # A draft that was never public changes nothing a visitor sees.
        return instance.status != draft
    version_id = getattr(instance, "version_id", None)
    if version_id is not None:
        return MatterVersion.objects.filter(pk=version_id).exclude(status=draft).exists()
    return True


def _row_changed(sender, instance, **kwargs) -> None:
    if _visible(instance):
        invalidate_on_commit(CATALOG)


def _relation_changed(sender, instance, action, **kwargs) -> None:
    if action.startswith("post_") and _visible(instance):
        invalidate_on_commit(CATALOG)


def connect_catalog_signals() -> None:
    """Connect every model of the catalog app, so rows added later are covered too (from ready())."""
    for model in apps.get_app_config("catalog").get_models():
        uid = f"public-cache-{model._meta.label_lower}"
        post_save.connect(_row_changed, sender=model, dispatch_uid=uid + "-save")
        post_delete.connect(_row_changed, sender=model, dispatch_uid=uid + "-delete")
        for field in model._meta.local_many_to_many:
            m2m_changed.connect(
                _relation_changed, sender=field.remote_field.through, dispatch_uid=f"{uid}-{field.name}"
            )
