"""The metric registry (指标库): every figure of every installed app, collected once.

Each installed app (and each sub-package of one, e.g. ``evaluations.workorders``) may have a
``metrics`` module with a list ``METRICS`` of ``hall.metrics.Metric``; a missing module is skipped,
so an app's figures appear as soon as it defines them. Codes are unique across the project.
"""

from __future__ import annotations

import importlib
import logging
import pkgutil
from functools import lru_cache

from django.apps import apps
from django.conf import settings
from django.db import transaction

from hall.metrics import SECTIONS, Metric, Scope
from reports.metrics.base import memo

logger = logging.getLogger(__name__)
SKIP_PACKAGES = {"migrations", "tests", "management", "templatetags", "views", "services", "models"}


class UnknownMetric(KeyError):
    pass


def _metrics_modules() -> list[str]:
    names = []
    base = str(settings.BASE_DIR)
    for config in apps.get_app_configs():
        if not str(config.path).startswith(base) or "/.venv/" in str(config.path):
            continue  # third-party apps define no figures of the bureau
        names.append(f"{config.name}.metrics")
        module = config.module
        for info in pkgutil.iter_modules(getattr(module, "__path__", [])):
            if info.ispkg and info.name not in SKIP_PACKAGES and info.name != "metrics":
                names.append(f"{config.name}.{info.name}.metrics")
    return list(dict.fromkeys(names))


def _import(name: str):
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        # Only "this module does not exist" is skipped; a broken import inside it is an error.
        if exc.name and name.startswith(exc.name):
            return None
        if name.startswith("reports."):
            raise
        logger.exception("metrics module %s does not import; its figures are left out", name)
        return None
    except Exception:
        # Another app's broken module must not take every report down; ours must never be broken.
        if name.startswith("reports."):
            raise
        logger.exception("metrics module %s does not import; its figures are left out", name)
        return None


@lru_cache(maxsize=1)
def all_metrics() -> tuple[Metric, ...]:
    """Every figure, ordered by section (as the annual summary's sheets), then definition order."""
    found: dict[str, Metric] = {}
    for name in _metrics_modules():
        module = _import(name)
        for metric in getattr(module, "METRICS", None) or []:
            if metric.code in found and found[metric.code] is not metric:
                raise ValueError(f"指标代码重复：{metric.code}（{name}）")
            found[metric.code] = metric
    order = {section: index for index, section in enumerate(SECTIONS)}
    indexed = list(enumerate(found.values()))
    indexed.sort(key=lambda pair: (order.get(pair[1].section, len(order)), pair[0]))
    return tuple(metric for _, metric in indexed)


def metric_by_code(code: str) -> Metric:
    for metric in all_metrics():
        if metric.code == code:
            return metric
    raise UnknownMetric(code)


def metrics_of_section(section: str) -> list[Metric]:
    return [m for m in all_metrics() if m.section == section]


def own(metric: Metric) -> bool:
    return metric.value.__module__.startswith("reports.")


def safe_call(metric: Metric, call, default=None):
    """Call a figure of another app so that its failure shows as "—" (and is logged) instead of
    breaking a page or an export; our own figures are trusted (their tests guard them)."""
    if own(metric):
        return call()
    try:
        if not transaction.get_connection().in_atomic_block:
            return call()  # autocommit: a failed query poisons nothing, no savepoint needed
        with transaction.atomic():
            return call()
    except Exception:  # another app's figure must never take a report down
        logger.exception("figure %s failed", metric.code)
        return default


def value_of(metric: Metric, scope: Scope):
    return safe_call(metric, lambda: metric.value(scope))


def breakdown_of(metric: Metric, scope: Scope, dimension: str):
    if metric.breakdown is None or dimension not in metric.dimensions:
        return []
    return safe_call(metric, lambda: metric.breakdown(scope, dimension), default=[]) or []


def evaluate(scope: Scope, metrics=None) -> list[tuple[Metric, object]]:
    """(figure, value) for every figure (or the given ones), sharing aggregates per scope."""
    metrics = all_metrics() if metrics is None else metrics
    with memo():
        return [(metric, value_of(metric, scope)) for metric in metrics]
