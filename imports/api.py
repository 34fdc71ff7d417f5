"""``POST /api/v1/imports/`` (multipart ``file``) and ``GET /api/v1/imports/{id}/``, managers
and admins. The upload is stored, then imported by a Celery task (eagerly on the embedded
defaults, so the answer is then the finished import); poll ``GET /imports/{id}/``."""

from __future__ import annotations

import os

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from crm.api.base import TenantApi
from crm.errors import ApplicationError
from crm.models import Role
from crm.selectors.scoping import get_scoped

from .models import HistoryImport, ImportFormat
from .service import file_sha256, format_guess
from .summary import import_summary
from .tasks import history_import_run


class ImportResultSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField(help_text="pending, running, completed or failed")
    rows = serializers.IntegerField(help_text="rows read")
    imported = serializers.IntegerField()
    skipped = serializers.IntegerField(help_text="rows imported before (same key) or stored already")
    errors = serializers.ListField(child=serializers.DictField(), help_text='[{"line", "field", "message"}]')


class ImportUploadSerializer(serializers.Serializer):
    file = serializers.FileField()
    format = serializers.ChoiceField(choices=ImportFormat.values, required=False)
    dry_run = serializers.BooleanField(required=False, default=False)


class ImportListApi(TenantApi):
    required_roles = {"POST": Role.MANAGER}
    parser_classes = [MultiPartParser]

    @extend_schema(
        summary="Import a history file",
        description="CSV or JSON Lines rows (docs/import.md) or an mbox archive. The same file again "
        "imports nothing new; an interrupted import resumes.",
        request={"multipart/form-data": ImportUploadSerializer},
        responses={202: ImportResultSerializer, 201: ImportResultSerializer},
    )
    def post(self, request):
        upload = ImportUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        data = upload.validated_data
        name = os.path.basename(data["file"].name or "history")[:200]
        fmt = data.get("format") or format_guess(name)
        imp = HistoryImport(
            tenant=self.tenant, file_name=name, format=fmt, dry_run=data["dry_run"], created_by=self.actor.name[:200]
        )
        imp.file.save(name, data["file"], save=False)
        try:
            imp.file_sha256 = file_sha256(imp.file.path)
        except OSError as exc:
            raise ApplicationError("The file could not be stored.", {"file": [str(exc)]}) from None
        imp.save()
        history_import_run.delay(imp.pk)  # the record is committed (no transaction is open here)
        imp.refresh_from_db()
        return Response(import_summary(imp), status=status.HTTP_202_ACCEPTED)


class ImportDetailApi(TenantApi):
    required_roles = {"GET": Role.MANAGER}

    @extend_schema(
        summary="An import's progress and result",
        parameters=[OpenApiParameter("id", int, OpenApiParameter.PATH)],
        responses=ImportResultSerializer,
    )
    def get(self, request, pk: int):
        imp = get_scoped(HistoryImport.objects.all(), tenant=self.tenant, pk=pk)
        return Response(import_summary(imp))
