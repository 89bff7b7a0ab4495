"""Seed the working-day calendar with every year the installed chinesecalendar knows."""

from datetime import date, timedelta

from django.db import migrations


def seed_calendar(apps, schema_editor):
    # Historical models: this migration must keep working as the models evolve.
    CalendarDay = apps.get_model("hall", "CalendarDay")
    CalendarYear = apps.get_model("hall", "CalendarYear")
    from hall.services.calendar import package_overrides, package_years

    for year in package_years():
        if CalendarYear.objects.filter(year=year).exists():
            continue
        overrides = package_overrides(year)
        rows = []
        day = date(year, 1, 1)
        while day.year == year:
            default = ("workday" if day.weekday() < 5 else "weekend", "")
            kind, name = overrides.get(day, default)
            rows.append(CalendarDay(date=day, kind=str(kind), name=name))
            day += timedelta(days=1)
        CalendarDay.objects.bulk_create(rows)
        CalendarYear.objects.create(
            year=year, source="chinesecalendar", note="国务院办公厅公布的节假日安排（chinesecalendar）"
        )


class Migration(migrations.Migration):
    dependencies = [("hall", "0001_initial")]

    operations = [migrations.RunPython(seed_calendar, migrations.RunPython.noop)]
