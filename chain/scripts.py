"""Output scripts (scriptPubKey) of every standard type, for building blocks (simulator, tests)."""

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
