"""Every write of market-entity registration (市场主体登记), by topic; import from here."""

from enterprises.services.exits import (
    DormancySweep,
    deregistration_file,
    deregistration_on_decision,
    deregistrations_sweep,
    dormancies_sweep,
    dormancy_extend,
    dormancy_file,
    entity_revoke,
    objection_file,
)
from enterprises.services.imports import COLUMNS, HEADERS, entity_import_create, entity_import_run, progress_key
from enterprises.services.register import (
    CHANGEABLE_FIELDS,
    credit_code_build,
    credit_code_issue,
    entity_change,
    entity_convert,
    entity_register,
)
from enterprises.services.startup import (
    on_application_transitioned,
    startup_bundle_receive,
    startup_delivery_record,
    startup_resubmit,
    startup_return,
    startup_task_finish,
    startup_theme,
)

__all__ = [
    "CHANGEABLE_FIELDS",
    "COLUMNS",
    "HEADERS",
    "DormancySweep",
    "credit_code_build",
    "credit_code_issue",
    "deregistration_file",
    "deregistration_on_decision",
    "deregistrations_sweep",
    "dormancies_sweep",
    "dormancy_extend",
    "dormancy_file",
    "entity_change",
    "entity_convert",
    "entity_import_create",
    "entity_import_run",
    "entity_register",
    "entity_revoke",
    "objection_file",
    "on_application_transitioned",
    "progress_key",
    "startup_bundle_receive",
    "startup_delivery_record",
    "startup_resubmit",
    "startup_return",
    "startup_task_finish",
    "startup_theme",
]
