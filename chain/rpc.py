"""A small Bitcoin Core JSON-RPC client: what ingestion needs, with errors that name the node and height."""

import base64
import json
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import unquote, urlsplit, urlunsplit

from chain.errors import ChainDataError

# getblockchaininfo's "chain" → our network names
CORE_CHAINS = {"main": "bitcoin", "test": "testnet", "testnet4": "testnet4", "signet": "signet", "regtest": "regtest"}
RPC_INVALID_PARAMETER = -8
RPC_INVALID_ADDRESS_OR_KEY = -5  # Core's "No such mempool or blockchain transaction"


class NodeUnreachable(ChainDataError):
    """The node did not answer (down, wrong port, restarting); worth retrying later."""


class NodeError(ChainDataError):
    """The node answered with an error."""

    def __init__(self, where: str, message: str, code: int | None = None) -> None:
        super().__init__(where, message)
        self.code = code


class CoreRPC:
    def __init__(self, url: str, *, cookie_file: str | None = None, timeout: float = 60.0) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ChainDataError(url, "the node URL must be http(s)://[user:password@]host:port")
        self.where = urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))
        self._url = self.where
        self._auth = self._credentials(parts, cookie_file)
        self.timeout = timeout

    def _credentials(self, parts, cookie_file: str | None) -> str | None:
        if cookie_file:
            try:
                secret = Path(cookie_file).read_text().strip()  # "__cookie__:<password>"
            except OSError as exc:
                raise ChainDataError(cookie_file, f"cannot read the node's cookie file: {exc.strerror}") from None
        elif parts.username:
            secret = f"{unquote(parts.username)}:{unquote(parts.password or '')}"
        else:
            return None
        return "Basic " + base64.b64encode(secret.encode()).decode()

    def call(self, method: str, *params, where: str | None = None):
        place = where or self.where
        body = json.dumps({"jsonrpc": "1.0", "id": "chainsleuth", "method": method, "params": list(params)}).encode()
        request = urllib.request.Request(self._url, data=body, headers={"Content-Type": "application/json"})  # noqa: S310
        if self._auth:
            request.add_header("Authorization", self._auth)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310 - operator's node URL
                answer = json.load(response)
        except urllib.error.HTTPError as exc:
            answer = _error_body(exc, place)
        except (urllib.error.URLError, OSError) as exc:
            raise NodeUnreachable(place, f"the node does not answer ({getattr(exc, 'reason', exc)})") from None
        if answer.get("error"):
            raise NodeError(place, f"{method}: {answer['error'].get('message')}", answer["error"].get("code"))
        return answer["result"]

    def network_name(self) -> str:
        chain = self.call("getblockchaininfo")["chain"]
        return CORE_CHAINS.get(chain, chain)

    def tip_height(self) -> int:
        return int(self.call("getblockcount"))

    def block_hash(self, height: int) -> str:
        return self.call("getblockhash", height, where=f"{self.where} height {height}")

    def block(self, block_hash: str, height: int) -> dict | str:
        """getblock with verbosity 3 (inputs carry their prevouts) where the node has it, raw hex otherwise.

        By hash, not height: a reorganisation between listing and fetching cannot swap the block.
        """
        where = f"{self.where} height {height}"
        try:
            return self.call("getblock", block_hash, 3, where=where)
        except NodeError as error:
            if error.code != RPC_INVALID_PARAMETER:
                raise
        return self.call("getblock", block_hash, 0, where=where)

    def mempool_txids(self) -> list[str]:
        return self.call("getrawmempool", False, where=f"{self.where} mempool")

    def raw_transaction(self, txid: str) -> bytes | None:
        """The transaction's bytes; None when it has left the mempool (mined or evicted) since it was listed."""
        try:
            return bytes.fromhex(self.call("getrawtransaction", txid, False, where=f"{self.where} mempool {txid}"))
        except NodeError as error:
            if error.code != RPC_INVALID_ADDRESS_OR_KEY:
                raise
        return None


def _error_body(exc: urllib.error.HTTPError, where: str) -> dict:
    """Core answers RPC errors with HTTP 500 and a JSON body; 401 means bad credentials."""
    if exc.code == 401:
        raise NodeError(where, "the node refused our credentials (check the URL's user:password or --cookie)")
    try:
        return json.loads(exc.read())
    except ValueError:
        raise NodeError(where, f"HTTP {exc.code} from the node") from None
