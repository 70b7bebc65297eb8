"""The OpenAPI schema of the API (drf-spectacular): every operation also documents the refusals
it may answer, so that a client (and the schema fuzzing of the tests) knows every status code:

- 400: a refusal, `{"field": ["message"]}` or `{"detail": "message"}`, in French; any request
  may get one (a NUL character or text that is not Unicode in its query string, for one);
- 401 and 403: no valid token, or no permission on this structure, where the operation needs one;
- 404: an id of the path unknown to this structure (or an id of the input that a view names in
  `not_found_from_input`);
- 429: too many attempts, where the operation is throttled;
- 422: a key already used for another request, where the view names it in `extra_refusals`
  (the complete sale's `Idempotency-Key`).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.openapi import AutoSchema
from rest_framework import serializers

REFUSALS = {
    "400": _('Refus, en français : {"champ": ["message"]} ou {"detail": "message"}.'),
    "401": _("Jeton absent ou invalide."),
    "403": _("Pas de droit sur cette structure pour cette opération."),
    "404": _("Inconnu de cette structure."),
    "429": _("Trop de tentatives : réessayez plus tard."),
    "422": _("Clé Idempotency-Key déjà utilisée pour une autre requête."),
}


class RefusalSerializer(serializers.Serializer):
    """A refusal: `detail` when it belongs to no field, otherwise one list of messages per
    field (the other properties)."""

    detail = serializers.CharField(required=False)


class ApiAutoSchema(AutoSchema):
    def _refusal_codes(self) -> list[str]:
        codes = ["400"]
        if self.get_auth():
            codes += ["401", "403"]
        if "{" in self.path or self.method in getattr(self.view, "not_found_from_input", ()):
            codes.append("404")
        if self.view.get_throttles():
            codes.append("429")
        codes += [code for code in getattr(self.view, "extra_refusals", ()) if code in REFUSALS]
        return codes

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        for code in self._refusal_codes():
            if code not in responses:
                response = self._get_response_for_code(RefusalSerializer, code, direction=direction)
                response["description"] = str(REFUSALS[code])
                responses[code] = response
        return responses
