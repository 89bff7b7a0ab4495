"""Serving uploaded materials (材料下载): only through this view, after a permission check, audited."""

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.views.decorators.http import require_GET

from approvals.selectors import material_file_for
from approvals.uploads import material_file_open_for
from hall.services.audit import client_ip


@require_GET
@login_required
def material_download(request, number: str, file_id: int):
    """Download one uploaded file; another person's file is simply not found (404)."""
    upload = material_file_for(request.user, number=number, file_id=file_id)
    if upload is None:
        raise Http404("未找到该材料，或您无权查看。")
    handle = material_file_open_for(user=request.user, material_file=upload, ip=client_ip(request))
    response = FileResponse(handle, content_type=upload.content_type, as_attachment=True, filename=upload.original_name)
    response["Cache-Control"] = "private, no-store"
    return response
