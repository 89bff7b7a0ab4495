"""factory_boy factories for the matter catalog."""

import factory

from hall.catalog.models import (
    CatalogEdition,
    HandlingForm,
    Material,
    Matter,
    MatterVersion,
    OnlineDepth,
    ProcessStep,
    ServiceObject,
    SubItem,
    ThemeService,
)
from hall.tests.factories import DepartmentFactory


class MatterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Matter

    code = factory.Sequence(lambda n: f"11130921TEST01{n:06d}")


class MatterVersionFactory(factory.django.DjangoModelFactory):
    """A draft that passes every publish rule once it has a material and a step."""

    class Meta:
        model = MatterVersion

    matter = factory.SubFactory(MatterFactory)
    version = 1
    status = MatterVersion.Status.DRAFT
    name = factory.Sequence(lambda n: f"测试许可事项{n}")
    matter_type = "01"
    legal_basis = "《中华人民共和国行政许可法》"
    department = factory.SubFactory(DepartmentFactory)
    legal_limit_days = 20
    promised_limit_days = 5
    acceptance_conditions = "申请材料齐全、符合法定形式。"
    result_name = "许可证"
    service_objects = factory.LazyFunction(lambda: [ServiceObject.ENTERPRISE])
    handling_forms = factory.LazyFunction(lambda: [HandlingForm.WINDOW, HandlingForm.ONLINE_PC])
    supports_online_handling = True
    online_depth = OnlineDepth.III
    site_visits = 1
    site_visit_reason = "现场核验原件"
    place = "县政务服务中心一楼"
    hours = "工作日 8:30-17:30"
    consultation_phone = "0317-5210001"
    supervision_phone = "0317-12345"


class SubItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SubItem

    version = factory.SubFactory(MatterVersionFactory)
    code = factory.Sequence(lambda n: f"SUB{n:03d}")
    name = factory.Sequence(lambda n: f"办理项{n}")


class MaterialFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Material

    version = factory.SubFactory(MatterVersionFactory)
    name = factory.Sequence(lambda n: f"申请材料{n}")
    originals = 1
    copies = 1
    sort_order = factory.Sequence(lambda n: n)


class ProcessStepFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProcessStep

    version = factory.SubFactory(MatterVersionFactory)
    order = factory.Sequence(lambda n: n + 1)
    name = "受理"


class CatalogEditionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CatalogEdition

    name = factory.Sequence(lambda n: f"{2020 + n}年版")
    effective_date = factory.Sequence(lambda n: f"{2020 + n}-01-01")


class ThemeServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ThemeService

    code = factory.Sequence(lambda n: f"THEME{n}")
    name = factory.Sequence(lambda n: f"一件事{n}")


def publishable_draft(**kwargs) -> MatterVersion:
    """A draft with one material and one step: it publishes cleanly."""
    version = MatterVersionFactory(**kwargs)
    MaterialFactory(version=version, name="申请书")
    ProcessStepFactory(version=version, order=1, name="受理")
    return version


def published_version(**kwargs) -> MatterVersion:
    from hall.catalog.services import matter_version_publish

    return matter_version_publish(version=publishable_draft(**kwargs), by=None)
