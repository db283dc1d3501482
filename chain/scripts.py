"""Output scripts (scriptPubKey): recognising each standard type, and building them (simulator, tests).

Recognition follows Bitcoin Core's standard templates (script/solver.cpp); the
address encoding itself is bitcoinlib's (chain/addresses.py).
"""

OP_0, OP_1, OP_RETURN, OP_CHECKMULTISIG = 0x00, 0x51, 0x6A, 0xAE


def _push(data: bytes) -> bytes:
    if len(data) > 75:
        raise ValueError("pushes over 75 bytes are not needed here")
    return bytes([len(data)]) + data


def p2pkh(key_hash: bytes) -> bytes:
    return b"\x76\xa9" + _push(key_hash) + b"\x88\xac"


def p2sh(script_hash: bytes) -> bytes:
    return b"\xa9" + _push(script_hash) + b"\x87"


def p2wpkh(key_hash: bytes) -> bytes:
    return bytes([OP_0]) + _push(key_hash)


def p2wsh(script_hash: bytes) -> bytes:
    return bytes([OP_0]) + _push(script_hash)


def p2tr(output_key: bytes) -> bytes:
    return bytes([OP_1]) + _push(output_key)


def p2pk(public_key: bytes) -> bytes:
    return _push(public_key) + b"\xac"


def bare_multisig(required: int, public_keys: list[bytes]) -> bytes:
    body = b"".join(_push(key) for key in public_keys)
    return bytes([OP_1 - 1 + required]) + body + bytes([OP_1 - 1 + len(public_keys), OP_CHECKMULTISIG])


def op_return(data: bytes) -> bytes:
    return bytes([OP_RETURN]) + _push(data)


def classify(script: bytes) -> tuple[str, bytes]:
    """(script type, the key, hash or program an address encodes); ("nonstandard", b"") when none fits."""
    size = len(script)
    if size == 25 and script[:3] == b"\x76\xa9\x14" and script[23:] == b"\x88\xac":
        return "p2pkh", script[3:23]
    if size == 23 and script[:2] == b"\xa9\x14" and script[22] == 0x87:
        return "p2sh", script[2:22]
    if size == 22 and script[:2] == b"\x00\x14":
        return "p2wpkh", script[2:]
    if size == 34 and script[:2] == b"\x00\x20":
        return "p2wsh", script[2:]
    if size == 34 and script[:2] == b"\x51\x20":
        return "p2tr", script[2:]
    if size in (35, 67) and script[0] == size - 2 and script[-1] == 0xAC:
        return "p2pk", script[1:-1]
    if size and script[0] == OP_RETURN:
        return "op_return", b""
    if size >= 37 and script[-1] == OP_CHECKMULTISIG and OP_1 <= script[0] <= OP_1 + 15:
        return "multisig", b""
    return "nonstandard", b""
