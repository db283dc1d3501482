"""Our errors as HTTP answers: a refused request is 400 with the reason, another team's object is 404."""

from django.core.exceptions import ObjectDoesNotExist
from rest_framework import exceptions
from rest_framework.views import exception_handler

from investigations.evidence import EvidenceError
from investigations.services import CaseError


def api_exception_handler(error, context):
    if isinstance(error, CaseError | EvidenceError):
        error = exceptions.ValidationError({"detail": str(error)})
    elif isinstance(error, ObjectDoesNotExist):
        error = exceptions.NotFound(str(error) or "not found")
    return exception_handler(error, context)
