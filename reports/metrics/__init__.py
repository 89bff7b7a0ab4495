"""The figures reports defines itself (办件、窗口与排队、事项与改革、帮办代办与勘验), over its rollups.

Other apps define theirs in their own ``metrics`` module; ``reports.registry`` collects them all.
"""

from reports.metrics.applications import METRICS as APPLICATION_METRICS
from reports.metrics.catalog import METRICS as CATALOG_METRICS
from reports.metrics.queue import METRICS as QUEUE_METRICS

METRICS = [*APPLICATION_METRICS, *QUEUE_METRICS, *CATALOG_METRICS]
