"""Request body parsers of the API: JSON bounded in size and nesting depth (请求体限制).

Python's JSON decoder recurses once per nesting level, so 100,000 ``[`` answered 500 with a
RecursionError. Every JSON body is measured before it is decoded: over
``settings.API_JSON_MAX_BYTES`` or nested deeper than ``settings.API_JSON_MAX_DEPTH`` it is a
400 with a Chinese message, like any other bad input.
"""

from __future__ import annotations

import json
import re

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

# A JSON string (skipped whole, so brackets inside strings do not count) or a bracket.
_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.DOTALL)


def json_depth_exceeds(text: str, limit: int) -> bool:
    """Whether ``text`` nests arrays/objects deeper than ``limit`` (a linear scan, no recursion)."""
    depth = 0
    for match in _TOKEN.finditer(text):
        bracket = match.group()
        if bracket in "[{":
            depth += 1
            if depth > limit:
                return True
        elif bracket in "]}":
            depth -= 1
    return False


def _reject_constant(value: str):
    raise ValueError(f"{value} is not valid JSON")


class BoundedJSONParser(JSONParser):
    """DRF's JSON parser with a size and a depth limit, and Chinese messages."""

    def parse(self, stream, media_type=None, parser_context=None):
        max_bytes = settings.API_JSON_MAX_BYTES
        raw = stream.read(max_bytes + 1) if stream is not None else b""
        if len(raw) > max_bytes:
            raise ParseError(f"请求体过大：JSON 内容不得超过 {max_bytes // 1024} KB。")
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = raw.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            raise ParseError("请求体不是有效的 UTF-8 文本。") from None
        limit = settings.API_JSON_MAX_DEPTH
        if json_depth_exceeds(text, limit):
            raise ParseError(f"JSON 嵌套层数过多：不得超过 {limit} 层。")
        try:
            return json.loads(text, parse_constant=_reject_constant)
        except (ValueError, RecursionError) as exc:
            raise ParseError(f"JSON 格式错误：{exc}") from None
