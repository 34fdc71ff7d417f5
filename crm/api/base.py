"""Tenant resolution and role permissions, in one place for every endpoint."""

from __future__ import annotations

from rest_framework import permissions
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from crm.models import Role, Tenant
from crm.services.audit import Actor, client_address

from .parsers import SafeJSONParser, query_params_check


class HasRole(permissions.BasePermission):
    message = "Your API key's role does not allow this action."

    def has_permission(self, request, view) -> bool:
        needed = view.required_roles.get(request.method, view.required_roles.get("*", Role.AGENT))
        return request.auth is not None and Role.rank(request.auth.role) >= Role.rank(needed)


class TenantApi(APIView):
    """Base of every tenant endpoint: ``self.tenant`` is the API key's tenant.

    ``required_roles`` maps an HTTP method (or ``"*"``) to the least role allowed.
    """

    permission_classes = [permissions.IsAuthenticated, HasRole]
    parser_classes = [SafeJSONParser]
    required_roles: dict[str, str] = {"*": Role.AGENT}

    def initial(self, request, *args, **kwargs) -> None:
        super().initial(request, *args, **kwargs)
        query_params_check(request.query_params)

    @property
    def tenant(self) -> Tenant:
        return self.request.auth.tenant

    @property
    def actor(self) -> Actor:
        """The API key (its prefix and label), its role and the client's address."""
        key = self.request.auth
        name = f"api-key:{key.prefix}" + (f" ({key.label})" if key.label else "")
        return Actor(name=name, role=key.role, address=client_address(self.request))


class Pagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


def paginated(*, view: APIView, queryset, serializer_class) -> Response:
    """A page of ``queryset``; the view declares ``pagination_class = Pagination``, which is
    how the schema documents its paginated shape."""
    paginator = view.pagination_class()
    page = paginator.paginate_queryset(queryset, view.request, view=view)
    return paginator.get_paginated_response(serializer_class(page, many=True, context={"request": view.request}).data)
