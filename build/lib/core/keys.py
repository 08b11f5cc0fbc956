"""Sample keys: the one naming rule every stage and every reader relies on (docs/contracts.md)."""
from __future__ import annotations

import re

KEY_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,100}")


def check_key(key: str) -> str:
    """Return `key` if it is a valid sample key, else raise ValueError naming it."""
    if not isinstance(key, str) or not KEY_PATTERN.fullmatch(key):
        raise ValueError(
            f"invalid sample key {key!r}: keys are 1-100 characters of [A-Za-z0-9_-] "
            "(no dots: WebDataset splits keys at the first dot)"
        )
    return key
