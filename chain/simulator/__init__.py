"""A labelled synthetic Bitcoin economy written as ordinary blk files (docs/simulator.md).

keys → wallets → world (blocks, transactions, ground truth) → economy (licit
behaviour) and typologies (illicit flows); run.py ties them to the files.
"""
