"""Errors about chain data, each naming where the bad data is, and about runs that cannot be made as asked."""

from core.errors import ChainSleuthError


class ChainDataError(Exception):
    """Bad chain data. `where` is the file and byte offset (`blk00001.dat@1234`) or the RPC height."""

    def __init__(self, where: str, message: str) -> None:
        super().__init__(f"{where}: {message}")
        self.where = where
        self.message = message


class ChainOrderError(ChainDataError):
    """A block cannot be placed in the chain (its parent is unknown and it carries no height)."""


class RunSpecError(ChainSleuthError):
    """A run asked for something no run can do (an unknown source kind or network, a store's buckets out of
    range, clustering a store no build finished): the caller's to fix, so a job records it FAILED and a
    command answers it without a traceback."""
