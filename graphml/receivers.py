"""Labeling listening to the layers below it."""

from graphml.outcomes import confirmed_label_record


def labels_from_verdict(sender, *, addresses, illicit, source, **kwargs) -> None:
    """A confirmed case makes its addresses illicit labels, a dismissed one licit (docs/labeling.md)."""
    for address in addresses:
        confirmed_label_record(address=address, illicit=illicit, source=source)
