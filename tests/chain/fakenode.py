"""A stand-in for Bitcoin Core's JSON-RPC interface, serving blocks made by ChainMaker over real HTTP.

It answers the calls ingestion makes (getblockchaininfo, getblockcount, getblockhash,
getblockheader, getblock with verbosity 0 and 3, getrawmempool, getrawtransaction), checks basic auth, can switch to
another chain (a reorganisation) and can go down and come back (a restart).
"""

import base64
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from chain.blocks import parse_block
from chain.networks import NETWORKS
from chain.serialization import block_hash_of

REGTEST = NETWORKS["regtest"]


class FakeNode:
    def __init__(self, blocks: list[bytes], *, user: str = "rpc", password: str = "secret", verbosity3: bool = True):
        self.blocks = list(blocks)
        self.auth = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
        self.verbosity3 = verbosity3
        self.calls: list[str] = []
        self.mempool: dict[str, bytes] = {}  # txid → raw transaction
        self._server: ThreadingHTTPServer | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://rpc:secret@127.0.0.1:{self.port}"

    def start(self) -> "FakeNode":
        node = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                if self.headers.get("Authorization") != node.auth:
                    self.send_response(401)
                    self.end_headers()
                    return
                request = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                node.calls.append(request["method"])
                status, answer = node.answer(request["method"], request["params"])
                body = json.dumps(
                    {
                        "result": answer if status == 200 else None,
                        "error": None if status == 200 else answer,
                        "id": request["id"],
                    }
                ).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    # --- the RPC methods: the chain is genesis (height 0, not served as a block) + self.blocks ---

    def answer(self, method: str, params: list):
        hashes = [REGTEST.genesis_hash] + [block_hash_of(raw) for raw in self.blocks]
        if method == "getblockchaininfo":
            return 200, {"chain": "regtest", "blocks": len(self.blocks)}
        if method == "getrawmempool":
            return 200, list(self.mempool)
        if method == "getrawtransaction":
            raw = self.mempool.get(params[0])
            no_such = {"code": -5, "message": "No such mempool or blockchain transaction"}
            return (200, raw.hex()) if raw is not None else (500, no_such)
        if method == "getblockcount":
            return 200, len(self.blocks)
        if method == "getblockhash":
            return (
                (200, hashes[params[0]]) if params[0] < len(hashes) else (500, {"code": -8, "message": "out of range"})
            )
        if method in ("getblockheader", "getblock") and params[0] in hashes[1:]:
            height = hashes.index(params[0])
            raw = self.blocks[height - 1]
            if method == "getblockheader":
                return 200, {"hash": params[0], "height": height, "previousblockhash": hashes[height - 1]}
            verbosity = params[1] if len(params) > 1 else 1
            if verbosity == 0:
                return 200, raw.hex()
            if verbosity == 3 and self.verbosity3:
                return 200, self._verbose(raw, height, hashes[height - 1])
            return 500, {"code": -8, "message": "Verbosity value out of range"}
        return 500, {"code": -32601, "message": f"Method not found: {method}"}

    def _verbose(self, raw: bytes, height: int, prev: str) -> dict:
        from chain.serialization import split_block

        block = parse_block(raw, where="fake", network=REGTEST)
        spent = self._outputs()
        txs = []
        for tx, raw_tx in zip(block.txs, split_block(raw, where="fake"), strict=True):
            vin = [
                {"txid": i.prev_txid, "vout": i.prev_n, "prevout": spent[(i.prev_txid, i.prev_n)]} for i in tx.inputs
            ]
            txs.append({"txid": tx.txid, "hex": raw_tx.data.hex(), "vin": vin})
        return {
            "hash": block.hash,
            "height": height,
            "previousblockhash": prev,
            "version": block.version,
            "time": block.time,
            "merkleroot": raw[36:68][::-1].hex(),
            "tx": txs,
        }

    def _outputs(self) -> dict:
        """Spent outputs as Core's verbosity 3 shows them: script hex and type, and no address for P2PK."""
        from chain.serialization import split_block

        core = {"p2pkh": "pubkeyhash", "p2wpkh": "witness_v0_keyhash", "p2sh": "scripthash", "p2pk": "pubkey"}
        outputs = {}
        for raw in self.blocks:
            parsed = parse_block(raw, where="fake", network=REGTEST)
            for tx, raw_tx in zip(parsed.txs, split_block(raw, where="fake"), strict=True):
                for out, (_, script) in zip(tx.outputs, raw_tx.outputs, strict=True):
                    script_pubkey = {"hex": script.hex(), "type": core.get(out.script_type, "nonstandard")}
                    if out.address and out.script_type != "p2pk":
                        script_pubkey["address"] = out.address
                    outputs[(tx.txid, out.n)] = {"value": out.value / 1e8, "scriptPubKey": script_pubkey}
        return outputs
