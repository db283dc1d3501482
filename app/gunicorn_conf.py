"""gunicorn's configuration (`--config python:app.gunicorn_conf`): its own refusals in the API's shape.

gunicorn refuses some requests before Django sees them: a request line over `limit_request_line` (414),
too many or too large headers (431), a malformed request line or header (400). It writes those as
HTML, from `gunicorn.util.write_error`, which its workers look up at each refusal. An exchange's client
reads JSON from every other refusal (docs/architecture.md, "API errors"), so this module puts a
writer of `{"detail": "..."}` in its place when gunicorn loads its configuration, before the workers
fork. Status, reason and `Connection: close` stay gunicorn's.
"""

import json

from gunicorn import util


def error_write_json(sock, status_int: int, reason: str, mesg: str) -> None:
    body = json.dumps({"detail": f"{reason}: {mesg}" if mesg else reason}).encode()
    head = (
        f"HTTP/1.1 {status_int} {reason}\r\nConnection: close\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    util.write_nonblock(sock, head.encode("latin1") + body)


util.write_error = error_write_json
