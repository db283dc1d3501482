"""The chain store: partitioned Parquet tables of the whole chain, the system of record for batch work.

layout.py names the files and columns, plan.py places blocks at heights and in partitions, parse.py
is the parse phase of one partition (in a worker process), resolve.py joins inputs to the outputs they
spend (DuckDB, bucket by bucket) and writes the final tables, build.py runs the phases, services.py
records a run (ChainStoreRun). docs/scale.md, "The chain store", is the layout's reference.
"""
