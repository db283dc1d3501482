"""The flagged-cluster queue's ranks: calibrated probabilities bunch up near 1, so each row also says where
it stands among every cluster its model scored ("rank 3 of 5,210, top 0.1%")."""

from graph import explore


def ranked(store, clusters: list[explore.FlaggedCluster]) -> list[dict]:
    """The rows with `rank`, `scored` and `percentile`; a rank query per model on the page (usually one)."""
    by_model: dict[str | None, list[float]] = {}
    for cluster in clusters:
        by_model.setdefault(cluster["risk_model"], []).append(cluster["risk"])
    ranks = {model: explore.risk_ranks(store, model=model, risks=risks) for model, risks in by_model.items() if model}
    return [{**cluster, **_place(ranks.get(cluster["risk_model"], {}).get(cluster["risk"]))} for cluster in clusters]


def _place(rank: explore.RiskRank | None) -> dict:
    if rank is None or not rank["scored"]:
        return {"rank": 1, "scored": 0, "percentile": 100.0}
    return {
        "rank": rank["riskier"] + 1,
        "scored": rank["scored"],
        "percentile": round(100 * (rank["scored"] - rank["riskier"]) / rank["scored"], 2),
    }
