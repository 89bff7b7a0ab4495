"""REST API of the matter catalog: the public published list and guide, and staff draft upkeep."""

from __future__ import annotations

import django_filters
from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.permissions import AllowAny, BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from hall.catalog.delegations import where_to_apply
from hall.catalog.models import (
    Material,
    Matter,
    MatterType,
    MatterVersion,
    OnlineDepth,
    ProcessStep,
    ServiceObject,
    SubItem,
)
from hall.catalog.roles import can_edit_catalog
from hall.catalog.selectors import (
    MatterSearch,
    current_version,
    published_versions,
    search_published_versions,
    version_with_details,
)
from hall.catalog.services import (
    CONTENT_FIELDS,
    matter_version_create_draft,
    matter_version_new_draft,
    matter_version_publish,
    matter_version_retire,
    matter_version_update_draft,
)
from hall.services.audit import client_ip


class IsCatalogEditor(BasePermission):
    """Supervisors and administrators (大厅管理员、系统管理员) maintain the catalog."""

    message = "只有大厅管理员或系统管理员可以维护事项清单。"

    def has_permission(self, request, view) -> bool:
        return can_edit_catalog(request.user)


# --- Public: the published catalog ----------------------------------------------------------------


class MatterFilter(django_filters.FilterSet):
    """Facets of the public search (事项检索)."""

    q = django_filters.CharFilter(label="关键字（名称、编码、关键词）", max_length=100)
    department = django_filters.NumberFilter(label="实施主体（部门 ID）")
    theme = django_filters.CharFilter(label="主题服务编码", max_length=40)
    service_object = django_filters.ChoiceFilter(label="服务对象", choices=ServiceObject.choices)
    matter_type = django_filters.ChoiceFilter(label="事项类型", choices=MatterType.choices)
    online_depth = django_filters.ChoiceFilter(label="网上办理深度", choices=OnlineDepth.choices)
    immediate = django_filters.BooleanFilter(label="即办件")

    class Meta:
        model = MatterVersion
        fields: list[str] = []

    def filter_queryset(self, queryset):
        data = self.form.cleaned_data
        search = MatterSearch(
            q=data.get("q") or "",
            department=int(data["department"]) if data.get("department") is not None else None,
            theme=data.get("theme") or "",
            service_object=data.get("service_object") or "",
            matter_type=data.get("matter_type") or "",
            online_depth=data.get("online_depth") or "",
            immediate=data.get("immediate"),
        )
        return search_published_versions(search, queryset)


class MatterListApi(generics.ListAPIView):
    """Published matters (已发布事项), searchable by name, code and keyword. Public."""

    permission_classes = [AllowAny]
    filterset_class = MatterFilter

    class CatalogMatterSummary(serializers.ModelSerializer):
        code = serializers.CharField(source="matter.code")
        department_name = serializers.CharField(source="department.name")
        matter_type_display = serializers.CharField(source="get_matter_type_display")
        handling_type_display = serializers.CharField(source="get_handling_type_display")
        online_depth_display = serializers.CharField(source="get_online_depth_display")
        guide_url = serializers.SerializerMethodField()

        class Meta:
            model = MatterVersion
            fields = [
                "code",
                "version",
                "name",
                "matter_type",
                "matter_type_display",
                "department",
                "department_name",
                "legal_limit_days",
                "promised_limit_days",
                "handling_type",
                "handling_type_display",
                "online_depth",
                "online_depth_display",
                "site_visits",
                "supports_online_handling",
                "service_objects",
                "guide_url",
            ]

        def get_guide_url(self, obj) -> str:
            return f"/guide/{obj.matter.code}/"

    serializer_class = CatalogMatterSummary

    def get_queryset(self):
        return published_versions().order_by("department__sort_order", "matter__code")

    @extend_schema(summary="事项检索（已发布）")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class CatalogGuideSubItem(serializers.ModelSerializer):
    online_depth_display = serializers.CharField(source="get_online_depth_display")

    class Meta:
        model = SubItem
        fields = ["code", "name", "online_depth", "online_depth_display", "promised_limit_days"]


class CatalogGuideMaterial(serializers.ModelSerializer):
    sub_item_code = serializers.CharField(source="sub_item.code", default="")
    material_form_display = serializers.CharField(source="get_material_form_display")
    source_channel_display = serializers.CharField(source="get_source_channel_display")

    class Meta:
        model = Material
        fields = [
            "name",
            "sub_item_code",
            "issuing_body",
            "originals",
            "copies",
            "is_required",
            "material_form",
            "material_form_display",
            "source_channel",
            "source_channel_display",
            "blank_form",
            "sample",
            "filling_notes",
            "acceptance_standard",
            "may_be_missing",
        ]


class CatalogGuideStep(serializers.ModelSerializer):
    class Meta:
        model = ProcessStep
        fields = ["order", "name", "actor", "limit_days", "description"]


class CatalogVersionDetail(serializers.ModelSerializer):
    """Every element of a version with its sub-items, materials and steps."""

    code = serializers.CharField(source="matter.code")
    department_name = serializers.CharField(source="department.name")
    # A plain string: a second enum named "status" would collide in the schema (drf_spectacular.W001).
    status = serializers.CharField(read_only=True, help_text="draft 草稿 / published 已发布 / retired 已废止")
    status_display = serializers.CharField(source="get_status_display")
    co_department_names = serializers.SerializerMethodField()
    sub_items = CatalogGuideSubItem(many=True)
    materials = CatalogGuideMaterial(many=True)
    steps = CatalogGuideStep(many=True)

    class Meta:
        model = MatterVersion
        fields = [
            "id",
            "code",
            "version",
            "status",
            "status_display",
            "published_at",
            *[f for f in CONTENT_FIELDS if f != "edition"],
            "edition",
            "department_name",
            "co_departments",
            "co_department_names",
            "sub_items",
            "materials",
            "steps",
        ]

    def get_co_department_names(self, obj) -> list[str]:
        return [d.name for d in obj.co_departments.all()]


