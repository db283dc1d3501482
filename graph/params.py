"""The parameter values both engines store faithfully, checked before a query is sent.

FalkorDB's client writes parameters into the query text; a value it cannot
encode (a NUL byte, a lone surrogate, infinity) would otherwise fail with a
parse error that names no parameter, and an integer past 64 bits would be
silently clamped. Checking here gives one clear error, the same on both
engines, naming the parameter and the position inside it.
"""

import json
import math
import re
from collections.abc import Mapping
from typing import Any

from graph.errors import GraphParameterError

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def check_params(params: Mapping[str, Any]) -> None:
    """Fast path: one C-speed JSON encoding proves most payloads clean; anything doubtful gets the full walk."""
    if _plainly_fine(params):
        return
    for name, value in params.items():
        if not isinstance(name, str) or not _NAME.fullmatch(name):
            raise GraphParameterError(f"parameter name {name!r} is not an identifier")
        _check(value, f"${name}")


# A JSON number of 19+ digits may pass 64 bits; digit runs inside hex strings touch a letter or quote.
_LONG_NUMBER = re.compile(r"(?<![\w\"])-?\d{19,}(?![\w\"])")


def _plainly_fine(params: Mapping[str, Any]) -> bool:
    if not all(isinstance(name, str) and _NAME.fullmatch(name) for name in params):
        return False
    try:
        encoded = json.dumps(params, ensure_ascii=False, allow_nan=False, check_circular=False)
        encoded.encode("utf-8")  # lone surrogates fail here
    except (TypeError, ValueError):
        return False
    suspicious = ("\\u0000", "`", '"": ')  # NUL, a backtick (maybe in a key), an empty key
    return not any(mark in encoded for mark in suspicious) and not _LONG_NUMBER.search(encoded)


def _check(value: Any, where: str) -> None:
    if value is None or isinstance(value, bool):
        return
    if isinstance(value, int):
        if not INT64_MIN <= value <= INT64_MAX:
            raise GraphParameterError(f"{where}: integer {value} does not fit in 64 bits")
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise GraphParameterError(f"{where}: {value} is not a finite number")
    elif isinstance(value, str):
        _check_text(value, where)
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            _check(item, f"{where}[{index}]")
    elif isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str) or not key or "`" in key:
                raise GraphParameterError(f"{where}: map key {key!r} must be a non-empty string without backticks")
            _check_text(key, f"{where} key {key!r}")
            _check(item, f"{where}.{key}")
    else:
        raise GraphParameterError(f"{where}: values of type {type(value).__name__} cannot be stored in the graph")


def _check_text(text: str, where: str) -> None:
    if "\x00" in text:
        raise GraphParameterError(f"{where}: text contains a NUL byte at position {text.index(chr(0))}")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise GraphParameterError(f"{where}: text holds a lone surrogate at position {exc.start}") from None
