"""The OpenAPI schema's one change to drf-spectacular: an answer's `required` lists every field the server
always sends, so the front end's generated types (frontend/src/api/schema.d.ts) leave optional only the
fields that can be absent.

drf-spectacular marks a field required when a client must send it, so a field with a default, or one that
allows null, is optional in the answer too. DRF's Field.get_attribute sends such a field every time (its
default, or null, when the value is missing); it leaves out only a field that is not required, has no
default and does not allow null, when its key is missing (investigations/api/answers.py TracedEdgeOut's
`haircut`). Requests keep drf-spectacular's rule: COMPONENT_SPLIT_REQUEST (app/settings.py) gives them
components of their own.
"""

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import force_instance
from rest_framework import serializers
from rest_framework.fields import empty


def field_always_sent(serializer: serializers.Serializer, field: serializers.Field) -> bool:
    """A model instance has every attribute a ModelSerializer reads, so none is ever missing."""
    model_made = isinstance(serializer, serializers.ModelSerializer)
    return model_made or field.required or field.allow_null or field.default is not empty


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
