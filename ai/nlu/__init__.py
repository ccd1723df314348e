"""Language understanding for the local brain: plain Python (no Django, no database), fast enough
to run on every caller turn (patterns compiled at import, per-line results cached).

- `text`: `normalize`, `tokens`, `strip_accents`
- `numbers`: `NumberMatch`, `find_numbers`, `parse_int`
- `when`: `When`, `parse_when`, `parse_time`, `parse_date`, `combine`
- `people`: `parse_party_size`, `parse_name`, `parse_phone`
- `intents`: `INTENTS`, `classify`, `is_yes`, `is_no` (the classifier; its phrases are in `phrasebook`)
- `language`: `detect_language`
- `complaints`: `complaint_category`, `urgency`
"""
