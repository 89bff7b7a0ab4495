"""Fast bulk writes of unsaved model instances with PostgreSQL ``COPY`` (压测数据 and large imports).

``bulk_create`` spends most of its time compiling INSERT statements value by value; ``COPY`` takes
one text stream per batch. Primary keys are taken from the table's sequence up front (one
``nextval`` query per batch) so that children can reference their parents before anything is
written. COPY sends no signals and runs no ``save()``: callers own consistency, as with
``bulk_create``. Other databases fall back to ``bulk_create``.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterable, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal

from django.db import connection, models
from django.utils import timezone

_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def copy_text(value) -> str:
    """One value in PostgreSQL's COPY text format (``\\N`` for NULL)."""
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    text = str(value)
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        return text.translate(_ESCAPES)
    return text


def _text(value) -> str:
    if value is None:
        return "\\N"
    if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
        return value.translate(_ESCAPES)
    return value


def _number(value) -> str:
    return "\\N" if value is None else str(value)


def _boolean(value) -> str:
    return "\\N" if value is None else ("t" if value else "f")


def _moment(value) -> str:
    return "\\N" if value is None else value.isoformat()


def _converter(field: models.Field) -> Callable[[object], str]:
    """The cheapest correct text conversion of one field's Python value."""
    kind = field.get_internal_type()
    if kind in ("CharField", "TextField", "SlugField", "EmailField", "URLField", "FileField", "ImageField"):
        return lambda v: _text(v if v is None or isinstance(v, str) else str(v))
    if field.is_relation or kind.endswith("AutoField") or kind.endswith("IntegerField"):
        return _number
    if kind == "BooleanField":
        return _boolean
    if kind in ("DateField", "DateTimeField"):
        return _moment
    if kind == "UUIDField":
        return _number
    if kind == "DecimalField":
        return lambda v: "\\N" if v is None else str(Decimal(v))
    if kind == "JSONField":
        encoder = field.encoder
        return lambda v: "\\N" if v is None else _text(json.dumps(v, cls=encoder, ensure_ascii=False))
    return lambda v: copy_text(field.get_db_prep_save(v, connection))


@contextmanager
def indexes_deferred(*models_: type[models.Model]):
    """Drop the plain (non-unique, non-constraint) indexes of ``models_`` and build them again at the end.

    For loading millions of rows: PostgreSQL builds an index from sorted data far faster than it
    maintains it row by row. Unique indexes and constraints stay, so numbers and one-per-subject
    rules are still enforced while loading. The indexes come back even if loading fails. Inside a
    caller's transaction (a test) nothing is dropped: PostgreSQL cannot build an index on a table
    with pending deferred foreign-key checks.
    """
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        yield
        return
    tables = [model._meta.db_table for model in models_]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
            "JOIN pg_class t ON t.oid = i.indrelid WHERE t.relname = ANY(%s) AND NOT i.indisunique "
            "AND NOT i.indisprimary AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)",
            [tables],
        )
        dropped = cursor.fetchall()
        for name, _ in dropped:
            cursor.execute(f"DROP INDEX {name}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET maintenance_work_mem = '256MB'")
            for _, definition in dropped:
                cursor.execute(definition)
            cursor.execute("RESET maintenance_work_mem")
            for table in tables:  # fresh statistics for the queries that follow (rollups, reports)
                cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")


def relax_commit() -> None:
    """Inside a transaction: do not wait for its WAL flush at commit (``synchronous_commit = off``).

    Load data only: a crash can lose the last batches but never corrupts anything.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")


def id_array(ids: Iterable[int]) -> str:
    """``ids`` as one array literal for ``= ANY(%s::bigint[])``.

    psycopg2 sends a Python list as ``ARRAY[1, 2, …]``, one constant per element, which PostgreSQL
    takes seconds to plan for tens of thousands of ids; a single literal is planned at once.
    """
    return "{" + ",".join(map(str, ids)) + "}"


def reserve_ids(model: type[models.Model], count: int) -> list[int]:
    """``count`` primary keys taken from the table's sequence (never reused, so never colliding)."""
    if count <= 0:
        return []
    table = model._meta.db_table
    column = model._meta.pk.column
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)", [table, column, count]
        )
        return [row[0] for row in cursor.fetchall()]


