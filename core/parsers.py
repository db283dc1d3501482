"""JSON request bodies with a nesting limit: Python's decoder recurses, so a body of a few thousand
brackets ends in a RecursionError (a 500), and one just under the interpreter's limit breaks whatever
walks it next. Nothing the API takes is nested more than a few levels."""

import io

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


class DepthLimitedJSONParser(JSONParser):
    """JSONParser that refuses a body nested deeper than settings.JSON_MAX_DEPTH with a 400."""

    def parse(self, stream, media_type=None, parser_context=None):
        raw = stream.read()
        limit = settings.JSON_MAX_DEPTH
        try:
            data = super().parse(io.BytesIO(raw), media_type, parser_context)
        except RecursionError:
            raise _too_deep(limit) from None
        # Only a body with more brackets than the limit can be too deep: the hot path skips the walk.
        if raw.count(b"[") + raw.count(b"{") > limit and json_depth(data) > limit:
            raise _too_deep(limit)
        return data


def json_depth(value: object) -> int:
    """How deeply lists and objects nest in `value` (a scalar is 0), without recursing."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is None:
            continue
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in children)
    return deepest


def _too_deep(limit: int) -> ParseError:
    return ParseError(f"the JSON body is nested more than {limit} levels deep; at most {limit} are accepted")
