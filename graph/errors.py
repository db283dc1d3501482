"""The graph store's own exceptions: callers never see a driver's error types."""


class GraphError(Exception):
    """Anything that went wrong talking to the graph database."""


class GraphUnavailable(GraphError):
    """The database could not be reached or asked us to retry; safe to retry an idempotent write."""


class GraphOutcomeUnknown(GraphError):
    """A write got no answer (timeout, lost commit): it may or may not have been applied. Not retried."""


class GraphQueryError(GraphError):
    """The database refused or failed the query (syntax, type or runtime error); retrying will not help."""


class GraphConstraintError(GraphQueryError):
    """A write broke a uniqueness constraint; the whole statement was rolled back."""


class GraphParameterError(GraphError, ValueError):
    """A parameter value the graph engines cannot store faithfully; the message names the parameter."""
