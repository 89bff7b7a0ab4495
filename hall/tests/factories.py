"""factory_boy factories for the hall's models."""

import factory

from hall.demo import _credit_code
from hall.models import Department, Division, Site, User, Window, Zone


class DivisionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Division
        django_get_or_create = ["code"]

    code = "130921"
    name = "清源县"
    level = Division.Level.COUNTY


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department

    name = factory.Sequence(lambda n: f"测试部门{n}")
    credit_code = factory.Sequence(lambda n: _credit_code("130921", 9000 + n))
    division = factory.SubFactory(DivisionFactory)


class SiteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Site

    name = factory.Sequence(lambda n: f"测试政务服务中心{n}")
    level = Site.Level.COUNTY
    division = factory.SubFactory(DivisionFactory)


class ZoneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Zone

    site = factory.SubFactory(SiteFactory)
    name = factory.Sequence(lambda n: f"专区{n}")


class WindowFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Window

    zone = factory.SubFactory(ZoneFactory)
    site = factory.SelfAttribute("zone.site")
    number = factory.Sequence(lambda n: n + 1)
    name = "综合受理窗口"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = "测试用户"
    role = User.Role.CLERK
    password = factory.PostGenerationMethodCall("set_password", "Demo@2026")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()
