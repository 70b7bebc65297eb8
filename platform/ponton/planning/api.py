"""API of the planning (`/api/v1/sessions/`): list the sessions with their number in their series
and their free seats, add one, several or recurring sessions (PL-1), move a session, change its
capacity, delete a session or a whole date (PL-2). Thin views over `planning.services` and
`planning.selectors`: the same rules and French messages as Club Manager > Planning."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response

from ponton.catalogue.models import Product, Site
from ponton.catalogue.selectors import access_product
from ponton.planning import selectors, services
from ponton.web.api import ApiPagination, field_error, id_field
from ponton.web.bounds import CAPACITY_MAX

READ_METHODS = ("GET", "HEAD", "OPTIONS")
INT_RANGE = 2**31  # a PostgreSQL integer


class PlanningView(generics.GenericAPIView):
    """Reading needs "catalogue.view", writing "catalogue.manage" (the planning is part of the
    offer, as in the Club Manager)."""

    pagination_class = ApiPagination
    # Where a refusal of the service names a field the request does not have.
    field_names: dict[str | None, str] = {}

    @property
    def required_permission(self) -> str:
        return "catalogue.view" if self.request.method in READ_METHODS else "catalogue.manage"

    def refused(self, exc: services.PlanningError):
        return field_error(self.field_names.get(exc.field, exc.field), str(exc))


class SessionSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    product = serializers.IntegerField(source="product_id", read_only=True)
    product_name = serializers.CharField(source="product.name", read_only=True)
    site = serializers.IntegerField(source="site_id", read_only=True, allow_null=True)
    starts_at = serializers.DateTimeField(read_only=True)
    ends_at = serializers.DateTimeField(read_only=True)
    capacity = serializers.IntegerField(read_only=True)
    sold = serializers.IntegerField(read_only=True)
    free = serializers.IntegerField(read_only=True)
    number = serializers.IntegerField(
        read_only=True, help_text=_("Rang de la séance dans la série de son activité (1, 2, 3…).")
    )


def _sessions(ids) -> list:
    """The sessions just written, numbered in their series."""
    return list(selectors.session_list().filter(pk__in=ids))


def capacity_field() -> serializers.IntegerField:
    """Within what an integer holds; the service refuses below 1 or above CAPACITY_MAX places
    with its own messages (the page's)."""
    return serializers.IntegerField(
        min_value=-INT_RANGE,
        max_value=INT_RANGE - 1,
        help_text=_("De 1 à %(max)s places.") % {"max": CAPACITY_MAX},
    )


class SessionFilterSerializer(serializers.Serializer):
    product = id_field(required=False)
    start = serializers.DateTimeField(
        required=False, help_text=_("Séances commençant à partir de.")
    )
    end = serializers.DateTimeField(required=False, help_text=_("Séances commençant avant."))


class ProductField(serializers.PrimaryKeyRelatedField):
    def __init__(self, **kwargs):
        super().__init__(queryset=Product.objects.all(), **kwargs)


class SiteField(serializers.PrimaryKeyRelatedField):
    def __init__(self, **kwargs):
        super().__init__(queryset=Site.objects.all(), required=False, allow_null=True, **kwargs)


class TimesSerializer(serializers.Serializer):
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    capacity = capacity_field()


class SessionCreateSerializer(TimesSerializer):
    product = ProductField()
    site = SiteField()


class SessionBatchSerializer(serializers.Serializer):
    product = ProductField()
    site = SiteField()
    sessions = TimesSerializer(many=True)


class TimeRangeSerializer(serializers.Serializer):
    start = serializers.TimeField()
    end = serializers.TimeField()


class RecurrenceSerializer(serializers.Serializer):
    product = ProductField()
    site = SiteField()
    start_date = serializers.DateField()
    end_date = serializers.DateField()
    weekdays = serializers.ListField(
        child=serializers.IntegerField(min_value=0, max_value=6),
        allow_empty=True,
        help_text=_("Jours de la semaine : 0 = lundi … 6 = dimanche."),
    )
    times = TimeRangeSerializer(many=True, allow_empty=True)
    capacity = capacity_field()


class CreatedSessionsSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    sessions = SessionSerializer(many=True)


class SessionListView(PlanningView):
    """GET: the sessions (filters: product, start, end), numbered in their series, with their
    sold and free seats. POST: one session (PL-1)."""

    serializer_class = SessionSerializer
    not_found_from_input = ("GET",)  # ?product= of another structure

    def get_queryset(self):
        filters = SessionFilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        values = filters.validated_data
        product = values.get("product")
        return selectors.session_list(
            product=access_product(product_id=product) if product is not None else None,
            start=values.get("start"),
            end=values.get("end"),
        )

    @extend_schema(parameters=[SessionFilterSerializer], responses=SessionSerializer(many=True))
    def get(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(SessionSerializer(page, many=True).data)

    @extend_schema(request=SessionCreateSerializer, responses={201: SessionSerializer})
    def post(self, request):
        body = SessionCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            session = services.session_add(**body.validated_data)
        except services.PlanningError as exc:
            raise self.refused(exc) from exc
        return Response(
            SessionSerializer(_sessions([session.pk])[0]).data, status=status.HTTP_201_CREATED
        )


class SessionBatchView(PlanningView):
    """POST: several sessions of one activity at once, all or none (PL-1)."""

    serializer_class = CreatedSessionsSerializer

    @extend_schema(request=SessionBatchSerializer, responses={201: CreatedSessionsSerializer})
    def post(self, request):
        body = SessionBatchSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        try:
            sessions = services.sessions_add(
                product=data["product"],
                site=data.get("site"),
                sessions=[(s["starts_at"], s["ends_at"], s["capacity"]) for s in data["sessions"]],
            )
        except services.PlanningError as exc:
            raise self.refused(exc) from exc
        created = _sessions([s.pk for s in sessions])
        return Response(
            CreatedSessionsSerializer({"count": len(created), "sessions": created}).data,
            status=status.HTTP_201_CREATED,
        )


class SessionRecurrenceView(PlanningView):
    """POST: recurring sessions over a period, on chosen weekdays, at each time (PL-1)."""

    serializer_class = CreatedSessionsSerializer
    field_names = {"ends_at": "times"}

    @extend_schema(request=RecurrenceSerializer, responses={201: CreatedSessionsSerializer})
    def post(self, request):
        body = RecurrenceSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        try:
            sessions = services.sessions_add_recurrence(
                product=data["product"],
                site=data.get("site"),
                start_date=data["start_date"],
                end_date=data["end_date"],
                weekdays=data["weekdays"],
                times=[(t["start"], t["end"]) for t in data["times"]],
                capacity=data["capacity"],
            )
        except services.PlanningError as exc:
            raise self.refused(exc) from exc
        created = _sessions([s.pk for s in sessions])
        return Response(
            CreatedSessionsSerializer({"count": len(created), "sessions": created}).data,
            status=status.HTTP_201_CREATED,
        )


class SessionMoveSerializer(serializers.Serializer):
    starts_at = serializers.DateTimeField(required=False)
    ends_at = serializers.DateTimeField(required=False)


class SessionDetailView(PlanningView):
    """GET: one session. PATCH: move it (starts_at, ends_at). DELETE: delete it, refused once
    seats are sold (PL-2)."""

    serializer_class = SessionSerializer

    @extend_schema(responses=SessionSerializer)
    def get(self, request, session_id: int):
        session = selectors.access_session(session_id=session_id)
        return Response(SessionSerializer(session).data)

    @extend_schema(request=SessionMoveSerializer, responses=SessionSerializer)
    def patch(self, request, session_id: int):
        session = selectors.access_session(session_id=session_id)
        body = SessionMoveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            services.session_move(
                session=session,
                starts_at=body.validated_data.get("starts_at", session.starts_at),
                ends_at=body.validated_data.get("ends_at", session.ends_at),
            )
        except services.PlanningError as exc:
            raise self.refused(exc) from exc
        return Response(SessionSerializer(selectors.access_session(session_id=session_id)).data)

    @extend_schema(request=None, responses={204: None})
    def delete(self, request, session_id: int):
        session = selectors.access_session(session_id=session_id)
        try:
            services.session_delete(session=session)
        except services.PlanningError as exc:
            raise self.refused(exc) from exc
        return Response(status=status.HTTP_204_NO_CONTENT)


class CapacitySerializer(serializers.Serializer):
    capacity = capacity_field()


class SessionCapacityView(PlanningView):
    """POST: change the capacity of a session, never below the seats sold (PL-2)."""

    serializer_class = SessionSerializer

    @extend_schema(request=CapacitySerializer, responses=SessionSerializer)
    def post(self, request, session_id: int):
        session = selectors.access_session(session_id=session_id)
        body = CapacitySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            services.session_set_capacity(session=session, capacity=body.validated_data["capacity"])
        except services.PlanningError as exc:
            raise self.refused(exc) from exc
        return Response(SessionSerializer(selectors.access_session(session_id=session_id)).data)


class DateDeleteSerializer(serializers.Serializer):
    product = ProductField()
    date = serializers.DateField()


class DeletedSerializer(serializers.Serializer):
    deleted = serializers.IntegerField()


class SessionDateDeleteView(PlanningView):
    """POST: delete every session of an activity on one date; refused, deleting nothing, when a
    seat is sold on one of them (PL-2)."""

    serializer_class = DeletedSerializer

    @extend_schema(request=DateDeleteSerializer, responses=DeletedSerializer)
    def post(self, request):
        body = DateDeleteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            deleted = services.sessions_delete_date(
                product=body.validated_data["product"], day=body.validated_data["date"]
            )
        except services.PlanningError as exc:
            raise self.refused(exc) from exc
        return Response({"deleted": deleted})
