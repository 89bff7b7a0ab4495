"""Every write of an application's life cycle (办件全流程), one module per topic.

- :mod:`.common` — input data, applicant checks, the row lock and the record of a transition
- :mod:`.intake` — numbers, window receipts, online submissions, theme services (收件)
- :mod:`.prereview` — the art. 32 answer period and deemed acceptance (预审时限、视为受理)
- :mod:`.acceptance` — pre-review, accept, refuse, one-go supplement notice, 即办 (受理与补正)
- :mod:`.review` — handler, review, special procedures pausing the clock (审查与特别程序)
- :mod:`.extensions` — extension requests and their approval (延期)
- :mod:`.decision` — decision, completion, delivery, withdrawal, revocation (决定、办结、送达)
- :mod:`.citizens` — citizen registration (群众注册)
- :mod:`.notify` — SMS outbox and the applicant's 消息 (告知申请人)
- :mod:`.sweep` — the set-based deadline sweep (时限预警)

Every public name is importable from ``approvals.services``.
"""

from approvals.services.acceptance import (
    application_accept,
    application_accept_immediately,
    application_refuse,
    application_request_supplement,
    application_start_prereview,
    application_supplement,
)
from approvals.services.citizens import citizen_register
from approvals.services.common import ApplicantData, MaterialState, SupplementItem, validate_applicant
from approvals.services.decision import (
    application_complete,
    application_decide,
    application_deliver,
    application_revoke,
    application_withdraw,
)
from approvals.services.extensions import (
    application_approve_extension,
    application_reject_extension,
    application_request_extension,
    extension_approvers,
)
from approvals.services.intake import (
    application_receive,
    application_submit_online,
    issue_numbers,
    theme_application_receive,
)
from approvals.services.notify import applicant_notify, sms_deliver, sms_enqueue, sms_enqueue_many
from approvals.services.review import (
    application_assign,
    application_pause,
    application_resume,
    application_start_review,
)
from approvals.services.sweep import SweepResult, applications_sweep_warnings
from approvals.transitions import ACTION_LABELS
from approvals.uploads import material_upload

__all__ = [
    "ACTION_LABELS",
    "ApplicantData",
    "MaterialState",
    "SupplementItem",
    "SweepResult",
    "applicant_notify",
    "application_accept",
    "application_accept_immediately",
    "application_approve_extension",
    "application_assign",
    "application_complete",
    "application_decide",
    "application_deliver",
    "application_pause",
    "application_receive",
    "application_refuse",
    "application_reject_extension",
    "application_request_extension",
    "application_request_supplement",
    "application_resume",
    "application_revoke",
    "application_start_prereview",
    "application_start_review",
    "application_submit_online",
    "application_supplement",
    "application_withdraw",
    "applications_sweep_warnings",
    "citizen_register",
    "extension_approvers",
    "issue_numbers",
    "material_upload",
    "sms_deliver",
    "sms_enqueue",
    "sms_enqueue_many",
    "theme_application_receive",
    "validate_applicant",
]
