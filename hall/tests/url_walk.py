"""Every URL pattern of the project, from the resolver, as concrete sample paths (for tests that
must cover URLs other apps add later without being told about them)."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
import uuid
from dataclasses import dataclass, field

from django import forms
from django.apps import apps
from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver

SAMPLE_UUID = str(uuid.UUID(int=1))
_NAMED_GROUP = re.compile(r"\(\?P<(\w+)>")


@dataclass
class WalkedUrl:
    """One URL pattern: its name, its view, a sample path and the path with each argument swapped."""

    name: str
    view: object
    regex: str
    args: list[str] = field(default_factory=list)
    samples: dict[str, str] = field(default_factory=dict)

    def path(self, **overrides: str) -> str:
        return "/" + _fill(self.regex, {**self.samples, **overrides})

    @property
    def is_admin(self) -> bool:
        return self.regex.startswith("admin/")

    @property
    def view_class(self):
        return getattr(self.view, "view_class", None) or getattr(self.view, "cls", None)

    def accepts(self, method: str) -> bool | None:
        """True/False for class-based views; None (unknown) for function views."""
        cls = self.view_class
        if cls is None:
            return None
        return hasattr(cls, method.lower())


def _group_end(regex: str, start: int) -> int:
    depth = 0
    i = start
    while i < len(regex):
        char = regex[i]
        if char == "\\":
            i += 2
            continue
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    raise ValueError(regex)


def _sample_for(body: str) -> str:
    if re.fullmatch(r"[\w|]+", body):
        return body.split("|")[0]  # an alternation of literals (the admin's app labels)
    if body in (r"[0-9]+", r"\d+"):
        return "1"
    if "[0-9a-f]{8}" in body:
        return SAMPLE_UUID
    return "abc"


def _fill(regex: str, values: dict[str, str]) -> str:
    out = []
    i = 0
    while i < len(regex):
        match = _NAMED_GROUP.match(regex, i)
        if match:
            end = _group_end(regex, i)
            out.append(values.get(match.group(1), "abc"))
            i = end + 1
            continue
        char = regex[i]
        if char == "\\" and i + 1 < len(regex):
            out.append(regex[i + 1])
            i += 2
            continue
        if char in "^$":
            i += 1
            continue
        out.append(char)
        i += 1
    return "".join(out).replace("\\Z", "")


def _clean(pattern_regex: str) -> str:
    return pattern_regex.removeprefix("^").removesuffix("\\Z").removesuffix("$")


def walk_urls() -> list[WalkedUrl]:
    """Every URL pattern reachable from ROOT_URLCONF (admin included)."""
    found: list[WalkedUrl] = []

    def visit(patterns, prefix: str):
        for entry in patterns:
            regex = prefix + _clean(entry.pattern.regex.pattern)
            if isinstance(entry, URLResolver):
                visit(entry.url_patterns, regex)
            elif isinstance(entry, URLPattern):
                names = _NAMED_GROUP.findall(regex)
                samples = {}
                for match in _NAMED_GROUP.finditer(regex):
                    end = _group_end(regex, match.start())
                    samples[match.group(1)] = _sample_for(regex[match.end() : end])
                found.append(WalkedUrl(entry.name or "", entry.callback, regex, names, samples))

    visit(get_resolver().url_patterns, "")
    return found


def _project_modules():
    base = str(settings.BASE_DIR)
    for config in apps.get_app_configs():
        if not config.path.startswith(base) or "/.venv/" in config.path or "site-packages" in config.path:
            continue  # third-party apps
        package = importlib.import_module(config.name)
        yield package
        for info in pkgutil.walk_packages(package.__path__, prefix=config.name + "."):
            if ".tests" in info.name or ".migrations" in info.name or info.name.endswith(".load"):
                continue
            try:
                yield importlib.import_module(info.name)
            except Exception:  # noqa: S112 (a module that cannot import on its own is not a form source)
                continue


def date_parameter_names(schema: dict | None = None) -> set[str]:
    """Names under which the project accepts a date: form and filter fields, API parameters."""
    from django_filters import filterset
    from rest_framework import serializers

    names = {"start", "end", "date", "day", "from", "to", "date_from", "date_to", "since", "until"}
    for module in _project_modules():
        for _, obj in inspect.getmembers(module, inspect.isclass):
            if issubclass(obj, forms.BaseForm):
                fields = getattr(obj, "base_fields", {})
                names |= {n for n, f in fields.items() if isinstance(f, (forms.DateField, forms.DateTimeField))}
            elif issubclass(obj, filterset.BaseFilterSet):
                names |= {
                    n
                    for n, f in obj.base_filters.items()
                    if issubclass(f.field_class, (forms.DateField, forms.DateTimeField))
                }
            elif issubclass(obj, serializers.Serializer) and obj.__module__ == module.__name__:
                try:
                    fields = obj().fields
                except Exception:  # noqa: S112 (serializers needing context cannot be listed bare)
                    continue
                names |= {
                    n for n, f in fields.items() if isinstance(f, (serializers.DateField, serializers.DateTimeField))
                }
    for operation in (schema or {}).get("paths", {}).values():
        for spec in operation.values():
            for parameter in spec.get("parameters", []) if isinstance(spec, dict) else []:
                if parameter.get("schema", {}).get("format") in ("date", "date-time"):
                    names.add(parameter["name"])
    return names
