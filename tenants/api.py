"""API of the structure (`/api/v1/`): the structure's card and its modules."""

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from ponton.plugins.manager import all_modules
from tenants import services
from tenants.selectors import enabled_module_labels


class StructureSerializer(serializers.Serializer):
    name = serializers.CharField()
    slug = serializers.CharField()
    title = serializers.CharField(source="display_title")
    state = serializers.CharField()
    email = serializers.CharField()
    phone = serializers.CharField()
    city = serializers.CharField()


class StructureView(APIView):
    required_permission = "structure.view"

    @extend_schema(responses=StructureSerializer)
    def get(self, request):
        return Response(StructureSerializer(request.tenant).data)


class ModuleSerializer(serializers.Serializer):
    label = serializers.CharField()  # type: ignore[assignment]
    name = serializers.CharField()
    description = serializers.CharField()
    paid = serializers.BooleanField()
    enabled = serializers.BooleanField()


def _module_rows(structure):
    enabled = enabled_module_labels(structure=structure)
    return [
        {
            "label": i.label,
            "name": i.name,
            "description": i.description,
            "paid": i.paid,
            "enabled": i.label in enabled,
        }
        for i in all_modules().values()
    ]


class ModuleListView(APIView):
    required_permission = "structure.view"

    @extend_schema(responses=ModuleSerializer(many=True), operation_id="modules_list")
    def get(self, request):
        return Response(ModuleSerializer(_module_rows(request.tenant), many=True).data)


class ModuleToggleSerializer(serializers.Serializer):
    enabled = serializers.BooleanField()


class ModuleDetailView(APIView):
    """GET a module's state; PATCH {"enabled": bool} switches it (Super Administrateur)."""

    @property
    def required_permission(self):
        return "structure.modules" if self.request.method == "PATCH" else "structure.view"

    @extend_schema(responses=ModuleSerializer)
    def get(self, request, label):
        rows = {r["label"]: r for r in _module_rows(request.tenant)}
        if label not in rows:
            raise Http404
        return Response(ModuleSerializer(rows[label]).data)

    @extend_schema(request=ModuleToggleSerializer, responses=ModuleSerializer)
    def patch(self, request, label):
        if label not in all_modules():
            raise Http404
        body = ModuleToggleSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            services.module_set_enabled(
                structure=request.tenant, label=label, enabled=body.validated_data["enabled"]
            )
        except services.StructureError as exc:
            raise serializers.ValidationError({"enabled": [str(exc)]}) from exc
        return self.get(request, label)
