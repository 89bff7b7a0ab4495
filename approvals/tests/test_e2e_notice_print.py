"""Printing the notices (文书) as a clerk does: Chromium's A4 PDF of each notice is one sheet.

Each notice is filled to its worst realistic case — 20 materials with long names, a long applicant
name, long reasons — and a second code is added beside the tracking code (the evaluation code
another page adds there), and the PDF must still be exactly one A4 page.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

pytest.importorskip("playwright.sync_api")

from approvals import services
from approvals.models import ClockPause
from approvals.tests.conftest import applicant
from approvals.tests.factories import MaterialFactory, MatterVersionFactory
from hall.tests.browser import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

LONG_NAME = "清河县城关镇河东街道绿野仙踪生态农业科技发展有限责任公司第二分公司（食品经营部）"
LONG_REASON = (
    "经现场核查，申请人提交的经营场所使用证明与实际经营地址不一致，且食品处理区布局不符合"
    "《食品经营许可审查通则》第十二条关于生熟分开、防止交叉污染的要求；申请人在规定期限内未能补正。"
)


# Twenty materials as a 食品经营许可 guide lists them, a few of them long.
MATERIALS = (
    "食品经营许可申请书",
    "营业执照或者其他主体资格证明文件复印件",
    "法定代表人（负责人）身份证明复印件",
    "与食品经营相适应的主要设备设施布局、操作流程等文件",
    "食品安全自查、从业人员健康管理、进货查验记录、食品安全事故处置等保证食品安全的规章制度",
    "食品安全管理人员培训考核合格证明",
    "经营场所使用证明（房产证明或租赁合同）",
    "经营场所平面图及周边环境示意图",
    "主要设备设施清单",
    "从业人员健康证明",
    "网络食品经营平台备案材料",
    "集体用餐配送单位运输工具清单",
    "中央厨房加工制作流程说明",
    "冷藏冷冻设施温度监控记录",
    "委托代理人身份证明及授权委托书",
    "消防安全检查合格证明",
    "排污许可或环境影响登记表",
    "食品原料供货者资质证明",
    "专职食品安全员任命文件",
    "申请人承诺书",
)


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _pdf_pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page[^s]", pdf))


@pytest.fixture
def long_matter(demo_people):
    version = MatterVersionFactory(
        department=demo_people["approver"].department,
        name="食品经营许可（含网络食品经营、集体用餐配送单位、中央厨房）新办",
    )
    for n, name in enumerate(MATERIALS, start=1):
        MaterialFactory(version=version, name=name, may_be_missing=n > 14, sort_order=n)
    return version


def _all_notices(people, version) -> list[tuple[str, str]]:
    """Applications that between them reach every notice, each filled to its worst case."""
    clerk, approver = people["clerk"], people["approver"]
    due = timezone.localdate() + timedelta(days=10)
    states = [
        services.MaterialState(
            material_id=m.pk,
            state="promised" if m.may_be_missing else "provided",
            promise_due_on=due if m.may_be_missing else None,
            promise_note="经营场所租赁合同正在办理备案，备案完成后补交原件" if m.may_be_missing else "",
        )
        for m in version.materials.order_by("sort_order")
    ]
    main = services.application_receive(
        version=version, applicant=applicant(name=LONG_NAME), by=clerk, materials=states
    )
    services.application_accept(application=main, by=clerk)
    services.application_start_review(application=main, by=approver)
    services.application_pause(
        application=main,
        kind=ClockPause.Kind.INSPECTION,
        mode=ClockPause.Mode.JOINT,
        scheduled_on=timezone.localdate() + timedelta(days=3),
        location="清河县城关镇河东街道幸福路 188 号绿野仙踪生态农业科技园区 3 号楼一层东侧",
        inspector=people["inspector"],
        reason=LONG_REASON,
        by=approver,
    )
    services.application_resume(application=main, by=people["inspector"], result="勘验合格，场所布局符合要求")
    services.application_decide(
        application=main, approved=True, document_number="清审许〔2026〕第 000123 号", reasons=LONG_REASON, by=approver
    )
    services.application_complete(application=main, by=approver)

    supplement = services.application_receive(version=version, applicant=applicant(name=LONG_NAME), by=clerk)
    services.application_request_supplement(
        application=supplement,
        by=clerk,
        items=[
            services.SupplementItem(material_id=m.pk, name=m.name, note="须提供原件核验，复印件加盖公章")
            for m in supplement.materials.all()
        ],
        note=LONG_REASON,
    )
    refused = services.application_receive(version=version, applicant=applicant(name=LONG_NAME), by=clerk)
    services.application_refuse(application=refused, by=clerk, reason=LONG_REASON)

    denied = services.application_receive(
        version=version, applicant=applicant(name=LONG_NAME), by=clerk, materials=states
    )
    services.application_accept(application=denied, by=clerk)
    services.application_start_review(application=denied, by=approver)
    services.application_decide(
        application=denied,
        approved=False,
        document_number="清审不许〔2026〕第 000007 号",
        reasons=LONG_REASON * 2,
        by=approver,
    )
    return [
        (main.number, "acceptance"),
        (main.number, "promise"),
        (main.number, "special"),
        (main.number, "decision"),
        (main.number, "receipt"),
        (supplement.number, "supplement"),
        (refused.number, "refusal"),
        (denied.number, "denial"),
    ]


def test_every_notice_prints_on_one_a4_sheet(long_matter, demo_people, browser_page, live_server):
    notices = _all_notices(demo_people, long_matter)
    page = browser_page
    login(page, live_server.url, "t_clerk")
    for number, kind in notices:
        page.goto(live_server.url + reverse("application_notice", args=[number, kind]))
        assert page.locator("main").count() == 1
        # Room for the second code another page places beside the tracking code.
        page.evaluate(
            "() => { const c = document.querySelector('.notice-codes');"
            " c.appendChild(c.querySelector('.notice-qr').cloneNode(true)); }"
        )
        pdf = page.pdf(format="A4", prefer_css_page_size=True)
        assert _pdf_pages(pdf) == 1, f"{kind} prints on {_pdf_pages(pdf)} sheets"
        # The seal placeholder and the date beneath it never overlap.
        seal = page.locator(".seal-placeholder").bounding_box()
        date_line = page.locator(".notice-sign p").last.bounding_box()
        assert seal["y"] + seal["height"] <= date_line["y"]
