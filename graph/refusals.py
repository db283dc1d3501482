"""Reads asked for wrongly: the caller's to fix, so ChainSleuthErrors (400), unlike graph/errors.py's, which
say the database failed. Kept out of graph/errors.py, which every task module loads for its retries and
which therefore imports nothing of ours."""

from core.errors import ChainSleuthError


class ExploreError(ChainSleuthError, ValueError):
    """A read no graph answers as asked (a path of too many hops, or from a node to itself). Still a
    ValueError for the callers that caught one before."""
