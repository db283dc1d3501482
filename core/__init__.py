"""Contracts shared by every domain app (below all of them): the job row and its runner."""
