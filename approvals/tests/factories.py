"""factory_boy factories for applications and the catalog rows they need."""

import factory

from hall.catalog.models import Material, Matter, MatterVersion, ThemeService


class MatterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Matter

    code = factory.Sequence(lambda n: f"11130921TEST{n:06d}")


class MatterVersionFactory(factory.django.DjangoModelFactory):
    """A published 承诺件 version: legal limit 20, promised 10 working days, 全程网办."""

    class Meta:
        model = MatterVersion

    matter = factory.SubFactory(MatterFactory)
    version = 1
    status = MatterVersion.Status.PUBLISHED
    name = factory.Sequence(lambda n: f"测试许可事项{n}")
    matter_type = "01"
    legal_limit_days = 20
    promised_limit_days = 10
    handling_type = "2"
    online_depth = "4"
    site_visits = 0
    supports_online_handling = True


class MaterialFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Material

    version = factory.SubFactory(MatterVersionFactory)
    name = factory.Sequence(lambda n: f"申请材料{n}")
    is_required = True
    may_be_missing = False


class ThemeServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ThemeService

    code = factory.Sequence(lambda n: f"YJS{n:03d}")
    name = factory.Sequence(lambda n: f"测试一件事{n}")
