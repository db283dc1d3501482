"""Per-address features as of a block, and the aggregates beside them, as SQL over the store and its clusters.

The definitions are graphml/features.py's (the reference, computed there from graph arrays), written as set
operations so that DuckDB and Spark SQL run the same text; what differs between them is in the dialect table.
Tables are made where several steps read the rows (each costs a write on Spark), views elsewhere. Every
statement reads the views `transactions_raw`, `outputs_raw`, `inputs_raw` (the store's tables),
`cluster_addresses` and `cluster_txs` (`chainstore cluster`'s `addresses` and `tx_clustering`), `tags_raw`
(address, risk_class) and the tables the earlier statements made. Nothing reads a block after `{until}`: the
transactions are cut first (`f_txs`) and every later step joins through them.

The graph's edges are the store's rows: an OUTPUT edge is an output naming an address, an INPUT edge an input
naming one (its value 0 while unresolved, as graph/ml.py reads it). The clusters are rebuilt from the links
confirmed by `{until}` (the stored clusters hold every later merge); the link rules are graph arrays' own
(features.build): a multi-input transaction links its input addresses, a change guess at or above the bar links
the change address to the inputs. Differences from the reference: sums are in doubles over exact integers where
the reference sums float32 transaction features, so figures agree to about 1e-7, not bit for bit.
"""

from chain.clustering import ROUND_UNIT

# graphml/features.py's names, repeated here because chain/ sits below graphml/ and tagpack/ (a test keeps
# them equal): tag risk classes most severe first (a sanctioned tag counts as illicit), then script types.
TAG_CLASSES = ("illicit", "high_risk", "exchange")
TAG_ALIASES = {"sanctioned": "illicit"}
SCRIPT_TYPES = ("p2pkh", "p2sh", "p2wpkh", "p2wsh", "p2tr", "p2pk")
SATS = 100_000_000

DUCKDB = {"log1p": "ln(1 + {})"}  # DuckDB has no log1p
SPARK = {"log1p": "log1p({})"}
DIALECTS = {"duckdb": DUCKDB, "spark": SPARK}

# The confirmed transactions and what the address features read of each (graphml/features.py TX_FEATURES).
TXS = """
CREATE TABLE f_txs AS
SELECT t.tx_id, t.height,
       {log1p:CAST(t.n_inputs AS DOUBLE)} AS log_n_in,
       {log1p:CAST(t.n_outputs AS DOUBLE)} AS log_n_out,
       {log1p:CASE WHEN t.size > 0 THEN CAST(coalesce(t.fee, 0) AS DOUBLE) / t.size ELSE CAST(0 AS DOUBLE) END}
         AS log_feerate,
       CASE WHEN c.coinjoin IS NOT NULL THEN 1 ELSE 0 END AS coinjoin,
       coalesce(c.multi_input, false) AS multi_input, c.change_n, c.change_confidence
FROM transactions_raw t LEFT JOIN cluster_txs c ON c.tx_id = t.tx_id
WHERE NOT t.repeated AND t.height <= {until}
"""

# OUTPUT edges (one per output naming an address) and INPUT edges (one per input naming one).
PAYS = """
CREATE TABLE f_pays AS
SELECT o.tx_id, o.n, a.address_id, o.value
FROM outputs_raw o JOIN f_txs t ON t.tx_id = o.tx_id JOIN cluster_addresses a ON a.address = o.address
"""
SPENDS = """
CREATE TABLE f_spends AS
SELECT i.tx_id, a.address_id, coalesce(i.value, 0) AS value
FROM inputs_raw i JOIN f_txs t ON t.tx_id = i.tx_id JOIN cluster_addresses a ON a.address = i.address
"""

# Per address, in one pass over its edges: volumes, degrees (outputs received, inputs spent), distinct
# transactions, first and last height, and the sums the mean features divide.
ACTIVITY = """
CREATE TABLE f_activity AS
WITH edges AS (
  SELECT p.address_id, p.tx_id, 1 AS paid, p.value, t.height, t.log_n_in AS payer_inputs,
         CAST(0 AS DOUBLE) AS spend_outputs, CAST(0 AS DOUBLE) AS spend_feerate, t.coinjoin,
         CASE WHEN p.value % {round_unit} = 0 THEN 1 ELSE 0 END AS round_value
  FROM f_pays p JOIN f_txs t ON t.tx_id = p.tx_id
  UNION ALL
  SELECT s.address_id, s.tx_id, 0 AS paid, s.value, t.height, CAST(0 AS DOUBLE), t.log_n_out, t.log_feerate,
         t.coinjoin, 0
  FROM f_spends s JOIN f_txs t ON t.tx_id = s.tx_id
)
SELECT address_id, CAST(sum(paid) AS BIGINT) AS n_out, CAST(sum(1 - paid) AS BIGINT) AS n_in,
       CAST(sum(paid * value) AS BIGINT) AS received, CAST(sum((1 - paid) * value) AS BIGINT) AS sent,
       count(DISTINCT tx_id) AS n_tx, min(height) AS first_height, max(height) AS last_height,
       CAST(sum(round_value) AS BIGINT) AS round_out, sum(payer_inputs) AS payer_inputs,
       sum(spend_outputs) AS spend_outputs, sum(spend_feerate) AS spend_feerate,
       CAST(sum(coinjoin) AS BIGINT) AS coinjoin_edges
FROM edges GROUP BY address_id
"""

