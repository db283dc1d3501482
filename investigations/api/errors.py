"""Our errors as HTTP answers: a refused request is 400 with the reason, another team's object is 404."""

import logging

from django.core.exceptions import ObjectDoesNotExist
from rest_framework import exceptions
from rest_framework.views import exception_handler

from app.logs import escaped
from graph import GraphError, GraphParameterError
from investigations.evidence import EvidenceError
from investigations.services import CaseConflict, CaseError, UnknownSubject
from investigations.tagging import TagError
from tagpack import TagPackError

log = logging.getLogger(__name__)


class GraphBusy(exceptions.APIException):
    status_code = 503
    default_detail = "the graph database did not answer in time; try again, or narrow the request"


class Conflict(exceptions.APIException):
    status_code = 409
    default_detail = "the object's state does not allow this now"


def api_exception_handler(error, context):
    """400 for a request that cannot be done (a value the graph cannot hold included: a NUL in a path is
    the caller's mistake, not a busy graph), 409 for one the case's state does not allow now, 404 for
    what is not there (another team's objects included)."""
    if isinstance(error, GraphParameterError):
        error = exceptions.ValidationError({"detail": f"a value the graph cannot hold: {error}"})
    elif isinstance(error, GraphError):
        log.warning("graph error answering %s: %s", escaped(context["request"].path), escaped(error))
        error = GraphBusy()
    elif isinstance(error, CaseConflict):
        error = Conflict(str(error))
    elif isinstance(error, UnknownSubject):
        error = exceptions.NotFound(str(error))
    elif isinstance(error, CaseError | EvidenceError | TagError):
        error = exceptions.ValidationError({"detail": str(error)})
    elif isinstance(error, TagPackError):
        error = exceptions.ValidationError({"detail": "the TagPack is refused", "problems": list(error.problems)})
    elif isinstance(error, ObjectDoesNotExist):
        error = exceptions.NotFound(str(error) or "not found")
    return exception_handler(error, context)
