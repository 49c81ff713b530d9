"""The API's JSON answers: ASCII, so any text a payload holds can be sent, even one an
older version stored with bytes of another encoding (a lone surrogate, which UTF-8
cannot carry and Starlette's own JSONResponse fails on)."""

from __future__ import annotations

import json
from typing import Any

from starlette.responses import JSONResponse as _StarletteJSON


class JSONResponse(_StarletteJSON):
    """Starlette's JSONResponse, written as ASCII JSON."""

    def render(self, content: Any) -> bytes:
        return json.dumps(content, allow_nan=False, separators=(",", ":")).encode("ascii")