def copy_instances(model: type[models.Model], objs: Sequence[models.Model]) -> Sequence[models.Model]:
    """Write unsaved ``objs`` of ``model`` in one COPY; each gets its primary key first. Returns ``objs``.

    Field defaults are already on the instances (Django sets them in ``__init__``); ``auto_now`` and
    ``auto_now_add`` fields get the batch's time as ``bulk_create`` would give them.
    """
    if not objs:
        return objs
    if connection.vendor != "postgresql":
        return model.objects.bulk_create(objs)
    meta = model._meta
    pk = meta.pk
    if isinstance(pk, models.AutoField | models.BigAutoField | models.SmallAutoField):
        for obj, pk_value in zip(objs, reserve_ids(model, len(objs)), strict=True):
            obj.pk = pk_value
    now = timezone.now()
    fields = list(meta.concrete_fields)
    for field in fields:
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            name = field.attname
            for obj in objs:
                if field.auto_now or obj.__dict__.get(name) is None:
                    obj.__dict__[name] = now
    columns = [(field.attname, _converter(field)) for field in fields]
    buffer = io.StringIO()
    write = buffer.write
    for obj in objs:
        values = obj.__dict__
        write("\t".join([convert(values[name]) for name, convert in columns]))
        write("\n")
        obj._state.adding = False
        obj._state.db = connection.alias
    copy_rows(meta.db_table, [field.column for field in fields], buffer)
    return objs


_MISSING = object()
# Callable defaults whose value may be shared by a whole batch (a fresh empty value, or the time).
_SHARED_DEFAULTS = (dict, list, tuple, str, int, timezone.now, timezone.localdate)


def copy_dicts(model: type[models.Model], rows: Sequence[dict], *, assign_ids: bool = True) -> Sequence[dict]:
    """Write ``rows`` (dicts keyed by field attname, e.g. ``site_id``) of ``model`` in one COPY.

    The cheap path for millions of rows: no model instances at all. A missing key takes the field's
    default (evaluated once per batch; ``auto_now``/``auto_now_add`` take the batch's time). With
    ``assign_ids`` each row gets its ``id`` from the table's sequence first, so children can
    reference it. Returns ``rows``.
    """
    if not rows:
        return rows
    meta = model._meta
    pk = meta.pk
    if connection.vendor != "postgresql":
        for row, obj in zip(rows, model.objects.bulk_create([model(**row) for row in rows]), strict=True):
            row[pk.attname] = obj.pk
        return rows
    if assign_ids and isinstance(pk, models.AutoField | models.BigAutoField | models.SmallAutoField):
        for row, pk_value in zip(rows, reserve_ids(model, len(rows)), strict=True):
            row[pk.attname] = pk_value
    now = timezone.now()
    columns = []
    for field in meta.concrete_fields:
        convert = _converter(field)
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            default = convert(now)
        elif field.has_default() and callable(field.default) and field.default not in _SHARED_DEFAULTS:
            # A per-row default (a token, a UUID): evaluated for every row that lacks it.
            name, factory = field.attname, field.default
            for row in rows:
                if name not in row:
                    row[name] = factory()
            default = "\\N"
        else:
            default = convert(field.get_default())  # None (→ NULL) when the field has no default
        columns.append((field.attname, convert, default))
    if not any(pk.attname in row for row in rows[:1]):
        columns = [c for c in columns if c[0] != pk.attname]
    buffer = io.StringIO()
    write = buffer.write
    missing = _MISSING
    for row in rows:
        get = row.get
        write(
            "\t".join(
                [default if (v := get(name, missing)) is missing else convert(v) for name, convert, default in columns]
            )
        )
        write("\n")
    copy_rows(meta.db_table, [meta.get_field(name).column for name, _, _ in columns], buffer)
    return rows


def copy_rows(table: str, columns: Iterable[str], buffer: io.StringIO) -> None:
    """COPY an already formatted text ``buffer`` into ``table``'s ``columns``."""
    buffer.seek(0)
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.copy_expert(f"COPY {quote(table)} ({', '.join(quote(c) for c in columns)}) FROM STDIN", buffer)
