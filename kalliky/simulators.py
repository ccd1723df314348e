"""The development stand-ins for Telnyx and Stripe that `manage.py serve` starts when no account is
configured, and the credentials they use.

Their keys are derived from constants in this file, so anyone can sign an event with them: they
are for a laptop only. `check --deploy` refuses them (kalliky/checks.py) and `serve` starts the
simulators with DEBUG off only when told `--simulator`.
"""

from __future__ import annotations

import base64
import functools
import hashlib

from nacl.signing import SigningKey

TELNYX_API_KEY = "KEYsimulator"
# The Ed25519 seed the Telnyx simulator signs its webhooks with.
TELNYX_SIGNING_SEED = hashlib.sha256(b"kalliky development telephone network").digest()
STRIPE_SECRET_KEY = "sk_test_simulator"
STRIPE_WEBHOOK_SECRET = "whsec_simulator"


@functools.cache
def telnyx_public_key() -> str:
    """The base64 public key matching TELNYX_SIGNING_SEED, as TELNYX_PUBLIC_KEY would hold it."""
    return base64.b64encode(bytes(SigningKey(TELNYX_SIGNING_SEED).verify_key)).decode()


def credentials_in_use(settings: object) -> list[str]:
    """The names of the settings that hold a simulator's credentials."""
    simulator_values = {
        "TELNYX_API_KEY": TELNYX_API_KEY,
        "TELNYX_PUBLIC_KEY": telnyx_public_key(),
        "STRIPE_SECRET_KEY": STRIPE_SECRET_KEY,
        "STRIPE_WEBHOOK_SECRET": STRIPE_WEBHOOK_SECRET,
    }
    return [name for name, value in simulator_values.items() if getattr(settings, name, "") == value]
