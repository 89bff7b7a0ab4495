"""Pages of the matter catalog: public service guides (办事指南) and staff catalog upkeep."""

from __future__ import annotations

import io

import segno
from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_POST

from hall.catalog.delegations import delegation_counts_by_site, where_to_apply
from hall.catalog.models import (
    CatalogEdition,
    MatterType,
    MatterVersion,
    OnlineDepth,
    ServiceObject,
)
from hall.catalog.roles import can_edit_catalog
from hall.catalog.selectors import (
    ONLINE_APPLY_DEPTHS,
    MatterSearch,
    active_themes,
    catalog_departments,
    catalog_statistics,
    current_version,
    edition_comparison,
    maintained_versions,
    search_published_versions,
)
from hall.catalog.services import (
    CatalogImportRejected,
    catalog_import_xlsx,
    matter_version_new_draft,
    matter_version_publish,
    matter_version_retire,
)
from hall.catalog.spreadsheet import catalog_workbook, export_versions
from hall.public_cache import CATALOG, HALL, public_page
from hall.services.audit import client_ip
from hall.views import page_for_roles

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class GuideSearchForm(forms.Form):
    q = forms.CharField(label="事项名称、编码或关键词", required=False, max_length=100)
    department = forms.TypedChoiceField(label="实施部门", required=False, coerce=int, empty_value=None)
    theme = forms.ChoiceField(label="主题服务", required=False)
    service_object = forms.ChoiceField(label="服务对象", required=False, choices=[("", "全部"), *ServiceObject.choices])
    matter_type = forms.ChoiceField(label="事项类型", required=False, choices=[("", "全部"), *MatterType.choices])
    online_depth = forms.ChoiceField(label="网上办理深度", required=False, choices=[("", "全部"), *OnlineDepth.choices])
    immediate = forms.BooleanField(label="只看即办件", required=False)
    online = forms.BooleanField(label="只看可在线申请", required=False)

    def __init__(self, *args, departments, themes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].choices = [("", "全部")] + [(d.pk, d.name) for d in departments]
        self.fields["theme"].choices = [("", "全部")] + [(t.code, t.name) for t in themes]

    def search(self) -> MatterSearch:
        data = self.cleaned_data if self.is_valid() else {}
        return MatterSearch(
            q=data.get("q") or "",
            department=data.get("department"),
            theme=data.get("theme") or "",
            service_object=data.get("service_object") or "",
            matter_type=data.get("matter_type") or "",
            online_depth=data.get("online_depth") or "",
            immediate=True if data.get("immediate") else None,
            online_apply=bool(data.get("online")),
        )


@public_page(HALL, CATALOG)
def guide_search(request):
    """Search the published catalog (办事指南检索): public, no login."""
    departments = list(catalog_departments())
    themes = list(active_themes())
    form = GuideSearchForm(request.GET or None, departments=departments, themes=themes)
    search = form.search()
    page = Paginator(search_published_versions(search), 20).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "themes": themes,
        "searched": any(v for k, v in request.GET.items() if k != "page"),
        "query_string": query.urlencode(),
        "online_depths": ONLINE_APPLY_DEPTHS,
    }
    return render(request, "catalog/guide_search.html", context)


@public_page(HALL, CATALOG)
def guide_detail(request, code: str):
    """One service guide (一事一指南) with every element, materials, steps and a QR code."""
    version = current_version(code)
    if version is None:
        raise Http404("该事项不存在或未发布。")
    online = version.supports_online_handling and version.online_depth in ONLINE_APPLY_DEPTHS
    materials = list(version.materials.all())
    context = {
        "version": version,
        "materials": materials,
        "sub_items": list(version.sub_items.all()),
        "steps": list(version.steps.all()),
        "themes": [t for t in version.matter.theme_services.all() if t.is_active],
        "where": where_to_apply(version.matter),
        "apply_url": f"/apply/{version.matter.code}/" if online else "",
        "guide_url": request.build_absolute_uri(),
        "printed_on": timezone.localdate(),
        "may_be_missing_count": sum(1 for m in materials if m.may_be_missing),
    }
    return render(request, "catalog/guide_detail.html", context)


@cache_control(max_age=3600, public=True)
def guide_qr(request, code: str):
    """The guide's QR code (二维码) as SVG, encoding the absolute guide address for phones."""
    if not published_exists(code):
        raise Http404("该事项不存在或未发布。")
    url = request.build_absolute_uri(f"/guide/{code}/")
    buffer = io.BytesIO()
    segno.make(url, error="m", micro=False).save(buffer, kind="svg", scale=6, border=4, xmldecl=False, title=url)
    return HttpResponse(buffer.getvalue(), content_type="image/svg+xml")


def published_exists(code: str) -> bool:
    return MatterVersion.objects.filter(matter__code=code, status=MatterVersion.Status.PUBLISHED).exists()


# --- Staff pages ----------------------------------------------------------------------------------


