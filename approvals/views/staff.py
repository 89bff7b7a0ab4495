"""Staff pages: 办件查询 list, 一窗受理 intake with matter search and returning-applicant lookup,
一件事 intake and its bundle page, 延期审批 list."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render

from approvals.forms import ApplicantForm, IntakeForm, ThemeIntakeForm, add_service_errors, applicant_initial
from approvals.models import ApplicationBundle, Status, WarningLevel
from approvals.selectors import (
    application_search,
    bundle_applications,
    pending_extensions,
    report_filter,
    returning_applicant,
    theme_published_versions,
)
from approvals.services import application_receive, theme_application_receive
from approvals.transitions import TransitionNotAllowed, actions_for
from approvals.views.common import STAFF_ROLES, paginate, query_without, roles_required
from hall.catalog.delegations import staff_site, versions_offered_at
from hall.catalog.models import ThemeService
from hall.catalog.selectors import MatterSearch, active_themes, current_version, search_published_versions
from hall.ratelimit import rate_limited
from hall.roles import can_open
from hall.services.audit import client_ip
from hall.views import page_for_roles


def _intake_allowed(view):
    # The intake pages belong to the workbench: the same row of hall.roles guards both.
    def wrapper(request, *args, **kwargs):
        if not can_open(request.user, "workbench"):
            raise PermissionDenied("只有窗口工作人员可以受理办件。")
        return view(request, *args, **kwargs)

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return roles_required(*STAFF_ROLES)(wrapper)


@page_for_roles("application_list")
def application_list(request):
    """办件查询: by number, applicant ID number or credit code; filters by status and warning."""
    q = request.GET.get("q", "")[:40]
    status = request.GET.get("status", "")
    warning = request.GET.get("warning", "")
    status = status if status in Status.values else ""
    warning = warning if warning in WarningLevel.values else ""
    mine = request.GET.get("mine") == "1"
    queryset = application_search(request.user, q=q, status=status, warning=warning, mine=mine)
    # A reported figure's drill-down (统计明细) narrows the list the same way the figure counts.
    report_condition, report_label = report_filter(request.GET)
    queryset = queryset.filter(report_condition)
    page = paginate(request, queryset)
    if q and page.paginator.count == 1 and not status and not warning:
        return redirect("application_detail", number=page.object_list[0].number)
    context = {
        "page": page,
        "q": q,
        "status": status,
        "warning": warning,
        "mine": mine,
        "report_label": report_label,
        "statuses": Status.choices,
        "warnings": WarningLevel.choices,
        "query": query_without(request, "page"),
    }
    return render(request, "approvals/application_list.html", context)


@_intake_allowed
def matter_search(request):
    """Live search (htmx) over the published matters, for the intake panel."""
    q = request.GET.get("q", "").strip()[:50]
    # A window at a town centre or village station is offered only the matters delegated there.
    offered = versions_offered_at(staff_site(request.user))
    versions = search_published_versions(MatterSearch(q=q), offered)[:15] if q else []
    return render(request, "approvals/_matter_results.html", {"versions": versions, "q": q})


@_intake_allowed
@rate_limited("applicant_lookup", methods=("GET",), per_user=True)  # confirms an ID number or phone
def applicant_lookup(request):
    """Fill the applicant fieldset from the latest application of a returning applicant."""
    identifier = request.GET.get("lookup", "").strip()
    found = returning_applicant(request.user, identifier=identifier) if identifier else None
    data = request.GET.copy()
    if found is not None:
        for name, value in applicant_initial(found).items():
            data[name] = value
    form = ApplicantForm(data)
    return render(
        request,
        "approvals/_applicant_fields.html",
        {"form": form, "lookup_done": True, "lookup_found": found is not None, "lookup": identifier},
    )


@_intake_allowed
def intake(request):
    """一窗受理: pick a published matter, enter the applicant and tick the materials, then 接件."""
    code = request.GET.get("matter", "").strip()
    if not code:
        return render(request, "approvals/intake_pick.html", {})
    version = current_version(code)
    if version is None:
        raise Http404("该事项没有已发布的版本。")
    if not versions_offered_at(staff_site(request.user)).filter(pk=version.pk).exists():
        raise Http404("该事项未下放（委托）到本场所，请引导申请人到县政务服务中心或承接该事项的场所办理。")
    materials = list(version.materials.all())
    form = IntakeForm(request.POST if request.method == "POST" else None, materials=materials)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                application = application_receive(
                    version=version,
                    applicant=form.applicant_data(),
                    by=request.user,
                    materials=form.material_states(),
                    is_assisted=form.cleaned_data.get("is_assisted", False),
                    assisted_by=request.user if form.cleaned_data.get("is_assisted") else None,
                    ip=client_ip(request),
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            except TransitionNotAllowed as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, f"已接件，办件编号 {application.number}。请核对材料后受理、补正或不予受理。")
                return redirect("application_detail", number=application.number)
        status = 400
    return render(request, "approvals/intake.html", {"version": version, "form": form}, status=status)


@_intake_allowed
def theme_intake(request):
    """一件事一次办: pick a theme service, enter the applicant once, tick each matter's materials,
    then 接件 — one linked application per matter, tracked together on the bundle page."""
    code = request.GET.get("theme", "").strip()
    if not code:
        return render(request, "approvals/theme_intake_pick.html", {"themes": active_themes()})
    theme = ThemeService.objects.filter(code=code, is_active=True).first()
    if theme is None:
        raise Http404("没有该主题服务，或已停用。")
    versions = theme_published_versions(theme)
    offered = versions_offered_at(staff_site(request.user)).filter(pk__in=[v.pk for v in versions])
    if offered.count() < len(versions):
        raise Http404("该主题服务含未下放（委托）到本场所的事项，请引导申请人到县政务服务中心办理。")
    form = ThemeIntakeForm(request.POST if request.method == "POST" else None, versions=versions)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                bundle = theme_application_receive(
                    theme_service=theme,
                    applicant=form.applicant_data(),
                    by=request.user,
                    materials=form.material_states(),
                    is_assisted=form.cleaned_data.get("is_assisted", False),
                    assisted_by=request.user if form.cleaned_data.get("is_assisted") else None,
                    ip=client_ip(request),
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            except TransitionNotAllowed as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, f"已接件，一件事编号 {bundle.number}，共 {len(versions)} 个办件。")
                return redirect("application_bundle", number=bundle.number)
        status = 400
    context = {"theme": theme, "form": form}
    return render(request, "approvals/theme_intake.html", context, status=status)


@roles_required(*STAFF_ROLES, "public")
def bundle_detail(request, number: str):
    """一件事: the linked applications of one theme-service intake and their statuses, side by side."""
    bundle = ApplicationBundle.objects.select_related("theme_service", "received_by").filter(number=number).first()
    applications = list(bundle_applications(request.user, number)) if bundle is not None else []
    if not applications:
        raise Http404("没有找到该一件事办件。")
    finished = [a for a in applications if a.status in (Status.COMPLETED, Status.DELIVERED)]
    closed = [a for a in applications if not a.is_open and a not in finished]
    context = {
        "bundle": bundle,
        "applications": applications,
        "finished": len(finished),
        "closed": len(closed),
        "all_done": len(finished) + len(closed) == len(applications),
    }
    return render(request, "approvals/bundle_detail.html", context)


@page_for_roles("application_extensions")
def extension_requests(request):
    """延期审批: the pending extension requests a supervisor approves or rejects (art. 42)."""
    page = paginate(request, pending_extensions(request.user))
    # The buttons come from the transitions table, as on the application page.
    rows = [(extension, actions_for(extension.application, request.user)) for extension in page.object_list]
    return render(request, "approvals/extension_requests.html", {"page": page, "rows": rows})
