"""The opening hours move to the hall (``hall.OpeningPeriod``): an administrator's edits are carried over."""

from django.db import migrations


def carry_over(apps, schema_editor):
    Old = apps.get_model("enterprises", "OpeningPeriod")
    New = apps.get_model("hall", "OpeningPeriod")
    rows = list(Old.objects.order_by("starts_at").values_list("starts_at", "ends_at"))
    if rows:
        New.objects.all().delete()
        New.objects.bulk_create(New(starts_at=s, ends_at=e) for s, e in rows)


def carry_back(apps, schema_editor):
    Old = apps.get_model("enterprises", "OpeningPeriod")
    New = apps.get_model("hall", "OpeningPeriod")
    Old.objects.bulk_create(Old(starts_at=s, ends_at=e) for s, e in New.objects.values_list("starts_at", "ends_at"))


class Migration(migrations.Migration):
    dependencies = [
        ("enterprises", "0004_act_revoke"),
        ("hall", "0007_opening_periods"),
    ]

    operations = [
        migrations.RunPython(carry_over, carry_back),
        migrations.DeleteModel(name="OpeningPeriod"),
    ]
