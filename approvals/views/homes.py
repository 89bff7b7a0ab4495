"""The homes of the roles that live in applications: the clerk workbench (窗口工作台), the
back office (审批工作台) and the inspectors' tasks (勘验任务)."""

from django.core.paginator import Paginator
from django.shortcuts import render

from approvals.models import FINAL_STATUSES, Status, WarningLevel
from approvals.selectors import (
    application_search,
    applications_for,
    awaiting_answer,
    department_queue,
    inspection_tasks,
    open_inspections,
)
from approvals.transitions import actions_for
from hall.models import User, Window
from hall.queue.views import panel_context
from hall.views import _staff_context, page_for_roles


@page_for_roles("workbench")
def workbench(request):
    """Window clerk workbench (窗口工作台)."""
    window = (
        Window.objects.select_related("zone", "site", "department").filter(pk=request.user.window_id).first()
        if request.user.window_id
        else None
    )

    my_work = application_search(request.user, mine=True).exclude(status__in=[*FINAL_STATUSES, Status.COMPLETED])
    # The calling panel (叫号) of the clerk's window, the same partial as the queue console.

    context = {
        **(panel_context(window) if window else {}),
        **_staff_context(request),
        "window": window,
        # Un-accepted receipts and online submissions of the clerk's site, by answer deadline (art. 32).
        "awaiting_answer": awaiting_answer(request.user)[:10],
        "my_work": Paginator(my_work.order_by("promised_deadline", "-received_at"), 10).get_page(
            request.GET.get("page")
        ),
    }
    return render(request, "hall/workbench.html", context)


@page_for_roles("backoffice")
def backoffice(request):
    """Back-office approver workbench (审批工作台)."""

    status = request.GET.get("status", "")
    status = status if status in Status.values else ""
    warning = request.GET.get("warning", "")
    warning = warning if warning in WarningLevel.values else ""
    q = request.GET.get("q", "")[:40]
    queue = department_queue(request.user, status=status, warning=warning, q=q)
    params = request.GET.copy()
    params.pop("page", None)
    context = {
        **_staff_context(request),
        "queue": Paginator(queue, 20).get_page(request.GET.get("page")),
        "inspections": inspection_tasks(request.user)[:10],
        "status": status,
        "warning": warning,
        "q": q,
        "query": params.urlencode(),
        "queue_statuses": [
            (s.value, s.label) for s in (Status.ACCEPTED, Status.UNDER_REVIEW, Status.SPECIAL_PROCEDURE, Status.DECIDED)
        ],
        "warnings": WarningLevel.choices,
    }
    return render(request, "hall/backoffice.html", context)


@page_for_roles("inspections")
def inspections(request):
    """Site inspector's task list (勘验任务): an inspector's assigned inspections (others: their scope's)."""

    tasks = Paginator(open_inspections(request.user), 20).get_page(request.GET.get("page"))
    context = {
        **_staff_context(request),
        "tasks": tasks,
        # Who may record the result (结束特别程序) comes from the transitions table, as on the application page.
        "rows": [(pause, "resume" in actions_for(pause.application, request.user)) for pause in tasks.object_list],
        "is_inspector": request.user.role == User.Role.INSPECTOR,
        "under_review": applications_for(request.user)
        .filter(status=Status.UNDER_REVIEW)
        .order_by("promised_deadline")[:10],
    }
    return render(request, "hall/inspections.html", context)