# Cluster links confirmed by {until}, from each transaction's smallest input address id (the anchor).
LINKS = """
CREATE OR REPLACE VIEW f_links AS
WITH anchors AS (SELECT tx_id, min(address_id) AS anchor FROM f_spends GROUP BY tx_id)
SELECT DISTINCT a.anchor AS u, s.address_id AS v
FROM anchors a JOIN f_txs t ON t.tx_id = a.tx_id JOIN f_spends s ON s.tx_id = a.tx_id
WHERE t.multi_input AND s.address_id <> a.anchor
UNION
SELECT a.anchor AS u, p.address_id AS v
FROM anchors a JOIN f_txs t ON t.tx_id = a.tx_id JOIN f_pays p ON p.tx_id = t.tx_id AND p.n = t.change_n
WHERE t.change_confidence >= {min_confidence} AND p.address_id <> a.anchor
"""

# Each seen address's cluster as of {until}: its component's smallest address id (alone: its own).
MEMBERS = """
CREATE OR REPLACE VIEW f_members AS
SELECT a.address_id, coalesce(l.root, a.address_id) AS root FROM f_activity a LEFT JOIN labels l
ON l.address_id = a.address_id
"""
CLUSTERS = """
CREATE OR REPLACE VIEW f_clusters AS
SELECT m.root, count(*) AS size, CAST(sum(a.received) AS BIGINT) AS received, CAST(sum(a.sent) AS BIGINT) AS sent,
       CAST(sum(a.n_out) AS BIGINT) AS n_out, CAST(sum(a.n_in) AS BIGINT) AS n_in,
       min(a.first_height) AS first_height, max(a.last_height) AS last_height
FROM f_members m JOIN f_activity a ON a.address_id = m.address_id GROUP BY m.root
"""

# Each tagged address's most severe class code: 1 + its index in TAG_CLASSES.
TAGS = """
CREATE TABLE f_tags AS
SELECT a.address_id, min(CASE {tag_codes} END) AS code
FROM tags_raw g JOIN cluster_addresses a ON a.address = g.address
WHERE g.risk_class IN ({tag_names}) GROUP BY a.address_id
"""

# Each (transaction, address) pair's value on one side, and each transaction's totals on each side, with the
# tagged part per class. Only transactions with a tagged part are kept: no other gives a share above 0.
PAIRS = """
CREATE OR REPLACE VIEW f_{side}_pairs AS SELECT tx_id, address_id, CAST(sum(value) AS BIGINT) AS value
FROM f_{side} GROUP BY tx_id, address_id
"""
TAGGED_TOTALS = """
CREATE OR REPLACE VIEW f_{side}_tagged AS
SELECT * FROM (
  SELECT e.tx_id, CAST(sum(e.value) AS BIGINT) AS total, {tagged_sums}
  FROM f_{side} e LEFT JOIN f_tags g ON g.address_id = e.address_id GROUP BY e.tx_id
) WHERE {any_tagged}
"""

# For each tag class, each address's value received from tagged payers (pays: in proportion to the paying
# transaction's tagged inputs) or sent to tagged payees (spends), its own part of the other side left out.
EXPOSURE = """
CREATE OR REPLACE VIEW f_{side}_exposure AS
SELECT p.address_id, {exposure_sums}
FROM f_{side}_pairs p JOIN f_{other}_tagged x ON x.tx_id = p.tx_id
LEFT JOIN f_{other}_pairs own ON own.tx_id = p.tx_id AND own.address_id = p.address_id
LEFT JOIN f_tags g ON g.address_id = p.address_id
GROUP BY p.address_id
"""
SHARE = (
    "CASE WHEN x.total - coalesce(own.value, 0) > 0 THEN CAST(p.value AS DOUBLE) * "
    "greatest(CAST(x.tagged_{code} AS DOUBLE) - CASE WHEN g.code = {code} THEN coalesce(own.value, 0) ELSE 0 END, "
    "CAST(0 AS DOUBLE)) / (x.total - coalesce(own.value, 0)) ELSE CAST(0 AS DOUBLE) END"
)

