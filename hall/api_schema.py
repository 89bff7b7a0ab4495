"""The OpenAPI schema documents the error answers every endpoint really gives (接口文档).

drf-spectacular describes only the success response unless told more. Every operation can
answer 400 (bad input: per-field messages), 401/403 (not logged in, not allowed), 404 (an unknown
object in its path or body, a page past the last), 405; writes also 409 (a transition not
allowed now) and 415; uploads 413; throttled ones 429. They share one error body, declared here
once. A handler that answers 201 itself (an APIView, which spectacular cannot see) gets its 201
documented too.
"""

from __future__ import annotations

import inspect

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse

# "detail" for a general message; a 400 also carries one list of messages per invalid field.
ERROR_BODY = {
    "type": "object",
    "properties": {"detail": {"type": "string", "description": "错误说明（中文）"}},
    "additionalProperties": True,
}

ERROR_DESCRIPTIONS = {
    "400": "请求无效：参数、请求体或字段校验未通过（按字段给出中文说明）",
    "401": "未登录",
    "403": "无权执行该操作",
    "404": "未找到，或不在您的数据范围内",
    "405": "不支持的请求方法",
    "409": "当前状态不允许该操作",
    "413": "上传内容过大",
    "415": "不支持的请求体类型",
    "429": "请求过于频繁，请稍后再试",
}


class HallAutoSchema(AutoSchema):
    """AutoSchema that adds the error responses each operation can give to its declared ones."""

    def _error_codes(self) -> list[str]:
        # Any operation can meet bad input (400), a missing session or permission, a failed CSRF
        # check or a wrong platform key (401/403), an unknown object named in its path or body
        # or a page past the last (404), and an unsupported method (405).
        codes = ["400", "401", "403", "404", "405"]
        view = self.view
        if self.method in ("POST", "PUT", "PATCH", "DELETE"):
            codes += ["409", "415"]
        elif self._handler_answers("HTTP_409_CONFLICT", "status=409"):
            codes.append("409")  # e.g. a download whose file is not ready yet
            if any("MultiPart" in p.__name__ for p in getattr(view, "parser_classes", [])):
                codes.append("413")
        if getattr(view, "throttle_classes", None):
            codes.append("429")
        return codes

    def _handler_answers(self, *markers: str) -> bool:
        """Whether the view's handler sets one of these statuses itself (spectacular cannot see it)."""
        handler = getattr(self.view, self.method.lower(), None)
        try:
            source = inspect.getsource(handler) if handler is not None else ""
        except (OSError, TypeError):
            return False
        return any(marker in source for marker in markers)

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction=direction)
        if "200" in responses and "201" not in responses and self._handler_answers("HTTP_201_CREATED", "status=201"):
            responses["201"] = responses["200"]
        for code in self._error_codes():
            if code not in responses:
                responses[code] = self._get_response_for_code(
                    OpenApiResponse(response=ERROR_BODY, description=ERROR_DESCRIPTIONS[code]), code
                )
        return responses
