"""The clustering phase's SQL: chain/clustering.py's rules and connected components, as set operations.

Written in plain SQL (CTEs, GROUP BY, window functions, CASE) so that issue 22 can run the same
definition on Spark SQL. What differs between engines is in the dialect table (`DUCKDB`, `SPARK`): the address
key's hash, the argument of a minimum, the hex of a binary column and the join of a string list. How a table is
made, dropped or renamed is each engine's own (chain/store/spark.py writes each table to Parquet).
The store's Parquet tables are views `<table>_raw`; MATERIALIZED reads the columns the steps need once into
tables `transactions`, `outputs`, `inputs` (integer keys), which every later statement reads with the tables
the earlier statements made.
"""

from chain.clustering import (
    CHANGE_CONFIDENCE,
    MULTI_INPUT_CONFIDENCE,
    ROUND_UNIT,
    WASABI1_DENOMINATION,
    WHIRLPOOL_POOLS,
)

DUCKDB = {
    "arg_min": "arg_min",  # Spark: min_by
    "key": "hash({})",  # an address's 64-bit key (Spark: xxhash64({})); collisions are found (ADDRESS_COLLISIONS)
    "hex": "lower(hex({}))",  # Spark: lower(hex({})) too
    "join": "array_to_string({}, '+')",  # Spark: array_join({}, '+')
}

SPARK = {
    "arg_min": "min_by",
    "key": "xxhash64({})",  # other keys than DuckDB's: address ids can differ where two addresses tie on first_tx_id
    "hex": "lower(hex({}))",
    "join": "array_join({}, '+')",
}
DIALECTS = {"duckdb": DUCKDB, "spark": SPARK}

CHANGE_ORDER = ("address_reuse", "fresh_change", "script_type", "round_payment")  # chain/clustering.py's vote order


def change_masks() -> list[tuple[int, list[str], float]]:
    """Each set of agreeing change heuristics (a bit mask in CHANGE_ORDER) and its combined confidence, computed
    as chain/clustering.py computes it (the same products in the same order, rounded the same way)."""
    masks = []
    for mask in range(1, 16):
        names = [name for bit, name in enumerate(CHANGE_ORDER) if mask & (1 << bit)]
        miss = 1.0
        for name in names:
            miss *= 1 - CHANGE_CONFIDENCE[name]
        masks.append((mask, names, round(1 - miss, 4)))
    return masks


# Address keys. The store's `outputs_raw` and `inputs_raw` are read through `outputs_keyed` and `inputs_keyed`,
# which add `akey`: the address's 64-bit hash (null without an address). Only ADDRESS_NAMES reads the address
# strings; every later step groups and joins on akey or the dense address_id. `{table}`: the raw relation.
HASHED_KEYS = "SELECT *, CASE WHEN address IS NOT NULL THEN {key} END AS akey FROM {table}"

# Each key's address: the least and greatest address with that key, over every output and the inputs whose
# address is not an output's (those resolved in the store carry their spent output's). `address` and
# `address_hi` differ only where two addresses share a hash; clusters.py checks (ADDRESS_COLLISIONS) before
# any step relies on the keys, and on a collision uses exact keys instead (EXACT_KEYS: the slow path).
ADDRESS_NAMES = """
CREATE TABLE address_names AS
SELECT akey, min(address) AS address, max(address) AS address_hi FROM (
  SELECT akey, address FROM outputs_keyed WHERE akey IS NOT NULL
  UNION ALL
  SELECT akey, address FROM inputs_keyed WHERE akey IS NOT NULL AND prev_tx_id IS NULL
) GROUP BY akey
"""
ADDRESS_COLLISIONS = "SELECT address, address_hi FROM address_names WHERE address <> address_hi LIMIT 1"
EXACT_KEYS = """
CREATE TABLE exact_keys AS
SELECT address, row_number() OVER (ORDER BY address) AS akey FROM (
  SELECT address FROM outputs_raw WHERE address IS NOT NULL
  UNION SELECT address FROM inputs_raw WHERE address IS NOT NULL
)
"""
EXACT_VIEW = "SELECT r.*, k.akey FROM {table} r LEFT JOIN exact_keys k ON k.address = r.address"

