"""Bitcoin data in: sources (blk*.dat, raw hex, Core RPC), parsing, input resolution, clustering, the simulator."""
