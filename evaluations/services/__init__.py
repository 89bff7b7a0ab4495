"""Every write of evaluations (好差评), one module per topic.

- :mod:`.ratings` — evaluations from every channel, 追评, platform import, idle services (评价)
- :mod:`.cases` — the 差评 loop: verify, callback, rectify, close, appeal review (差评整改)
- :mod:`.devices` — window evaluator tablets: register, revoke (评价器)

Every public name is importable from ``evaluations.services``.
"""

from evaluations.services.cases import (
    case_callback,
    case_close,
    case_confirm,
    case_dispute,
    case_open,
    case_rectify,
    case_reject_appeal,
    case_start_rectify,
    case_start_verify,
    case_uphold_appeal,
)
from evaluations.services.devices import device_for_token, device_register, device_revoke
from evaluations.services.ratings import (
    AlreadyEvaluated,
    ExternalEvaluation,
    Rating,
    evaluation_follow_up,
    evaluation_import_external,
    evaluation_submit_for_application,
    evaluation_submit_for_service,
    service_record_skip,
    validate_rating,
)

__all__ = [
    "AlreadyEvaluated",
    "ExternalEvaluation",
    "Rating",
    "case_callback",
    "case_close",
    "case_confirm",
    "case_dispute",
    "case_open",
    "case_rectify",
    "case_reject_appeal",
    "case_start_rectify",
    "case_start_verify",
    "case_uphold_appeal",
    "device_for_token",
    "device_register",
    "device_revoke",
    "evaluation_follow_up",
    "evaluation_import_external",
    "evaluation_submit_for_application",
    "evaluation_submit_for_service",
    "service_record_skip",
    "validate_rating",
]