# The columns the steps read, once, into tables of integers (and script types): no step reads Parquet again.
MATERIALIZED = {
    "transactions": "SELECT tx_id, height, time, coinbase, repeated, n_inputs, n_outputs FROM transactions_raw",
    "outputs": "SELECT tx_id, n, value, script_type, akey FROM outputs_keyed",
    "inputs": "SELECT tx_id, index, value, script_type, resolved, derived_type IS NOT NULL AS derived, akey "
    "FROM inputs_keyed",
}

# Per address key, in one pass over outputs and inputs: where it first appears, and the graph's Address figures.
# seen_before(a) at transaction t (block-by-block ingest): a was paid by a transaction before t, or spent from
# in a block before t's (the graph learns input addresses per block). Its script type is the one where it first
# appears (inputs before outputs within a transaction, as chain/loading.py counts them).
# `activity` is a table of its own, not a CTE: DuckDB does not spill a GROUP BY fed straight by two hash joins
# (out of memory at 100 bytes a transaction at 1M tx, docs/scale.md), and groups a table within any limit.
ACTIVITY = """
CREATE TABLE activity AS
SELECT o.akey, o.tx_id, 1 AS side, o.n AS pos, o.script_type, o.value AS received, 0 AS sent, t.time, t.height
FROM outputs o JOIN transactions t ON t.tx_id = o.tx_id WHERE o.akey IS NOT NULL AND NOT t.repeated
UNION ALL
SELECT i.akey, i.tx_id, 0 AS side, i.index AS pos, i.script_type, 0 AS received, coalesce(i.value, 0) AS sent,
       t.time, t.height
FROM inputs i JOIN transactions t ON t.tx_id = i.tx_id WHERE i.akey IS NOT NULL AND NOT t.repeated
"""
ADDRESS_FIRSTS = """
CREATE TABLE address_firsts AS
SELECT akey, min(CASE WHEN side = 1 THEN tx_id END) AS first_out_tx,
       min(CASE WHEN side = 0 THEN height END) AS first_in_height, min(tx_id) AS first_tx_id,
       min(tx_id * 4194304 + side * 2097152 + pos) AS first_position,
       {arg_min}(script_type, tx_id * 4194304 + side * 2097152 + pos) AS script_type,
       sum(received) AS received, sum(sent) AS sent, min(time) AS first_seen, max(time) AS last_seen,
       max(height) AS last_height
FROM activity GROUP BY akey
"""

# Dense integer ids in the order addresses first appear on the chain: by the first position (transaction, inputs
# before outputs, index) where each is named, which no two addresses share, so every engine numbers them alike
# (a tie broken by the hash key would differ between DuckDB's and Spark's hashes). The address strings stay in
# address_names, joined on the key where a step names an address (NAMES, the written table).
ADDRESSES = """
CREATE TABLE addresses AS
SELECT (row_number() OVER (ORDER BY first_position) - 1) AS address_id, * FROM address_firsts
"""

# The inputs chain/loading.py's `_named` gives the heuristics: resolved, or naming their own address and type.
NAMED_INPUTS = """
CREATE TABLE named_inputs AS
SELECT i.tx_id, i.index, i.script_type, a.address_id
FROM inputs i JOIN transactions t ON t.tx_id = i.tx_id
LEFT JOIN addresses a ON a.akey = i.akey
WHERE NOT t.coinbase AND NOT t.repeated AND (i.resolved OR i.derived)
"""

# `owners` and `types` count distinct input addresses and script types up to 2 ("two or more"): the rules ask
# only whether there are none, one or more, which min and max tell without DISTINCT's per-group sets.
INPUT_FACTS = """
CREATE TABLE input_facts AS
SELECT tx_id, count(*) AS named,
       CASE WHEN min(address_id) IS NULL THEN 0 WHEN min(address_id) = max(address_id) THEN 1 ELSE 2 END AS owners,
       CASE WHEN min(script_type) IS NULL THEN 0 WHEN min(script_type) = max(script_type) THEN 1 ELSE 2 END AS types,
       min(script_type) AS input_type, min(address_id) AS anchor
FROM named_inputs GROUP BY tx_id
"""

