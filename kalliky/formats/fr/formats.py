"""French: "6 déc. 2026" and "6 déc. 2026 14:05" (what Django lacks falls back to its own)."""

SHORT_DATE_FORMAT = "j N Y"
SHORT_DATETIME_FORMAT = "j N Y H:i"
