"""Log records that cannot forge a line: request values (paths, addresses) reach the log from anyone on
the network, and a newline in one would start a fake entry. Control characters are written escaped."""

import logging
import re

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def escaped(value: object) -> str:
    """`value` as text on one line: each control character as its \\xNN or \\uNNNN escape."""
    return _CONTROL.sub(_escape, str(value))


def _escape(match: re.Match) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


class EscapeControlCharacters(logging.Filter):
    """On a handler: every message, from our code or a library's, leaves as one line. A traceback is
    formatted apart from the message and keeps its lines."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if _CONTROL.search(message):
            record.msg, record.args = escaped(message), None
        return True