FEATURES = """
CREATE OR REPLACE VIEW f_features AS
SELECT a.address_id, n.address,
  {log1p:CAST(a.n_tx AS DOUBLE)} AS log_n_tx,
  {log1p:CAST(a.received AS DOUBLE) / {sats}} AS log_received_btc,
  {log1p:CAST(a.sent AS DOUBLE) / {sats}} AS log_sent_btc,
  CASE WHEN a.received > 0 THEN CAST(a.received - a.sent AS DOUBLE) / a.received ELSE CAST(0 AS DOUBLE) END
    AS kept_share,
  {log1p:CAST(a.last_height - a.first_height AS DOUBLE)} AS log_lifetime_blocks,
  CAST(a.n_tx AS DOUBLE) / (a.last_height - a.first_height + 1) AS tx_per_block_active,
  {log1p:CAST(a.n_out AS DOUBLE)} AS log_outputs_received,
  {log1p:CAST(a.n_in AS DOUBLE)} AS log_inputs_spent,
  CASE WHEN a.n_out > 1 THEN CAST(1 AS DOUBLE) ELSE CAST(0 AS DOUBLE) END AS reused,
  CAST(a.round_out AS DOUBLE) / greatest(a.n_out, 1) AS round_received_share,
  a.payer_inputs / greatest(a.n_out, 1) AS log_mean_payer_inputs,
  a.spend_outputs / greatest(a.n_in, 1) AS log_mean_spend_outputs,
  a.spend_feerate / greatest(a.n_in, 1) AS log_mean_spend_feerate,
  CAST(a.coinjoin_edges AS DOUBLE) / greatest(a.n_in + a.n_out, 1) AS coinjoin_share,
  ln(CAST(c.size AS DOUBLE)) AS log_cluster_size,
  {log1p:CAST(c.received AS DOUBLE) / {sats}} AS log_cluster_received_btc,
  {exposure_columns},
  {script_columns}
FROM f_activity a JOIN cluster_addresses n ON n.address_id = a.address_id
JOIN f_members m ON m.address_id = a.address_id JOIN f_clusters c ON c.root = m.root
LEFT JOIN f_pays_exposure r ON r.address_id = a.address_id
LEFT JOIN f_spends_exposure s ON s.address_id = a.address_id
"""

# Address edges as of {until}, GraphSense's address relations: value from each input address to each output
# address of a transaction, split in proportion to the inputs (an address that put in 30 % of the input value
# sent 30 % of every output; the fee goes to no one). CoinJoins and transactions of more than EDGE_PAIR_LIMIT
# address pairs give none: a CoinJoin's pairs say nothing of who paid whom, and would grow as its size squared.
# An output back to one of the spenders (change) is no edge.
EDGE_PAIR_LIMIT = 2_500
EDGES = """
CREATE OR REPLACE VIEW f_edges AS
WITH spent AS (SELECT tx_id, count(*) AS spenders, sum(value) AS total FROM f_spends_pairs GROUP BY tx_id),
paid AS (SELECT tx_id, count(*) AS payees FROM f_pays_pairs GROUP BY tx_id),
eligible AS (
  SELECT s.tx_id, s.total, t.height FROM spent s JOIN paid p ON p.tx_id = s.tx_id JOIN f_txs t ON t.tx_id = s.tx_id
  WHERE t.coinjoin = 0 AND s.spenders * p.payees <= {edge_pair_limit} AND s.total > 0
)
SELECT i.address_id AS src, o.address_id AS dst, count(*) AS n_tx,
       sum(CAST(i.value AS DOUBLE) * o.value / e.total) AS value, min(e.height) AS first_height,
       max(e.height) AS last_height
FROM eligible e JOIN f_spends_pairs i ON i.tx_id = e.tx_id JOIN f_pays_pairs o ON o.tx_id = e.tx_id
WHERE i.address_id <> o.address_id
GROUP BY i.address_id, o.address_id
"""

BASE_COLUMNS = (
    "log_n_tx",
    "log_received_btc",
    "log_sent_btc",
    "kept_share",
    "log_lifetime_blocks",
    "tx_per_block_active",
    "log_outputs_received",
    "log_inputs_spent",
    "reused",
    "round_received_share",
    "log_mean_payer_inputs",
    "log_mean_spend_outputs",
    "log_mean_spend_feerate",
    "coinjoin_share",
    "log_cluster_size",
    "log_cluster_received_btc",
)
FEATURE_COLUMNS = (
    *BASE_COLUMNS,
    *(f"{name}_tag_{way}_share" for name in TAG_CLASSES for way in ("received", "sent")),
    *(f"script_{name}" for name in SCRIPT_TYPES),
)

