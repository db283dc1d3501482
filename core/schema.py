"""The OpenAPI schema's one change to drf-spectacular: an answer's `required` lists every field the server
always sends, so the front end's generated types (frontend/src/api/schema.d.ts) leave optional only the
fields that can be absent.

drf-spectacular marks a field required when a client must send it, so a field with a default is optional
in the answer too. DRF's Field.get_attribute sends such a field every time (its default when the value is
missing). A field declared `required=False` may be absent: DRF leaves it out when its key is missing
(investigations/api/answers.py TracedEdgeOut's `haircut`), and answers built by hand leave it out too
(screening's ScreenResultOut: an address refused with an error has no `cluster`), even where it allows
null. Requests keep drf-spectacular's rule: COMPONENT_SPLIT_REQUEST (app/settings.py) gives them
components of their own.
"""

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import force_instance
from rest_framework import serializers
from rest_framework.fields import empty


def field_always_sent(serializer: serializers.Serializer, field: serializers.Field) -> bool:
    """A model instance has every attribute a ModelSerializer reads, so none is ever missing."""
    model_made = isinstance(serializer, serializers.ModelSerializer)
    return model_made or field.required or field.default is not empty


class AnswerSchema(AutoSchema):
    def _map_basic_serializer(self, serializer, direction):
        schema = super()._map_basic_serializer(serializer, direction)
        if direction != "response":
            return schema
        serializer = force_instance(serializer)
        sent = {name for name in schema["properties"] if field_always_sent(serializer, serializer.fields[name])}
        required = sent | set(schema.get("required", ()))
        if required:
            schema["required"] = sorted(required)
        return schema
