"""App config of work orders (诉求工单): connects to the 差评 signal when the evaluations app has it."""

from django.apps import AppConfig


class WorkordersConfig(AppConfig):
    name = "evaluations.workorders"
    label = "workorders"
    verbose_name = "诉求工单"

    def ready(self):
        from evaluations.workorders.rollups import connect

        connect()  # daily rollups (工单日汇总) follow every saved order, return and front-desk record
        # 差评转办: the 好差评 engineer exposes ``evaluations.signals.bad_review_submitted``; until it
        # exists there is nothing to listen to.
        try:
            from evaluations.signals import bad_review_submitted
        except ImportError:
            return
        from evaluations.workorders.receivers import on_bad_review

        bad_review_submitted.connect(on_bad_review, dispatch_uid="workorders-bad-review")
