"""The 12345 export import: one bad row imports nothing and names the row and column; fixed, the
file imports; imported again, it adds nothing. CSV and xlsx, streamed."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from evaluations.workorders.importer import COLUMNS, csv_text, hotline_import_create, hotline_import_run
from evaluations.workorders.models import HotlineImport, Source, Status, WorkOrder, WorkOrderEvent

pytestmark = pytest.mark.django_db


def sample_rows(bad: bool = False) -> list[list[str]]:
    rows = [
        [
            "HL2026030001",
            "2026-03-02 09:15",
            "咨询",
            "一般",
            "个体户注册需要什么材料",
            "来电咨询个体工商户设立登记所需材料。",
            "王先生",
            "13912345678",
            "市场监管",
            "否",
            "",
            "",
        ],
        [
            "HL2026030002",
            "2026-03-02 10:40",
            "投诉",
            "紧急",
            "窗口推诿",
            "来电反映不动产登记窗口推诿，要求尽快处理。",
            "李女士",
            "0317-5210999",
            "自然资源",
            "否",
            "",
            "",
        ],
        [
            "HL2026030003",
            "2026/03/03 14:05",
            "求助",
            "",
            "企业开户预约",
            "企业开办后银行开户预约困难。",
            "张经理",
            "13800001111",
            "",
            "是",
            "清源县某某商贸有限公司",
            "91440300708461136T",
        ],
    ]
    if bad:
        rows[1][2] = "谣言"  # not a kind
    return rows


def _run(content: bytes, name: str, by) -> HotlineImport:
    job = hotline_import_create(upload=SimpleUploadedFile(name, content), by=by)
    hotline_import_run(import_id=job.pk)
    job.refresh_from_db()
    return job


def test_bad_row_imports_nothing_then_fixed_imports_then_again_adds_nothing(people):
    supervisor = people["supervisor"]
    job = _run(csv_text(sample_rows(bad=True)), "12345导出.csv", supervisor)
    assert job.state == HotlineImport.State.FAILED
    assert WorkOrder.objects.count() == 0
    assert job.errors == [
        {"row": 3, "column": "诉求类型", "message": "未知的诉求类型“谣言”，应为：咨询、求助、投诉、举报、建议、表扬。"}
    ]

    job = _run(csv_text(sample_rows()), "12345导出.csv", supervisor)
    assert job.state == HotlineImport.State.DONE, job.errors
    assert (job.total_rows, job.created_count, job.skipped_count) == (3, 3, 0)
    orders = WorkOrder.objects.order_by("hotline_number")
    assert [o.hotline_number for o in orders] == ["HL2026030001", "HL2026030002", "HL2026030003"]
    assert all(o.source == Source.HOTLINE and o.status == Status.RECEIVED for o in orders)
    urgent = orders[1]
    assert (urgent.urgency, urgent.limit_unit, urgent.department.short_name) == ("urgent", "hours", "自然资源")
    assert orders[2].is_market_entity and orders[2].entity_credit_code == "91440300708461136T"
    assert WorkOrderEvent.objects.filter(action="receive").count() == 3

    job = _run(csv_text(sample_rows()), "12345导出.csv", supervisor)
    assert (job.state, job.created_count, job.skipped_count) == (HotlineImport.State.DONE, 0, 3)
    assert WorkOrder.objects.count() == 3


def test_xlsx_with_errors_in_several_rows_lists_each(people):
    book = Workbook()
    sheet = book.active
    sheet.append(list(COLUMNS))
    rows = sample_rows()
    rows[0][1] = "昨天上午"  # bad time
    rows[2][11] = "91440300708461136X"  # bad check character
    rows.append(list(rows[1]))  # duplicate hotline number
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    job = _run(buffer.getvalue(), "导出.xlsx", people["supervisor"])
    assert job.state == HotlineImport.State.FAILED
    assert [(e["row"], e["column"]) for e in job.errors] == [(2, "来电时间"), (4, "统一社会信用代码"), (5, "工单编号")]
    assert WorkOrder.objects.count() == 0


def test_missing_required_column_and_wrong_type(people):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        hotline_import_create(upload=SimpleUploadedFile("x.txt", b"abc"), by=people["supervisor"])
    job = _run("工单编号,诉求类型\nA1,咨询\n".encode(), "缺列.csv", people["supervisor"])
    assert job.state == HotlineImport.State.FAILED
    assert "来电时间" in job.errors[0]["message"] and job.errors[0]["row"] == 1
