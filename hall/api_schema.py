"""The OpenAPI schema documents the error answers every endpoint really gives (接口文档).

drf-spectacular describes only the success response unless told more. Every operation can
answer 400 (bad input: per-field messages), 401/403 (not logged in, not allowed), 429 (rate
limit, where throttled); operations with a path parameter 404; transitions and conflicting
writes 409. They share one error body, declared here once.
"""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse
from rest_framework.permissions import AllowAny

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
        codes = ["400", "405"]
        view = self.view
        permissions = getattr(view, "permission_classes", [])
        if not all(issubclass(p, AllowAny) for p in permissions):
            codes += ["401", "403"]
        if "{" in self.path or (self.method == "GET" and self._is_list_view() and self._get_paginator()):
            codes.append("404")  # an unknown object, or a page number past the last page
        if self.method in ("POST", "PUT", "PATCH", "DELETE"):
            codes += ["409", "415"]
            if any("MultiPart" in p.__name__ for p in getattr(view, "parser_classes", [])):
                codes.append("413")
        if getattr(view, "throttle_classes", None):
            codes.append("429")
        return codes

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction=direction)
        for code in self._error_codes():
            if code not in responses:
                responses[code] = self._get_response_for_code(
                    OpenApiResponse(response=ERROR_BODY, description=ERROR_DESCRIPTIONS[code]), code
                )
        return responses
