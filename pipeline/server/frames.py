"""Length-prefixed frames between the server and its SPARQL worker processes.

A frame is two big-endian 32-bit lengths, then a JSON header and a body of those sizes.
"""

from __future__ import annotations

import json
import struct
from typing import IO, Any

HEADER = struct.Struct(">II")


def encode(header: dict[str, Any], body: bytes = b"") -> bytes:
    """One frame."""
    head = json.dumps(header).encode("utf-8")
    return HEADER.pack(len(head), len(body)) + head + body


def read_frame(stream: IO[bytes]) -> tuple[dict[str, Any], bytes] | None:
    """The next frame, or ``None`` at the end of the stream."""
    prefix = stream.read(HEADER.size)
    if len(prefix) < HEADER.size:
        return None
    head_size, body_size = HEADER.unpack(prefix)
    header = json.loads(stream.read(head_size))
    body = stream.read(body_size)
    return header, body
