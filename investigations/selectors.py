"""Reads other parts of the system need from cases, without a user: jobs run on a case's behalf."""

from graph import get_graph
from graph.ml import cluster_members
from investigations.models import Case, Subject

CLUSTER_LIMIT = 10_000  # a bigger cluster (an exchange's) would swamp a case's address set


def case_addresses(case: Case) -> set[str]:
    """The addresses a case is about: its address subjects and the members of its cluster subjects,
    skipping clusters that had more than CLUSTER_LIMIT members when they were added."""
    store, addresses = get_graph(), set()
    for subject in case.subjects.exclude(kind=Subject.Kind.TRANSACTION):
        if subject.kind == Subject.Kind.ADDRESS:
            addresses.add(subject.ref)
        elif (subject.snapshot.get("size") or 0) <= CLUSTER_LIMIT:
            addresses |= cluster_members(store, subject.ref)
    return addresses
