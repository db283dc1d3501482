"""Server-side pages for the queues (a count, the next and previous pages' links, one page of rows) and
conditional GETs: a dashboard polls every few seconds, and an unchanged answer costs a 304, not a body."""

import hashlib
import json

from django.core.serializers.json import DjangoJSONEncoder
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

PAGE_SIZE_MAX = 100


class PageFilters(serializers.Serializer):
    page = serializers.IntegerField(min_value=1, max_value=1_000_000, default=1, help_text="1 is the first page")
    page_size = serializers.IntegerField(min_value=1, max_value=PAGE_SIZE_MAX, default=25)


def page_out(results_serializer) -> type[serializers.Serializer]:
    """The paged answer's schema around one row serializer: DRF's page-number pagination's shape."""

    class PageOut(serializers.Serializer):
        count = serializers.IntegerField(help_text="rows under these filters, on every page")
        next = serializers.URLField(allow_null=True)
        previous = serializers.URLField(allow_null=True)
        results = results_serializer(many=True)

    PageOut.__name__ = f"{results_serializer.__name__.removesuffix('Out')}PageOut"
    return PageOut


def page_bounds(page: int, page_size: int) -> tuple[int, int]:
    """The first row's offset and one past the last row's."""
    start = (page - 1) * page_size
    return start, start + page_size


def page_body(request, *, page: int, page_size: int, count: int, results: list) -> dict:
    """The answer: `next` and `previous` are this request's URL with another page number, or null."""
    url = request.build_absolute_uri()
    last = max(1, -(-count // page_size))
    following = replace_query_param(url, "page", page + 1) if page < last else None
    if page <= 1:
        previous = None
    else:
        previous = remove_query_param(url, "page") if page == 2 else replace_query_param(url, "page", page - 1)
    return {"count": count, "next": following, "previous": previous, "results": results}


def conditional(request, data) -> Response:
    """200 with an ETag over the answer, or 304 (no body) when the client already holds that answer."""
    body = json.dumps(data, cls=DjangoJSONEncoder, sort_keys=True).encode()
    tag = f'"{hashlib.sha256(body).hexdigest()[:32]}"'
    held = {t.strip() for t in request.headers.get("If-None-Match", "").split(",")}
    unchanged = tag in held or f"W/{tag}" in held
    response = Response(status=status.HTTP_304_NOT_MODIFIED) if unchanged else Response(data)
    response["ETag"] = tag
    response["Cache-Control"] = "private, no-cache"
    return response
