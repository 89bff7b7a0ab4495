"""Where a matter can be done (事项下放/委托/代收代办): the writes and reads of ``MatterDelegation``.

The county hall (县级政务服务中心) handles every published matter; a town centre, an industrial
park or a village station handles only the matters delegated, entrusted or handed to it for
collection, from the delegation's date until it is revoked.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from hall.catalog.models import Matter, MatterDelegation, MatterVersion
from hall.catalog.selectors import published_versions
from hall.models import Site, User
from hall.services.audit import audit_record

# Sites at these levels keep the whole catalog (县级 and above: 县级一口受理).
FULL_CATALOG_LEVELS = frozenset({Site.Level.CITY, Site.Level.COUNTY})


def _snapshot(delegation: MatterDelegation) -> dict:
    return {
        "matter": delegation.matter.code,
        "site": delegation.site.name,
        "kind": delegation.kind,
        "decides": delegation.decides,
        "document": delegation.document,
        "effective_date": str(delegation.effective_date),
        "revoked_date": str(delegation.revoked_date) if delegation.revoked_date else None,
    }


def matter_delegate(
    *,
    matter: Matter,
    site: Site,
    kind: str,
    document: str,
    effective_date: datetime.date,
    decides: bool | None = None,
    note: str = "",
    by: User | None = None,
    ip: str | None = None,
) -> MatterDelegation:
    """Delegate (下放), entrust (委托) or hand for collection (代收代办) ``matter`` to ``site``.

    Recording it again for the same site updates the record (a new document, a new date) and
    clears a revocation. 代收代办 never decides; the others decide unless told otherwise.
    """
    if decides is None:
        decides = kind != MatterDelegation.Kind.COLLECT
    errors = {}
    if site.level in FULL_CATALOG_LEVELS:
        errors["site"] = "县级及以上政务服务中心办理全部事项，无需下放。"
    if not document.strip():
        errors["document"] = "请填写下放（委托）依据文件文号。"
    if kind not in MatterDelegation.Kind.values:
        errors["kind"] = "请选择下放、委托或代收代办。"
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        existing = (
            MatterDelegation.objects.select_for_update()
            .select_related("matter", "site")
            .filter(matter=matter, site=site)
            .first()
        )
        before = _snapshot(existing) if existing else None
        delegation = existing or MatterDelegation(matter=matter, site=site)
        delegation.kind = kind
        delegation.decides = decides
        delegation.document = document.strip()
        delegation.effective_date = effective_date
        delegation.revoked_date = None
        delegation.note = note
        delegation.full_clean()
        delegation.save()
        audit_record(
            actor=by, action="matter.delegate", obj=delegation, before=before, after=_snapshot(delegation), ip=ip
        )
    return delegation


def matter_delegation_revoke(
    *, delegation: MatterDelegation, revoked_date: datetime.date, by: User | None = None, ip: str | None = None
) -> MatterDelegation:
    """Take the matter back from the site (收回) from ``revoked_date`` on."""
    with transaction.atomic():
        delegation = MatterDelegation.objects.select_for_update().select_related("matter", "site").get(pk=delegation.pk)
        if delegation.revoked_date is not None:
            raise ValidationError({"revoked_date": "该事项已收回。"})
        if revoked_date <= delegation.effective_date:
            raise ValidationError({"revoked_date": "收回日期须晚于下放日期。"})
        before = _snapshot(delegation)
        delegation.revoked_date = revoked_date
        delegation.save(update_fields=["revoked_date"])
        audit_record(
            actor=by,
            action="matter.delegation_revoke",
            obj=delegation,
            before=before,
            after=_snapshot(delegation),
            ip=ip,
        )
    return delegation


# --- Reads ------------------------------------------------------------------------------------------


def _active_on(day: datetime.date, prefix: str = "") -> Q:
    return Q(**{f"{prefix}effective_date__lte": day}) & (
        Q(**{f"{prefix}revoked_date__isnull": True}) | Q(**{f"{prefix}revoked_date__gt": day})
    )


def active_delegations(day: datetime.date | None = None) -> QuerySet[MatterDelegation]:
    """Delegations in force on ``day`` (today by default)."""
    return MatterDelegation.objects.filter(_active_on(day or timezone.localdate()))


def staff_site(user) -> Site | None:
    """The site a member of staff works at: their window's site, else their own site."""
    window = getattr(user, "window", None)
    if window is not None:
        return window.site
    return getattr(user, "site", None)


def versions_offered_at(
    site: Site | None, *, queryset: QuerySet[MatterVersion] | None = None, day: datetime.date | None = None
) -> QuerySet[MatterVersion]:
    """Published versions a window of ``site`` may take in (本场所可办事项).

    The county hall (or no site) offers the whole catalog; any other site only the matters
    delegated, entrusted or handed to it for collection and in force on ``day``.
    """
    versions = published_versions() if queryset is None else queryset
    if site is None or site.level in FULL_CATALOG_LEVELS:
        return versions
    in_force = active_delegations(day).filter(site=site).values("matter_id")
    return versions.filter(matter_id__in=in_force)


def matter_sites(matter: Matter, *, day: datetime.date | None = None) -> list[MatterDelegation]:
    """The delegations of ``matter`` in force, site joined, county sites first then by name."""
    return list(
        active_delegations(day)
        .filter(matter=matter, site__is_active=True)
        .select_related("site")
        .order_by("site__level", "site__name")
    )


def delegation_counts_by_site(day: datetime.date | None = None) -> list[dict]:
    """Per site, the published matters delegated / entrusted / collected there (one query)."""
    day = day or timezone.localdate()
    published = MatterVersion.objects.filter(status=MatterVersion.Status.PUBLISHED).values("matter_id")
    rows = (
        active_delegations(day)
        .filter(matter_id__in=published)
        .values("site_id", "site__name", "site__level")
        .annotate(
            total=Count("id"),
            delegated=Count("id", filter=Q(kind=MatterDelegation.Kind.DELEGATED)),
            entrusted=Count("id", filter=Q(kind=MatterDelegation.Kind.ENTRUSTED)),
            collect=Count("id", filter=Q(kind=MatterDelegation.Kind.COLLECT)),
            decides=Count("id", filter=Q(decides=True)),
        )
        .order_by("site__level", "site__name")
    )
    return [
        {
            "site_id": r["site_id"],
            "site": r["site__name"],
            "level": Site.Level(r["site__level"]).label,
            "total": r["total"],
            "delegated": r["delegated"],
            "entrusted": r["entrusted"],
            "collect": r["collect"],
            "decides": r["decides"],
        }
        for r in rows
    ]


def where_to_apply(matter: Matter, *, day: datetime.date | None = None) -> list[dict]:
    """Every site where ``matter`` can be done (可办理地点), for the guide: the county hall(s) with
    the whole catalog, then each site it is delegated, entrusted or handed to for collection."""
    rows = [
        {"site": site, "kind": "县级办理", "decides": True, "document": "", "effective_date": None}
        for site in Site.objects.filter(level__in=FULL_CATALOG_LEVELS, is_active=True).order_by("level", "name")
    ]
    rows += [
        {
            "site": d.site,
            "kind": d.get_kind_display(),
            "decides": d.decides,
            "document": d.document,
            "effective_date": d.effective_date,
        }
        for d in matter_sites(matter, day=day)
    ]
    return rows
