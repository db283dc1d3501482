"""What ingestion tells the rest of the application, without knowing who listens (screening scans new
activity for anomalies)."""

from django.dispatch import Signal

# Sent after each write with `blocks` (hashes of the blocks written whole), `txids` (loose, unconfirmed
# transactions written), `activity` (for blocks: columns address, received, sent, n_tx and time, one entry
# per block and address; None for loose transactions), `absorbed` ((kind, ref, cluster) for each cluster
# merged into another and each address that joined a cluster: their histories now count as the cluster's),
# `newest_time` (the newest block time, unix seconds;
# None for loose transactions) and `written_at` (time.time() when the write returned).
chain_written = Signal()

# Sent after a block is rolled back (a reorganisation orphaned it) with `block` (its hash): what was
# counted for it elsewhere (screening's anomaly statistics) is taken back.
chain_rolled_back = Signal()
