"""URLs of the evaluation pages (好差评), included at the site root by hall/urls.py."""

from django.urls import path

from evaluations.views import evaluator, public, staff

urlpatterns = [
    path("e/<str:token>/", public.rate_by_link, name="evaluation_link"),
    path("evaluations/", staff.supervision, name="evaluation_supervision"),
    path("evaluations/cases/", staff.case_list, name="evaluation_cases"),
    path("evaluations/cases/<int:pk>/", staff.case_detail, name="evaluation_case_detail"),
    path("evaluations/cases/<int:pk>/act/<str:action>/", staff.case_action, name="evaluation_case_action"),
    path("evaluations/callback/", staff.phone_callback, name="evaluation_callback"),
    path("evaluations/mine/", public.my_evaluations, name="my_evaluations"),
    path("evaluations/public/", public.public_disclosure, name="evaluation_public"),
    path("evaluator/", evaluator.evaluator, name="evaluator"),
    path("evaluator/activate/<str:token>/", evaluator.activate, name="evaluator_activate"),
    path("evaluator/pending/", evaluator.pending, name="evaluator_pending"),
    path("evaluator/submit/", evaluator.submit, name="evaluator_submit"),
    path("evaluator/skip/", evaluator.skip, name="evaluator_skip"),
]