@page_for_roles("catalog_home")
def catalog_home(request):
    """Catalog upkeep (事项清单): each matter's maintained version, with publish and revise actions."""
    q = request.GET.get("q", "").strip()
    versions = maintained_versions()
    if q:
        versions = versions.filter(name__icontains=q) | versions.filter(matter__code__icontains=q)
    status = request.GET.get("status", "")
    if status in MatterVersion.Status.values:
        versions = versions.filter(status=status)
    page = Paginator(versions.order_by("matter__code"), 30).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "q": q,
        "status": status,
        "statuses": MatterVersion.Status.choices,
        "can_edit": can_edit_catalog(request.user),
        "today": timezone.localdate(),
    }
    return render(request, "catalog/staff_home.html", context)


@require_POST
@page_for_roles("catalog_home")
def catalog_version_action(request, pk: int, action: str):
    """Publish, retire or revise one version from the catalog page; the service decides."""
    if not can_edit_catalog(request.user):
        raise PermissionDenied("只有大厅管理员或系统管理员可以维护事项清单。")
    version = get_object_or_404(MatterVersion.objects.select_related("matter"), pk=pk)
    ip = client_ip(request)
    try:
        if action == "publish":
            matter_version_publish(version=version, by=request.user, ip=ip)
            messages.success(request, f"“{version.name}”第 {version.version} 版已发布。")
        elif action == "retire":
            matter_version_retire(version=version, by=request.user, ip=ip)
            messages.success(request, f"“{version.name}”第 {version.version} 版已废止。")
        elif action == "new-draft":
            draft = matter_version_new_draft(matter=version.matter, by=request.user, ip=ip)
            messages.success(request, f"已生成“{draft.name}”第 {draft.version} 版草稿，请在后台修改后发布。")
        else:
            raise Http404
    except ValidationError as exc:
        fields = {f.name: f.verbose_name for f in MatterVersion._meta.get_fields() if hasattr(f, "verbose_name")}
        fields.update({"materials": "申请材料", "steps": "办理流程", "sub_items": "业务办理项"})
        for field, problems in exc.message_dict.items():
            for problem in problems:
                messages.error(request, f"{fields.get(field, field)}：{problem}")
    return redirect(request.POST.get("next") or "catalog_home")


class EditionCompareForm(forms.Form):
    old = forms.ModelChoiceField(label="对比基准版本", queryset=CatalogEdition.objects.none(), required=False)
    new = forms.ModelChoiceField(label="对比版本", queryset=CatalogEdition.objects.none(), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        editions = CatalogEdition.objects.order_by("effective_date")
        self.fields["old"].queryset = editions
        self.fields["new"].queryset = editions


@page_for_roles("catalog_home")
def catalog_stats(request):
    """Catalog statistics (事项清单统计) and the "四减" comparison of two editions."""
    editions = list(CatalogEdition.objects.order_by("effective_date"))
    initial = {"old": editions[-2].pk, "new": editions[-1].pk} if len(editions) >= 2 else {}
    form = EditionCompareForm(request.GET or None, initial=initial)
    old = new = None
    if form.is_bound and form.is_valid():
        old, new = form.cleaned_data["old"], form.cleaned_data["new"]
    elif len(editions) >= 2:
        old, new = editions[-2], editions[-1]
    comparison = edition_comparison(old, new) if old and new and old != new else None
    context = {
        "stats": catalog_statistics(),
        "delegation_counts": delegation_counts_by_site(),
        "form": form,
        "old": old,
        "new": new,
        "comparison": comparison,
        "today": timezone.localdate(),
    }
    return render(request, "catalog/stats.html", context)


class CatalogUploadForm(forms.Form):
    file = forms.FileField(label="实施清单文件（.xlsx）")

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(".xlsx"):
            raise ValidationError("请上传 .xlsx 格式的文件。")
        if upload.size > 10 * 1024 * 1024:
            raise ValidationError("文件不能超过 10 MB。")
        return upload


@page_for_roles("catalog_home")
def catalog_spreadsheet(request):
    """Import and export of the implementation list (实施清单导入导出)."""
    form = CatalogUploadForm()
    problems, summary = [], None
    if request.method == "POST":
        if not can_edit_catalog(request.user):
            raise PermissionDenied("只有大厅管理员或系统管理员可以导入事项清单。")
        form = CatalogUploadForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                summary = catalog_import_xlsx(
                    content=form.cleaned_data["file"].read(), by=request.user, ip=client_ip(request)
                )
            except CatalogImportRejected as exc:
                problems = exc.problems
    context = {
        "form": form,
        "problems": problems,
        "summary": summary,
        "can_edit": can_edit_catalog(request.user),
    }
    return render(request, "catalog/spreadsheet.html", context, status=400 if problems else 200)


@page_for_roles("catalog_home")
def catalog_export(request):
    """Download the implementation list as the import template (导出实施清单)."""
    content = catalog_workbook(export_versions())
    response = HttpResponse(content, content_type=XLSX)
    filename = f"catalog-{timezone.localdate():%Y%m%d}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@page_for_roles("catalog_home")
def catalog_template(request):
    """Download an empty template (空白模板)."""
    response = HttpResponse(catalog_workbook([]), content_type=XLSX)
    response["Content-Disposition"] = 'attachment; filename="catalog-template.xlsx"'
    return response