# chain/clustering.py coinjoin_kind: the most common value among addressed outputs (ties: the first output's).
COINJOINS = """
CREATE TABLE coinjoins AS
WITH wide AS (
  SELECT tx_id, n_inputs, n_outputs FROM transactions WHERE NOT coinbase AND NOT repeated AND n_outputs >= 3
), vals AS (
  SELECT o.tx_id, o.value, count(*) AS cnt, min(o.n) AS first_n, count(DISTINCT o.akey) AS addrs
  FROM outputs o JOIN wide w ON w.tx_id = o.tx_id WHERE o.akey IS NOT NULL GROUP BY o.tx_id, o.value
), ranked AS (
  SELECT tx_id, value, cnt, addrs, row_number() OVER (PARTITION BY tx_id ORDER BY cnt DESC, first_n) AS r,
         sum(cnt) OVER (PARTITION BY tx_id) AS n_values,
         sum(CASE WHEN cnt > 1 THEN cnt ELSE 0 END) OVER (PARTITION BY tx_id) AS repeated
  FROM vals
), facts AS (
  SELECT r.*, w.n_inputs, w.n_outputs, coalesce(f.owners, 0) AS owners
  FROM ranked r JOIN wide w ON w.tx_id = r.tx_id LEFT JOIN input_facts f ON f.tx_id = r.tx_id WHERE r.r = 1
)
SELECT tx_id, CASE
  WHEN n_inputs BETWEEN 5 AND 8 AND n_outputs = n_inputs AND cnt = n_inputs AND value IN ({pools}) THEN 'whirlpool'
  WHEN cnt >= 10 AND value BETWEEN {wasabi_low} AND {wasabi_high} AND n_inputs >= cnt THEN 'wasabi'
  WHEN n_inputs >= 50 AND n_values >= 50 AND CAST(repeated AS DOUBLE) / n_values >= 0.3 THEN 'wasabi2'
  WHEN cnt >= 3 AND addrs = cnt AND n_inputs >= cnt AND n_outputs <= 2 * cnt + 1 AND owners <> 1 THEN 'joinmarket'
  END AS coinjoin
FROM facts
"""

# chain/clustering.py guess_change: two addressed outputs to different addresses, every input named. Each
# heuristic votes for output 0 or 1 (bits in CHANGE_ORDER) when it holds for exactly one of them (round_payment
# for the other one); votes for both outputs cancel.
# Four statements, each either joins or groups, never both: see ACTIVITY (the joins write a table, the GROUP BY
# reads it).
CHANGE_OUTS = """
CREATE TABLE change_outs AS
WITH two AS (
  SELECT t.tx_id, t.height, f.input_type, f.types
  FROM transactions t JOIN input_facts f ON f.tx_id = t.tx_id AND f.named = t.n_inputs
  WHERE t.n_outputs = 2 AND NOT t.coinbase AND NOT t.repeated
)
SELECT w.tx_id, o.n, a.address_id,
  CASE WHEN a.first_out_tx < w.tx_id OR coalesce(a.first_in_height < w.height, false) THEN 0 ELSE 1 END AS fresh,
  CASE WHEN w.types = 1 AND o.script_type = w.input_type THEN 1 ELSE 0 END AS typed,
  CASE WHEN o.value % {round_unit} = 0 THEN 1 ELSE 0 END AS round_value
FROM two w JOIN outputs o ON o.tx_id = w.tx_id JOIN addresses a ON a.akey = o.akey
"""
CHANGE_PAIRS = """
CREATE TABLE change_pairs AS
SELECT tx_id,
  max(CASE WHEN n = 0 THEN address_id END) AS id0, max(CASE WHEN n = 1 THEN address_id END) AS id1,
  max(CASE WHEN n = 0 THEN fresh END) AS fresh0, max(CASE WHEN n = 1 THEN fresh END) AS fresh1,
  max(CASE WHEN n = 0 THEN typed END) AS t0, max(CASE WHEN n = 1 THEN typed END) AS t1,
  max(CASE WHEN n = 0 THEN round_value END) AS round0, max(CASE WHEN n = 1 THEN round_value END) AS round1
FROM change_outs GROUP BY tx_id HAVING count(*) = 2
"""
# address_reuse: an output paying back to one of the transaction's own input addresses.
CHANGE_REUSE = """
CREATE TABLE change_reuse AS
SELECT p.tx_id, CASE WHEN i.address_id = p.id0 THEN 1 ELSE 0 END AS reuse0,
       CASE WHEN i.address_id = p.id1 THEN 1 ELSE 0 END AS reuse1
FROM change_pairs p JOIN named_inputs i ON i.tx_id = p.tx_id WHERE p.id0 <> p.id1
"""
CHANGE = """
CREATE TABLE change AS
WITH flags AS (
  SELECT p.*, r.r0, r.r1
  FROM change_pairs p JOIN (
    SELECT tx_id, max(reuse0) AS r0, max(reuse1) AS r1 FROM change_reuse GROUP BY tx_id
  ) r ON r.tx_id = p.tx_id
), votes AS (
  SELECT tx_id, id0, id1,
    (CASE WHEN r0 > r1 THEN 1 ELSE 0 END) + (CASE WHEN fresh0 > fresh1 THEN 2 ELSE 0 END)
      + (CASE WHEN t0 > t1 THEN 4 ELSE 0 END) + (CASE WHEN round1 > round0 THEN 8 ELSE 0 END) AS votes0,
    (CASE WHEN r1 > r0 THEN 1 ELSE 0 END) + (CASE WHEN fresh1 > fresh0 THEN 2 ELSE 0 END)
      + (CASE WHEN t1 > t0 THEN 4 ELSE 0 END) + (CASE WHEN round0 > round1 THEN 8 ELSE 0 END) AS votes1
  FROM flags
)
SELECT tx_id, CASE WHEN votes0 > 0 THEN 0 ELSE 1 END AS change_n,
       CASE WHEN votes0 > 0 THEN id0 ELSE id1 END AS change_address_id,
       CASE WHEN votes0 > 0 THEN votes0 ELSE votes1 END AS mask
FROM votes WHERE (votes0 > 0) <> (votes1 > 0)
"""

