"""Phone numbers are stored in E.164; this is the one parser."""

from __future__ import annotations

import phonenumbers


def to_e164(raw: str, *, region: str = "FR") -> str:
    """Parse a phone number as people type it; raise ValueError with a readable message."""
    try:
        parsed = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        raise ValueError(f"{raw!r} is not a phone number; write it like +33 1 23 45 67 89.") from None
    if not phonenumbers.is_valid_number(parsed):
        raise ValueError(f"{raw!r} is not a valid phone number; write it like +33 1 23 45 67 89.")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