# What is written under features/until=H/, each table in address_id (or root) order.
WRITE_QUERIES = {
    "address_features": f"SELECT address_id, address, {', '.join(FEATURE_COLUMNS)} FROM f_features "  # noqa: S608
    "ORDER BY address_id",
    "address_stats": "SELECT a.address_id, n.address, a.n_tx, a.n_out, a.n_in, a.received, a.sent, a.first_height, "
    "a.last_height, m.root AS cluster_root FROM f_activity a JOIN cluster_addresses n ON n.address_id = a.address_id "
    "JOIN f_members m ON m.address_id = a.address_id ORDER BY a.address_id",
    "address_edges": "SELECT src, dst, n_tx, value, first_height, last_height FROM f_edges ORDER BY src, dst",
    "cluster_stats": "SELECT c.root, n.address AS root_address, c.size, c.received, c.sent, c.n_out, c.n_in, "
    "c.first_height, c.last_height FROM f_clusters c JOIN cluster_addresses n ON n.address_id = c.root "
    "ORDER BY c.root",
}


def statements_before_components(*, until: int, min_confidence: float, dialect: dict) -> list[str]:
    """From the confirmed transactions to the links the components are built from (table `labels` next)."""
    return [
        _fill(text, until=until, min_confidence=min_confidence, dialect=dialect)
        for text in (TXS, PAYS, SPENDS, ACTIVITY, LINKS)
    ]


def statements_after_components(*, dialect: dict) -> list[str]:
    """From the labels to `f_features` and `f_edges`: clusters as of the block, tag exposure, the feature
    columns, the address edges."""
    tagged_sums = ", ".join(
        f"CAST(sum(CASE WHEN g.code = {code} THEN e.value ELSE 0 END) AS BIGINT) AS tagged_{code}" for code in _codes()
    )
    any_tagged = " OR ".join(f"tagged_{code} > 0" for code in _codes())
    exposure = ", ".join(f"sum({SHARE.format(code=code)}) AS exposure_{code}" for code in _codes())
    found = [MEMBERS, CLUSTERS, _tags()]
    for side in ("pays", "spends"):
        found += [
            PAIRS.format(side=side),
            TAGGED_TOTALS.format(side=side, tagged_sums=tagged_sums, any_tagged=any_tagged),
        ]
    for side, other in (("pays", "spends"), ("spends", "pays")):
        found.append(EXPOSURE.format(side=side, other=other, exposure_sums=exposure))
    found.append(_features(dialect))
    found.append(_fill(EDGES, until=0, min_confidence=0, dialect=dialect))
    return found


def _codes() -> range:
    return range(1, len(TAG_CLASSES) + 1)


def _tags() -> str:
    named = {name: index + 1 for index, name in enumerate(TAG_CLASSES)}
    named |= {alias: named[target] for alias, target in TAG_ALIASES.items()}
    codes = " ".join(f"WHEN g.risk_class = '{name}' THEN {code}" for name, code in named.items())
    return TAGS.format(tag_codes=codes, tag_names=", ".join(f"'{name}'" for name in named))


def _features(dialect: dict) -> str:
    exposure = []
    for index, name in enumerate(TAG_CLASSES):
        for way, table, total in (("received", "r", "received"), ("sent", "s", "sent")):
            exposure.append(
                f"coalesce({table}.exposure_{index + 1}, 0) / greatest(a.{total}, 1) AS {name}_tag_{way}_share"
            )
    scripts = [
        f"CASE WHEN n.script_type = '{name}' THEN CAST(1 AS DOUBLE) ELSE CAST(0 AS DOUBLE) END AS script_{name}"
        for name in SCRIPT_TYPES
    ]
    text = FEATURES.replace("{exposure_columns}", ",\n  ".join(exposure))
    return _fill(text.replace("{script_columns}", ",\n  ".join(scripts)), until=0, min_confidence=0, dialect=dialect)


def _fill(template: str, *, until: int, min_confidence: float, dialect: dict) -> str:
    """The template's `{log1p:expr}` written in the dialect, and its constants filled in."""
    text = template
    while (start := text.find("{log1p:")) >= 0:
        end = _closing(text, start)
        text = text[:start] + dialect["log1p"].format(text[start + len("{log1p:") : end]) + text[end + 1 :]
    for name, value in {
        "until": str(int(until)),
        "min_confidence": repr(float(min_confidence)),
        "round_unit": str(ROUND_UNIT),
        "sats": f"{SATS}",
        "edge_pair_limit": str(EDGE_PAIR_LIMIT),
    }.items():
        text = text.replace("{" + name + "}", value)
    return text


def _closing(text: str, start: int) -> int:
    """The brace that closes the one opening at `start` (the expression may hold braces of its own)."""
    depth = 0
    for at in range(start, len(text)):
        depth += {"{": 1, "}": -1}.get(text[at], 0)
        if depth == 0:
            return at
    raise ValueError(f"unclosed {{log1p: at {start}")