CHANGE_STEPS = (CHANGE_OUTS, CHANGE_PAIRS, CHANGE_REUSE, CHANGE)
CHANGE_TABLES = ("change_outs", "change_pairs", "change_reuse", "change")

# Each transaction's facts, then its verdicts (CoinJoin kind, change guess) grouped into one row, then one join:
# DuckDB ran out of memory building four hash tables for one pipeline (a join's build side spills on its own).
TX_FACTS = """
CREATE TABLE tx_facts AS
SELECT t.tx_id, t.height, coalesce(f.owners, 0) AS owners, f.anchor
FROM transactions t LEFT JOIN input_facts f ON f.tx_id = t.tx_id
WHERE NOT t.coinbase AND NOT t.repeated
"""
TX_VERDICTS = """
CREATE TABLE tx_verdicts AS
SELECT tx_id, max(coinjoin) AS coinjoin, max(change_n) AS change_n, max(change_address_id) AS change_address_id,
       max(mask) AS mask
FROM (
  SELECT tx_id, coinjoin, NULL AS change_n, NULL AS change_address_id, NULL AS mask FROM coinjoins
  UNION ALL
  SELECT tx_id, NULL AS coinjoin, change_n, change_address_id, mask FROM change
) GROUP BY tx_id
"""
TX_CLUSTERING = """
CREATE TABLE tx_clustering AS
SELECT t.tx_id, t.height, v.coinjoin, (v.coinjoin IS NULL AND t.owners > 1) AS multi_input,
       v.change_n, m.heuristics AS change_heuristics, m.confidence AS change_confidence, v.change_address_id,
       t.anchor
FROM tx_facts t LEFT JOIN tx_verdicts v ON v.tx_id = t.tx_id LEFT JOIN change_masks m ON m.mask = v.mask
"""

TX_STEPS = (TX_FACTS, TX_VERDICTS, TX_CLUSTERING)
TX_TABLES = ("tx_facts", "tx_verdicts")  # dropped once tx_clustering is made

