"""Labeling listening to the layers below it."""

from graphml.outcomes import confirmed_label_record
from graphml.wording import worded


def labels_from_verdict(sender, *, addresses, illicit, source, **kwargs) -> None:
    """A confirmed case makes its addresses illicit labels, a dismissed one licit (docs/labeling.md)."""
    for address in addresses:
        confirmed_label_record(address=address, illicit=illicit, source=source)


def reasons_for_report(sender, *, features, **kwargs) -> list[str]:
    """A case report's reasons (investigations.signals.report_reasons_wanted), in the words the pages use."""
    return [reason["sentence"] for reason in worded([str(feature) for feature in features])]
