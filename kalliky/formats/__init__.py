"""Our date formats per language (settings.FORMAT_MODULE_PATH), over Django's own: dates read
"6 déc. 2026 14:05" in French and "6 Dec 2026 14:05" in English (day first, 24-hour clock)."""