# chain/clusters.py groups_of: multi_input links every input address; a change guess at or above the threshold
# links the change address to the inputs. Edges go from the transaction's smallest input address id.
LINKS = """
CREATE TABLE links AS
SELECT DISTINCT x.anchor AS u, i.address_id AS v
FROM tx_clustering x JOIN named_inputs i ON i.tx_id = x.tx_id
WHERE x.multi_input AND i.address_id IS NOT NULL AND i.address_id <> x.anchor
UNION
SELECT x.anchor AS u, x.change_address_id AS v
FROM tx_clustering x
WHERE x.change_confidence >= {min_confidence} AND x.anchor IS NOT NULL AND x.change_address_id <> x.anchor
"""

# Connected components, alternating large-star and small-star (Kiveris et al., "Connected Components in
# MapReduce and Beyond", SoCC 2014) over `edges` (u, v). When every edge points from a node to its
# component's smallest node, which has no edge of its own, the graph is a set of stars and the work is done.
LARGE_STAR = """
CREATE TABLE edges_next AS
WITH both_ways AS (SELECT u AS a, v AS b FROM edges UNION ALL SELECT v AS a, u AS b FROM edges),
smallest AS (SELECT a, min(b) AS m FROM both_ways GROUP BY a)
SELECT DISTINCT w.b AS u, CASE WHEN s.m < w.a THEN s.m ELSE w.a END AS v
FROM both_ways w JOIN smallest s ON s.a = w.a WHERE w.b > w.a
"""

SMALL_STAR = """
CREATE TABLE edges_next AS
WITH down AS (
  SELECT CASE WHEN u > v THEN u ELSE v END AS a, CASE WHEN u > v THEN v ELSE u END AS b FROM edges WHERE u <> v
), smallest AS (SELECT a, min(b) AS m FROM down GROUP BY a)
SELECT d.b AS u, s.m AS v FROM down d JOIN smallest s ON s.a = d.a WHERE d.b <> s.m
UNION
SELECT a AS u, m AS v FROM smallest
"""

NOT_STARS = """
SELECT (SELECT count(*) FROM edges e JOIN edges f ON f.u = e.v)
     + (SELECT count(*) FROM edges WHERE u <= v)
     + (SELECT count(*) - count(DISTINCT u) FROM edges)
"""

# Each address of a component, labelled with the component's smallest address id.
LABELS_FROM_STARS = """
CREATE TABLE labels AS
SELECT u AS address_id, v AS root FROM edges UNION SELECT DISTINCT v AS address_id, v AS root FROM edges
"""

# The cluster's name, as chain/clusters.py names a new cluster: in the block of its first link, the address
# whose first linking transaction has the smallest txid (then the smallest address). Equal to the incremental
# name when the cluster grew without merging two clusters (a merge keeps the larger cluster's name).
TOUCHED = """
CREATE TABLE touched AS
WITH linking AS (
  SELECT tx_id, height, multi_input, change_address_id,
         (change_confidence >= {min_confidence} AND anchor IS NOT NULL) AS change_links
  FROM tx_clustering WHERE multi_input OR (change_confidence >= {min_confidence} AND anchor IS NOT NULL)
), pairs AS (
  SELECT l.tx_id, l.height, i.address_id FROM linking l JOIN named_inputs i ON i.tx_id = l.tx_id
  WHERE i.address_id IS NOT NULL
  UNION
  SELECT tx_id, height, change_address_id AS address_id FROM linking WHERE change_links
)
SELECT address_id, height, min(tx_id) AS first_tx FROM pairs GROUP BY address_id, height
"""

NAMES = """
CREATE TABLE cluster_names AS
WITH founding AS (
  SELECT l.root, min(t.height) AS height FROM labels l JOIN touched t ON t.address_id = l.address_id GROUP BY l.root
), candidates AS (
  SELECT l.root, s.address, x.txid AS cause  -- binary: the order of its hex
  FROM labels l JOIN touched t ON t.address_id = l.address_id JOIN founding f ON f.root = l.root AND f.height = t.height
  JOIN addresses a ON a.address_id = l.address_id JOIN address_names s ON s.akey = a.akey
  JOIN transactions_raw x ON x.tx_id = t.first_tx
), ranked AS (
  SELECT root, address, row_number() OVER (PARTITION BY root ORDER BY cause, address) AS r FROM candidates
)
SELECT r.root, 'cl_' || r.address AS cluster_id, f.height AS first_height
FROM ranked r JOIN founding f ON f.root = r.root WHERE r.r = 1
"""

