"""Output scripts (scriptPubKey): recognising each standard type, and building them (simulator, tests);
and, from an input's own scriptSig and witness, the output script it must have spent.

Recognition follows Bitcoin Core's standard templates (script/solver.cpp); the
address encoding itself is bitcoinlib's (chain/addresses.py).

An input names its spender without the spent output for most types: consensus makes the
spent script commit to what the input reveals (the public key of P2PKH and P2WPKH, the
redeem script of P2SH, the witness script of P2WSH), so the spent script follows by
hashing. `spent_script` answers only for shapes that cannot be something else: a taproot
key-path spend reveals no key (its output key is tweaked), a P2PK or bare-multisig spend
only signatures, and a script it cannot tell from those stays unknown.
"""

import hashlib

from bitcoinlib.encoding import hash160

OP_0, OP_1, OP_RETURN, OP_CHECKMULTISIG = 0x00, 0x51, 0x6A, 0xAE
OP_PUSHDATA1, OP_PUSHDATA2, OP_PUSHDATA4, OP_1NEGATE, OP_16 = 0x4C, 0x4D, 0x4E, 0x4F, 0x60
SIGNATURE_CHECKS = frozenset({0xAC, 0xAD, 0xAE, 0xAF})  # CHECKSIG, CHECKSIGVERIFY, CHECKMULTISIG(VERIFY)
TAPROOT_ANNEX = 0x50


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


def spent_script(script_sig: bytes, witness: tuple[bytes, ...]) -> bytes | None:
    """The scriptPubKey this input spends, derived from the input itself; None when it cannot be known."""
    pushed = pushes(script_sig)
    if pushed is None:
        return None
    if len(pushed) == 1 and witness and _is_witness_program(pushed[0]):
        return p2sh(hash160(pushed[0]))  # P2SH-P2WPKH or P2SH-P2WSH: the redeem script is the program
    if not pushed and witness:
        return _native_witness_script(witness)
    if pushed and not witness:
        return _legacy_script(pushed)
    return None


def _native_witness_script(witness: tuple[bytes, ...]) -> bytes | None:
    if len(witness) == 2 and _is_signature(witness[0]) and _is_compressed_key(witness[1]):
        return p2wpkh(hash160(witness[1]))
    if len(witness) < 2 or _is_taproot_script_path(witness):
        return None  # one item: a taproot key-path spend (no key to see); or taproot's script path
    if _checks_signatures(witness[-1]):
        return p2wsh(hashlib.sha256(witness[-1]).digest())
    return None


def _legacy_script(pushed: list[bytes]) -> bytes | None:
    if len(pushed) == 2 and _is_signature(pushed[0]) and _is_key(pushed[1]):
        return p2pkh(hash160(pushed[1]))
    redeem = pushed[-1]
    if len(pushed) >= 2 and not _is_signature(redeem) and not _is_key(redeem) and _checks_signatures(redeem):
        return p2sh(hash160(redeem))
    return None  # P2PK and bare multisig spends push signatures only


def pushes(script: bytes) -> list[bytes] | None:
    """The data a push-only script pushes (OP_0 and OP_1..16 as their values); None if anything else is in it."""
    found, pos = [], 0
    while pos < len(script):
        size, pos = _push_size(script, pos)
        if size is None or pos + size > len(script):
            return None
        found.append(script[pos : pos + size])
        pos += size
    return found


def _push_size(script: bytes, pos: int) -> tuple[int | None, int]:
    """(bytes pushed, where they start) for the opcode at `pos`; a small-number opcode pushes itself."""
    opcode = script[pos]
    if opcode <= 0x4B:
        return opcode, pos + 1
    width = {OP_PUSHDATA1: 1, OP_PUSHDATA2: 2, OP_PUSHDATA4: 4}.get(opcode)
    if width is not None:
        if pos + 1 + width > len(script):
            return None, pos
        return int.from_bytes(script[pos + 1 : pos + 1 + width], "little"), pos + 1 + width
    if opcode == OP_1NEGATE or OP_1 <= opcode <= OP_16:
        return 0, pos + 1  # a small number: pushed, but not data that names anyone
    return None, pos


def _opcodes(script: bytes) -> list[int] | None:
    """The opcodes of `script`, pushes skipped; None when a push runs past the end."""
    found, pos = [], 0
    while pos < len(script):
        opcode = script[pos]
        if opcode <= OP_PUSHDATA4:
            size, pos = _push_size(script, pos)
            if size is None or pos + size > len(script):
                return None
            pos += size
        else:
            found.append(opcode)
            pos += 1
    return found


def _checks_signatures(script: bytes) -> bool:
    """A script that checks a signature: what P2SH redeem and P2WSH witness scripts are, and data is not."""
    opcodes = _opcodes(script)
    return bool(opcodes) and not SIGNATURE_CHECKS.isdisjoint(opcodes)


def _is_signature(data: bytes) -> bool:
    """A DER signature and its sighash byte, by shape only: signatures before BIP66 were not always strict."""
    return 9 <= len(data) <= 73 and data[0] == 0x30


def _is_compressed_key(data: bytes) -> bool:
    return len(data) == 33 and data[0] in (2, 3)


def _is_key(data: bytes) -> bool:
    return _is_compressed_key(data) or (len(data) == 65 and data[0] in (4, 6, 7))


def _is_witness_program(data: bytes) -> bool:
    """A version-0 program: the redeem script of a nested segwit spend."""
    return (len(data) == 22 and data[:2] == b"\x00\x14") or (len(data) == 34 and data[:2] == b"\x00\x20")


def _is_taproot_script_path(witness: tuple[bytes, ...]) -> bool:
    """BIP341: an annex last, or a control block (33 + 32k bytes, leaf version 0xc0/0xc1) last."""
    last = witness[-1]
    if last[:1] == bytes([TAPROOT_ANNEX]):
        return True
    return len(last) >= 33 and (len(last) - 33) % 32 == 0 and last[0] & 0xFE == 0xC0
