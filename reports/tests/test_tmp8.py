import pytest, redis
from reports.exports.jobs import export_job_start

@pytest.mark.django_db(transaction=True)
def test_x(demo_people):
    r = redis.Redis(db=8)
    before = r.llen("celery")
    job = export_job_start(year=2026, site=None, department_id=None, by=demo_people["leader"])
    print("llen", before, r.llen("celery"))
