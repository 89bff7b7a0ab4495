"""Load data (压测数据) of the register: entities over several years with realistic type shares
(个体工商户 the majority), 企业开办 bundles, deregistrations, dormancies and 个转企. Bulk writes only.

Codes are well formed (GB 32100) and never collide with issued ones: load data uses division
``139999`` in its codes. Every row carries ``is_load_data`` so it can be deleted.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from enterprises.models import (
    Dormancy,
    EntityStatus,
    EntityType,
    MarketEntity,
    StartupBundle,
)
from enterprises.rollup import rollup_rebuild
from enterprises.services.register import credit_code_build
from hall.bulkcopy import copy_instances

LOAD_DIVISION = "139999"
# 市场主体结构: individual businesses are about two thirds in a Chinese county.
TYPE_SHARES = [
    (EntityType.INDIVIDUAL, 66),
    (EntityType.LLC, 24),
    (EntityType.SOLE, 3),
    (EntityType.PARTNERSHIP, 1),
    (EntityType.COOPERATIVE, 3),
    (EntityType.BRANCH, 2),
    (EntityType.JOINT_STOCK, 0.5),
    (EntityType.NON_COMPANY, 0.4),
    (EntityType.FOREIGN_BRANCH, 0.1),
]
INDUSTRY_SHARES = [("F", 40), ("H", 15), ("O", 12), ("A", 8), ("C", 7), ("E", 5), ("L", 5), ("I", 4), ("G", 4)]
STREETS = ["人民路", "建设街", "城关镇", "河西镇"]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚"
WORDS = ["恒达", "瑞丰", "鑫源", "华盛", "宏图", "永兴", "金穗", "博远", "天成", "聚福", "顺通", "德润"]
SUFFIX = {
    EntityType.INDIVIDUAL: "便利店",
    EntityType.LLC: "有限公司",
    EntityType.JOINT_STOCK: "股份有限公司",
    EntityType.SOLE: "个人独资企业",
    EntityType.PARTNERSHIP: "合伙企业（有限合伙）",
    EntityType.COOPERATIVE: "种植专业合作社",
    EntityType.BRANCH: "有限公司清源分公司",
    EntityType.NON_COMPANY: "公司",
    EntityType.FOREIGN_BRANCH: "清源代表处",
}


def _weighted(rng: random.Random, options):
    values, weights = zip(*options, strict=True)
    return rng.choices(values, weights=weights)[0]


def _id_number(rng: random.Random) -> str:
    from hall.validators import resident_id_check_char

    birth = date(1960, 1, 1) + timedelta(days=rng.randrange(0, 15000))
    first17 = f"130921{birth:%Y%m%d}{rng.randrange(0, 1000):03d}"
    return first17 + resident_id_check_char(first17)


def generate_entities(
    *,
    count: int,
    years: int = 10,
    today: date | None = None,
    seed: int | None = None,
    bundles: int = 0,
    batch_size: int = 5000,
    progress: Callable[[int], None] | None = None,
) -> dict[str, int]:
    """Make ``count`` entities registered over ``years`` (growing ~8 % a year), with exits and dormancies,
    and ``bundles`` finished 企业开办 bundles over the last year."""
    from hall.models import Site

    rng = random.Random(seed)  # noqa: S311 - load data, not security
    today = today or timezone.localdate()
    site = Site.objects.filter(level=Site.Level.COUNTY).select_related("division").first()
    start = date(today.year - years + 1, 1, 1)
    # Yearly weights growing 8 % a year, so year-on-year growth is meaningful.
    year_weights = [(start.year + i, 1.08**i) for i in range(years)]
    serial = MarketEntity.objects.filter(credit_code__contains=LOAD_DIVISION).count() + 1
    made = {"entities": 0, "deregistered": 0, "dormancies": 0, "bundles": 0}
    with transaction.atomic():
        for offset in range(0, count, batch_size):
            rows = []
            for _ in range(min(batch_size, count - offset)):
                entity_type = _weighted(rng, TYPE_SHARES)
                year = _weighted(rng, year_weights)
                first = date(year, 1, 1)
                last = min(date(year, 12, 31), today)
                registered_on = first + timedelta(days=rng.randrange(0, max((last - first).days, 0) + 1))
                status, deregistered_on = EntityStatus.ACTIVE, None
                age = (today - registered_on).days
                if age > 60 and rng.random() < 0.18:
                    deregistered_on = registered_on + timedelta(days=rng.randrange(30, age))
                    status = EntityStatus.DEREGISTERED
                elif age > 60 and rng.random() < 0.03:
                    status = EntityStatus.DORMANT
                word = rng.choice(WORDS)
                rows.append(
                    MarketEntity(
                        credit_code=credit_code_build(
                            entity_type=entity_type, division_code=LOAD_DIVISION, serial=serial
                        ),
                        name=f"清源县{word}{serial}{SUFFIX[entity_type]}",
                        entity_type=entity_type,
                        legal_representative=rng.choice(SURNAMES) + rng.choice(GIVEN),
                        legal_representative_id_number=_id_number(rng),
                        registered_capital=Decimal(
                            0 if entity_type == EntityType.INDIVIDUAL else rng.choice([10, 50, 100, 500])
                        ),
                        address=f"清源县{rng.choice(STREETS)}{rng.randrange(1, 300)}号",
                        industry=_weighted(rng, INDUSTRY_SHARES),
                        site=site,
                        division_id=site.division_id if site else None,
                        status=status,
                        registered_on=registered_on,
                        deregistered_on=deregistered_on,
                        is_load_data=True,
                    )
                )
                serial += 1
            created = copy_instances(MarketEntity, rows)
            made["entities"] += len(created)
            made["deregistered"] += sum(1 for e in created if e.deregistered_on)
            dormant = [e for e in created if e.status == EntityStatus.DORMANT]
            Dormancy.objects.bulk_create(
                Dormancy(
                    entity=e,
                    starts_on=today - timedelta(days=rng.randrange(1, 300)),
                    ends_on=today + timedelta(days=rng.randrange(1, 300)),
                    state=Dormancy.State.ACTIVE,
                    reason="经营调整",
                )
                for e in dormant
            )
            made["dormancies"] += len(dormant)
            if progress:
                progress(made["entities"])
        made["bundles"] = _generate_bundles(rng, bundles, today=today, site=site)
        rollup_rebuild()
    return made


def _generate_bundles(rng: random.Random, count: int, *, today: date, site) -> int:
    """Finished 企业开办 bundles of the last year (load data only: no linked applications)."""
    if not count or site is None:
        return 0
    from approvals.models import ApplicationBundle
    from enterprises.demo import seed_startup_theme

    theme = seed_startup_theme()
    if theme is None:
        return 0
    tz = timezone.get_current_timezone()
    taken = ApplicationBundle.objects.filter(number__startswith="YJSLOAD").count()
    bundles = copy_instances(
        ApplicationBundle,
        [ApplicationBundle(number=f"YJSLOAD{taken + i:09d}", theme_service=theme) for i in range(count)],
    )
    rows = []
    for bundle in bundles:
        day = today - timedelta(days=rng.randrange(0, 365))
        submitted = datetime.combine(day, time(9 + rng.randrange(0, 3), rng.randrange(0, 60)), tzinfo=tz)
        minutes = max(20, int(rng.gauss(150, 60)))
        returned = rng.random() < 0.03
        rows.append(
            StartupBundle(
                bundle=bundle,
                state=StartupBundle.State.FINISHED,
                name=f"清源县{rng.choice(WORDS)}{bundle.pk}有限公司",
                entity_type=EntityType.LLC,
                legal_representative=rng.choice(SURNAMES) + rng.choice(GIVEN),
                legal_representative_id_number=_id_number(rng),
                registered_capital=Decimal(100),
                address="清源县人民路 1 号",
                industry=_weighted(rng, INDUSTRY_SHARES),
                phone="13900000000",
                site=site,
                submitted_at=submitted,
                finished_at=submitted + timedelta(minutes=minutes),
                finished_on=day,
                elapsed_minutes=minutes,
                target_minutes=210,
                within_target=minutes <= 210,
                return_count=1 if returned else 0,
                e_licence_number=f"DZZZ{bundle.pk:010d}" if rng.random() < 0.97 else "",
                e_licence_with_registration=False,
                seal_made=rng.random() < 0.95,
                is_load_data=True,
            )
        )
    for row in rows:
        row.e_licence_with_registration = bool(row.e_licence_number)
    copy_instances(StartupBundle, rows)
    return len(rows)


def delete_load_data() -> int:
    """Remove every load entity and bundle (and their dormancies)."""
    from approvals.models import ApplicationBundle
    from enterprises.models import RegistrationAct

    with transaction.atomic():
        Dormancy.objects.filter(entity__is_load_data=True).delete()
        RegistrationAct.objects.filter(entity__is_load_data=True).delete()
        count, _ = MarketEntity.objects.filter(is_load_data=True).delete()
        ids = list(StartupBundle.objects.filter(is_load_data=True).values_list("bundle_id", flat=True))
        StartupBundle.objects.filter(is_load_data=True).delete()
        ApplicationBundle.objects.filter(pk__in=ids).delete()
        rollup_rebuild()
    return count
