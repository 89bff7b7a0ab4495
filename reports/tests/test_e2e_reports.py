"""Browser tests: a supervisor clicks a red warning figure and lands on exactly those applications;
a leader starts the annual export, watches the progress bar and downloads the file (real worker)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from openpyxl import load_workbook

from approvals.load import generate_applications
from approvals.models import Application
from hall.tests.browser import login
from reports.rollups import rollups_rebuild
from reports.tests.conftest import TODAY, YEAR

BASE_DIR = Path(__file__).resolve().parents[2]
PASSWORD = "Demo@2026"


@pytest.mark.e2e
def test_supervisor_clicks_the_red_warning_figure_and_sees_exactly_those_applications(
    demo_people, browser_page, live_server
):
    generate_applications(count=60, today=TODAY, open_only=True, seed=3)
    running = Application.objects.filter(clock_state="running").order_by("id")
    red_ids = list(running.values_list("id", flat=True)[:7])
    yellow_ids = list(running.values_list("id", flat=True)[7:12])
    running.update(warning_level="none")
    Application.objects.filter(id__in=red_ids).update(warning_level="red")
    Application.objects.filter(id__in=yellow_ids).update(warning_level="yellow")
    red_numbers = set(Application.objects.filter(id__in=red_ids).values_list("number", flat=True))

    page = browser_page
    login(page, live_server.url, demo_people["supervisor"].username)
    assert page.url.endswith("/dashboard/")
    red = page.locator("[data-figure=warning-red]")
    assert red.inner_text().strip() == "7"
    red.click()
    page.wait_for_load_state()
    assert "warning=red" in page.url
    shown = set(page.locator("table tbody tr td:first-child").all_inner_texts())
    shown = {text.strip().split()[0] for text in shown if text.strip()}
    assert shown == red_numbers


def _worker(queue: str, tmp_path: Path, media: Path, log: Path) -> subprocess.Popen:
    db = settings.DATABASES["default"]
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}:{db.get('PASSWORD') or ''}@{db['HOST'] or '127.0.0.1'}:"
        f"{db['PORT'] or 5432}/{db['NAME']}",
        "VAR_DIR": str(tmp_path),
        "MEDIA_ROOT": str(media),
        "DJANGO_SETTINGS_MODULE": "hall.settings",
    }
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "hall",
            "worker",
            "--pool=solo",
            "--queues",
            queue,
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--loglevel=INFO",
            "--hostname",
            "reports-e2e@%h",
        ],
        cwd=BASE_DIR,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )


@pytest.mark.e2e
@pytest.mark.celery_worker
def test_leader_starts_the_annual_export_watches_progress_and_downloads(
    demo_people, browser_page, live_server, tmp_path, settings, _isolated_celery_broker
):
    generate_applications(count=200, today=TODAY, seed=5)
    rollups_rebuild(first_day=YEAR[0], last_day=YEAR[1])
    media = Path(settings.MEDIA_ROOT)
    media.mkdir(parents=True, exist_ok=True)
    log = tmp_path / "worker.log"
    worker = _worker(_isolated_celery_broker, tmp_path, media, log)
    try:
        page = browser_page
        login(page, live_server.url, demo_people["leader"].username)
        page.goto(live_server.url + "/reports/exports/")
        page.get_by_label("年度").select_option("2026")
        page.get_by_role("button", name="开始生成").click()
        page.wait_for_load_state()
        progress = page.locator("[data-export-job] progress").first
        assert progress.is_visible()
        download_link = page.locator("[data-export-job] [data-download]").first
        deadline = time.monotonic() + 90
        while not download_link.is_visible():
            if time.monotonic() > deadline:
                from reports.models import ExportJob

                jobs = list(ExportJob.objects.values("id", "status", "progress", "error"))
                pytest.fail(f"export did not finish: {jobs}; worker log:\n" + log.read_text()[-3000:])
            page.wait_for_timeout(500)
        assert progress.get_attribute("value") == "100" or progress.evaluate("p => p.value") == 100
        with page.expect_download() as info:
            download_link.click()
        target = tmp_path / "annual.xlsx"
        info.value.save_as(target)
    finally:
        worker.terminate()
        worker.wait(timeout=20)
    wb = load_workbook(target)
    assert wb.sheetnames[0] == "概览" and wb.sheetnames[-1] == "指标说明"
    from hall.models import AuditLog

    assert AuditLog.objects.filter(action="report.export_download", actor=demo_people["leader"]).count() == 1


@pytest.mark.e2e
def test_the_cockpit_fills_the_big_screen_with_live_charts(demo_people, _playwright_browser, live_server):
    generate_applications(count=120, today=TODAY, seed=9)
    rollups_rebuild(first_day=YEAR[0], last_day=YEAR[1])
    context = _playwright_browser.new_context(viewport={"width": 1920, "height": 1080}, locale="zh-CN")
    page = context.new_page()
    try:
        login(page, live_server.url, demo_people["leader"].username)
        page.goto(live_server.url + "/leader/?screen=1")
        page.wait_for_selector("[data-chart=trend] svg")
        assert page.locator(".main-nav").is_hidden()
        assert page.evaluate("document.documentElement.scrollWidth") <= 1920
        # One screen, no scrolling: the last line (the live hall) ends inside the 1080 pixels.
        assert page.evaluate("document.documentElement.scrollHeight") <= 1080
        live = page.locator(".cockpit-live").bounding_box()
        assert live is not None and live["y"] + live["height"] <= 1080
        assert page.locator("[data-chart] > div > svg").count() == 6
        # A headline figure links to the rows behind it.
        link = page.locator("[data-figure='app.received']").first
        assert "/applications/?" in link.get_attribute("href")
    finally:
        context.close()