class CatalogWhereToApply(serializers.Serializer):
    """One site where the matter can be done (可办理场所)."""

    site = serializers.CharField(source="site.name")
    site_id = serializers.IntegerField(source="site.pk")
    kind = serializers.CharField(help_text="县级办理 / 下放 / 委托 / 代收代办")
    decides = serializers.BooleanField(help_text="false: only collects and forwards (代收代办)")
    document = serializers.CharField(help_text="delegation document (依据文件文号); empty for the county hall")
    effective_date = serializers.DateField(allow_null=True)


class CatalogGuideDetail(CatalogVersionDetail):
    """The public guide: the version plus every site where the matter can be done."""

    sites = serializers.SerializerMethodField()

    class Meta(CatalogVersionDetail.Meta):
        fields = [*CatalogVersionDetail.Meta.fields, "sites"]

    @extend_schema_field(CatalogWhereToApply(many=True))
    def get_sites(self, obj) -> list[dict]:
        return CatalogWhereToApply(where_to_apply(obj.matter), many=True).data


class MatterDetailApi(APIView):
    """The current published version of one matter (办事指南数据), with where it can be done. Public."""

    permission_classes = [AllowAny]

    @extend_schema(responses=CatalogGuideDetail, summary="事项详情（当前发布版本）")
    def get(self, request, code: str):
        version = current_version(code)
        if version is None:
            raise Http404("该事项不存在或未发布。")
        return Response(CatalogGuideDetail(version).data)


# --- Staff: drafts and publishing -----------------------------------------------------------------


class CatalogDraftInput(serializers.ModelSerializer):
    """Fields a draft may set; the service validates them again and runs the rules."""

    code = serializers.CharField(max_length=64, required=False, label="实施编码")

    class Meta:
        model = MatterVersion
        fields = ["code", *CONTENT_FIELDS, "co_departments"]
        extra_kwargs = {"co_departments": {"required": False}}


class CatalogVersionListApi(generics.ListAPIView):
    """All versions for catalog upkeep (事项版本), filterable by status; POST drafts a matter."""

    permission_classes = [IsCatalogEditor]
    serializer_class = CatalogVersionDetail
    filterset_fields = ["status", "department"]

    def get_queryset(self):
        return version_with_details(MatterVersion.objects.all()).order_by("matter__code", "-version")

    @extend_schema(summary="事项版本列表（工作人员）")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(request=CatalogDraftInput, responses={201: CatalogVersionDetail}, summary="起草事项")
    def post(self, request):
        payload = CatalogDraftInput(data=request.data)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        if not data.get("code"):
            raise serializers.ValidationError({"code": ["请填写实施编码。"]})
        version = matter_version_create_draft(by=request.user, ip=client_ip(request), **data)
        return Response(_detail(version), status=status.HTTP_201_CREATED)


def _detail(version: MatterVersion) -> dict:
    return CatalogVersionDetail(version_with_details(MatterVersion.objects.filter(pk=version.pk)).get()).data


class CatalogVersionDetailApi(APIView):
    """One version; PATCH changes a draft (published versions are refused)."""

    permission_classes = [IsCatalogEditor]

    @extend_schema(responses=CatalogVersionDetail, summary="事项版本详情（工作人员）")
    def get(self, request, pk: int):
        return Response(_detail(get_object_or_404(MatterVersion, pk=pk)))

    @extend_schema(request=CatalogDraftInput, responses=CatalogVersionDetail, summary="修改草稿")
    def patch(self, request, pk: int):
        version = get_object_or_404(MatterVersion, pk=pk)
        payload = CatalogDraftInput(instance=version, data=request.data, partial=True)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        data.pop("code", None)
        version = matter_version_update_draft(version=version, by=request.user, ip=client_ip(request), **data)
        return Response(_detail(version))


class CatalogVersionPublishApi(APIView):
    """Publish a draft (发布): refused with every rule it breaks, per field."""

    permission_classes = [IsCatalogEditor]

    @extend_schema(request=None, responses=CatalogVersionDetail, summary="发布事项版本")
    def post(self, request, pk: int):
        version = get_object_or_404(MatterVersion, pk=pk)
        version = matter_version_publish(version=version, by=request.user, ip=client_ip(request))
        return Response(_detail(version))


class CatalogVersionRetireApi(APIView):
    """Retire a published version (废止)."""

    permission_classes = [IsCatalogEditor]

    @extend_schema(request=None, responses=CatalogVersionDetail, summary="废止事项版本")
    def post(self, request, pk: int):
        version = get_object_or_404(MatterVersion, pk=pk)
        version = matter_version_retire(version=version, by=request.user, ip=client_ip(request))
        return Response(_detail(version))


class MatterNewVersionApi(APIView):
    """New version (生成新版本): copy the current version of a matter into a draft."""

    permission_classes = [IsCatalogEditor]

    @extend_schema(request=None, responses={201: CatalogVersionDetail}, summary="生成新版本草稿")
    def post(self, request, code: str):
        matter = get_object_or_404(Matter, code=code)
        draft = matter_version_new_draft(matter=matter, by=request.user, ip=client_ip(request))
        return Response(_detail(draft), status=status.HTTP_201_CREATED)
