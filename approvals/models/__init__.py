"""Applications (办件), their materials, history, clock pauses and extensions, bundles and SMS outbox.

No workflow lives here: every state change goes through ``approvals.services`` and is checked
against the table in ``approvals.transitions``. Fields and database constraints only. One module
per topic; every name stays importable from ``approvals.models``.
"""

from approvals.models.applications import (
    Application,
    ApplicationBundle,
)
from approvals.models.choices import (
    CLOCK_OPEN_STATUSES,
    FINAL_STATUSES,
    ONLINE_CHANNELS,
    PRE_ACCEPTANCE_STATUSES,
    ApplicantType,
    Channel,
    ClockState,
    Decision,
    DeliveryMethod,
    IdType,
    Status,
    WarningLevel,
)
from approvals.models.clock import (
    ClockExtension,
    ClockPause,
)
from approvals.models.records import (
    ApplicationEvent,
    ApplicationMaterial,
    MaterialFile,
    material_upload_path,
)
from approvals.models.support import (
    DepartmentHead,
    NumberSequence,
    SmsMessage,
)

__all__ = [
    "CLOCK_OPEN_STATUSES",
    "FINAL_STATUSES",
    "ONLINE_CHANNELS",
    "PRE_ACCEPTANCE_STATUSES",
    "ApplicantType",
    "Application",
    "ApplicationBundle",
    "ApplicationEvent",
    "ApplicationMaterial",
    "Channel",
    "ClockExtension",
    "ClockPause",
    "ClockState",
    "Decision",
    "DeliveryMethod",
    "DepartmentHead",
    "IdType",
    "MaterialFile",
    "NumberSequence",
    "SmsMessage",
    "Status",
    "WarningLevel",
    "material_upload_path",
]
