"""Language understanding for the local brain: plain Python, no Django, fast enough to run on
every caller turn (precompiled patterns, no per-call allocation of big tables)."""
