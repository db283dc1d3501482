"""The error base every domain error subclasses, so that one API handler answers them all.

A service raises a subclass of one of these; the handler (app/errors.py, api_exception_handler) answers
with its `status` and `body()`, {"detail": "..."} unless the error says more. Plain Python: a service
that is framework-free (graphml's training) can raise these too."""


class ChainSleuthError(Exception):
    """A request we refuse for a reason the caller can act on: 400 with the message."""

    status = 400

    def body(self) -> dict:
        """The JSON answer; a subclass with more to say (TagPackError's problems) adds keys."""
        return {"detail": str(self)}


class Conflict(ChainSleuthError):
    """The object's state does not allow this now (409)."""

    status = 409


class NotFound(ChainSleuthError):
    """No such object, or one of another team's, which is not told apart (404)."""

    status = 404


class Forbidden(ChainSleuthError):
    """The caller may see the object but not do this to it (403)."""

    status = 403
