import pytest
pytestmark = [pytest.mark.django_db(transaction=True)]

def test_probe(settings):
    from hall.celery import app
    from evaluations.tasks import refresh_rollups
    app.conf.update(task_always_eager=True)
    print("update:", refresh_rollups.app.conf.task_always_eager, app.conf.task_always_eager)
    settings.CELERY_TASK_ALWAYS_EAGER = True
    print("settings:", refresh_rollups.app.conf.task_always_eager)
    app.conf.CELERY_TASK_ALWAYS_EAGER = True
    print("upper:", refresh_rollups.app.conf.task_always_eager)
