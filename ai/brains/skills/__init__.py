"""The local brain's dialogue, one skill a module: each is a mixin of `LocalBrain`, which reads a
caller's line and hands it to the skill waiting for an answer (its `ANSWERS` table) or to the one
that starts what the caller asked for. `common.Dialogue` is what every skill shares."""
