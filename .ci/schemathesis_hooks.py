"""Schemathesis hooks for .ci/schemathesis, which loads this file through SCHEMATHESIS_HOOKS.

One hook only: `filter_failure` drops the `positive_data_acceptance` (ST202) failures whose 422 is a
documented rule that OpenAPI 3.1 cannot express (it depends on the caller or on stored data, spans
two parameters, or counts bytes), plus one deliberate convention (ids are JSON integers, never
`1.0`), so that schema-valid data still gets a 422 legitimately. Each entry names the operation,
the exact error message and, where the same message also covers a value the schema can exclude,
a guard on the request, so that nothing else is hidden: every other check, every other status and
every other 422 message still fails the run. It also drops `ensure_resource_availability` (ST302)
failures for a just-created room whose 404 is about another resource named in the request."""

from __future__ import annotations

import json
import urllib.parse
from typing import Any

import schemathesis

CURSORS = ("before", "after", "since", "around")


def _error_message(response: Any) -> str:
    try:
        return json.loads(response.content)["error"]["message"]
    except Exception:
        return ""


def _body_int(case: Any, field: str) -> int | None:
    body = case.body if isinstance(case.body, dict) else {}
    value = body.get(field)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _is_documented_state_rule(label: str, message: str, case: Any) -> bool:
    # Ids with a zero fraction (`16699.0`, `1e3`): JSON Schema's "integer" admits them, serde's i64
    # refuses them (422 "invalid type: floating point"). Kept on purpose: an id above 2^53 sent as
    # a float is already rounded, so the API takes ids only as JSON integers (no fraction, no
    # exponent). Remove this rule if the server is changed to accept integral floats.
    fields = {"POST /api/rooms/{id}/messages": "reply_to", "POST /api/rooms/{id}/read": "message_id"}
    field = fields.get(label)
    if field is not None:
        value = (case.body if isinstance(case.body, dict) else {}).get(field)
        if (
            isinstance(value, float)
            and value.is_integer()
            and message.startswith(f"{field}: invalid type: floating point ")
        ):
            return True
    # History: at most one of before/after/since/around ("two page cursors are combined" is a
    # 422, docs/api.md "Pages of history"); parameters cannot be declared mutually exclusive.
    if label == "GET /api/rooms/{id}/messages":
        return any(message.startswith(f"{c}: cannot be combined with ") for c in CURSORS)
    # Removing yourself is a 422 (leave instead): "yourself" depends on the token, not the schema.
    if label == "DELETE /api/rooms/{id}/members/{user_id}":
        return message == "user_id: is you: leave the room instead"
    # A direct room with yourself is a 422: depends on who is signed in.
    if label == "POST /api/dms":
        return message == "username: must be someone else: a direct room is between two users"
    # A reply to a message that does not exist, is deleted or is in another room: data-dependent.
    if label == "POST /api/rooms/{id}/messages":
        return message == "reply_to: must be a message of this room that is not deleted"
    # A read marker on a message that is not in this room: data-dependent. The same message also
    # answers message_id < 1, which the schema can exclude (minimum: 1), so only ids >= 1 pass.
    if label == "POST /api/rooms/{id}/read":
        mid = _body_int(case, "message_id")
        return message == "message_id: must be the id of a message in this room" and mid is not None and mid >= 1
    # A reaction's emoji is 1–32 *bytes* of UTF-8; JSON Schema's maxLength counts characters, so
    # the schema can only say maxLength 32: a string of at most 32 characters but more than 32
    # bytes is schema-valid and still a documented 422.
    if label in ("PUT /api/rooms/{id}/messages/{mid}/reactions/{emoji}", "DELETE /api/rooms/{id}/messages/{mid}/reactions/{emoji}"):
        # Schemathesis keeps path parameters percent-encoded, as sent.
        emoji = (case.path_parameters or {}).get("emoji")
        if isinstance(emoji, str):
            emoji = urllib.parse.unquote(emoji, errors="surrogateescape")
        return (
            message == "emoji: must be 1–32 bytes of UTF-8"
            and isinstance(emoji, str)
            and 1 <= len(emoji) <= 32
            and len(emoji.encode("utf-8", "surrogatepass")) > 32
        )
    # A search needs a word (a run of Unicode letters or digits): no portable JSON Schema regex says
    # "contains a Unicode letter or digit" (neither ECMA-262 without the u flag nor Python's re,
    # which Schemathesis generates from, has \p{L}).
    if label == "GET /api/search":
        return message == "q: must contain a word"
    return False


ROOM_CREATORS = ("POST /api/rooms", "POST /api/dms")


def _is_other_resource_404(failure: Any, response: Any) -> bool:
    """ensure_resource_availability (ST302) after creating a room: a 404 that names another
    resource of the request ("no such user" for an unknown `username`, "no such message in this
    room" for a generated `{mid}`) says the room is there, not that it is missing."""
    return (
        getattr(failure, "created_with", None) in ROOM_CREATORS
        and response.status_code == 404
        and _error_message(response) not in ("", "no such room")
    )


@schemathesis.hook
def filter_failure(context, failure, case, response) -> bool:
    """Keep every failure except the documented, schema-inexpressible ones above."""
    if response is None:
        return True
    if failure.code == "ST302":
        return not _is_other_resource_404(failure, response)
    if failure.code != "ST202" or response.status_code != 422:
        return True
    return not _is_documented_state_rule(case.operation.label, _error_message(response), case)