CLUSTERS = """
CREATE TABLE clusters AS
SELECT n.cluster_id, count(*) AS size, sum(a.received) AS received, sum(a.sent) AS sent,
       min(a.first_seen) AS first_seen, max(a.last_seen) AS last_seen, min(n.first_height) AS first_height,
       max(a.last_height) AS last_height
FROM labels l JOIN cluster_names n ON n.root = l.root JOIN addresses a ON a.address_id = l.address_id
GROUP BY n.cluster_id
"""

# Why each address is in its cluster, as the IN_CLUSTER edge records it (chain/clusters.py `cause`): the
# address joins in the first block where a link ties it to another address (a change guess paying back to
# the transaction's only input address ties nothing); the reason is the first link of that block that names
# it, in chain order (a transaction's multi_input before its change), self-ties included, as a block-by-block
# ingest sees them. Merges move an edge with its reason, so later links never change it.
JOINS = """
CREATE TABLE joins AS
WITH change_links AS (
  SELECT tx_id, height, {change_heuristic} AS heuristic, change_confidence AS confidence, anchor, change_address_id,
         (multi_input OR change_address_id <> anchor) AS ties
  FROM tx_clustering WHERE change_confidence >= {min_confidence} AND anchor IS NOT NULL
), named AS (
  SELECT x.tx_id, x.height, 0 AS kind, 'multi_input' AS heuristic,
         CAST({multi_input_confidence} AS DOUBLE) AS confidence, i.address_id, true AS ties
  FROM tx_clustering x JOIN named_inputs i ON i.tx_id = x.tx_id WHERE x.multi_input AND i.address_id IS NOT NULL
  UNION ALL
  SELECT tx_id, height, 1, heuristic, confidence, anchor, ties FROM change_links
  UNION ALL
  SELECT tx_id, height, 1, heuristic, confidence, change_address_id, ties FROM change_links
), joined AS (
  SELECT address_id, min(height) AS height FROM named WHERE ties GROUP BY address_id
), ranked AS (
  SELECT n.address_id, n.tx_id, n.heuristic, n.confidence,
         row_number() OVER (PARTITION BY n.address_id ORDER BY n.tx_id, n.kind) AS r
  FROM named n JOIN joined j ON j.address_id = n.address_id AND j.height = n.height
)
SELECT address_id, tx_id, heuristic, confidence FROM ranked WHERE r = 1
"""

ADDRESS_CLUSTERS = """
CREATE TABLE address_clusters AS
SELECT l.address_id, n.cluster_id, {txid_hex} AS txid, j.heuristic, j.confidence
FROM labels l JOIN cluster_names n ON n.root = l.root
LEFT JOIN joins j ON j.address_id = l.address_id LEFT JOIN transactions_raw x ON x.tx_id = j.tx_id
"""


def keyed_view(table: str, *, exact: bool, dialect: dict = DUCKDB) -> str:
    """The view `<table>_keyed` over `<table>_raw` (the store's table as it is) with each row's address key."""
    select = EXACT_VIEW if exact else HASHED_KEYS
    keyed = select.format(key=dialect["key"].format("address"), table=f"{table}_raw")
    return f"CREATE OR REPLACE VIEW {table}_keyed AS {keyed}"


def statement(template: str, *, min_confidence: float = 0.6, dialect: dict = DUCKDB) -> str:
    """`template` with the dialect's names and the rules' constants filled in."""
    return template.format(
        arg_min=dialect["arg_min"],
        txid_hex=dialect["hex"].format("x.txid"),
        change_heuristic=dialect["join"].format("change_heuristics"),
        multi_input_confidence=repr(float(MULTI_INPUT_CONFIDENCE)),
        pools=", ".join(str(pool) for pool in sorted(WHIRLPOOL_POOLS)),
        wasabi_low=WASABI1_DENOMINATION[0],
        wasabi_high=WASABI1_DENOMINATION[1],
        round_unit=ROUND_UNIT,
        min_confidence=repr(float(min_confidence)),
    )
