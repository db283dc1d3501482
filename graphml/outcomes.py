"""Investigators' verdicts as labels: case management records them, training learns from them."""

from datetime import datetime

from graphml.models import ConfirmedLabel


def confirmed_label_record(*, address: str, illicit: bool, source: str, category: str = "") -> ConfirmedLabel:
    """A confirmed case makes its addresses illicit, a dismissed one licit; a later verdict replaces an
    earlier one (and counts as new for retraining)."""
    label, _ = ConfirmedLabel.objects.update_or_create(
        address=address, defaults={"illicit": illicit, "source": source, "category": category}
    )
    return label


def confirmed_labels() -> dict[str, bool]:
    """Every address's latest verdict: address → illicit."""
    return dict(ConfirmedLabel.objects.values_list("address", "illicit"))


def confirmed_labels_since(moment: datetime | None) -> int:
    labels = ConfirmedLabel.objects.all()
    return labels.filter(recorded_at__gt=moment).count() if moment else labels.count()
