"""The Debian programs some tests need, and the one way a test says so.

`make test` installs them first (scripts/system-deps, as root or with passwordless sudo). Where it
could not, a test that needs one skips with a reason naming the package and the command that
installs it — never a failure, and never a skip without saying what is missing.
"""

from __future__ import annotations

import functools
import shutil
import subprocess

import pytest

# What a test may need → the Debian package that provides it.
PACKAGES = {
    "espeak-ng": "espeak-ng",
    "sox": "sox",
    "sox-mp3": "libsox-fmt-mp3",
    "tesseract": "tesseract-ocr",
    "chromium": "chromium",
}


@functools.cache
def chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@functools.cache
def _sox_reads_mp3() -> bool:
    sox = shutil.which("sox")
    if sox is None:
        return False
    help_text = subprocess.run([sox, "-h"], capture_output=True, text=True, check=False).stdout  # noqa: S603
    formats = help_text.split("AUDIO FILE FORMATS:", 1)[-1].split("\n", 1)[0]
    return "mp3" in formats.split()


def available(tool: str) -> bool:
    if tool == "chromium":
        return chromium_path() is not None
    if tool == "sox-mp3":
        return _sox_reads_mp3()
    return shutil.which(tool) is not None


def missing(*tools: str) -> list[str]:
    unknown = set(tools) - PACKAGES.keys()
    assert not unknown, f"unknown tools {sorted(unknown)}: add them to PACKAGES and scripts/system-deps"
    return [tool for tool in tools if not available(tool)]


def skip_reason(*tools: str) -> str:
    packages = " ".join(dict.fromkeys(PACKAGES[tool] for tool in missing(*tools)))
    return (
        f"needs the Debian package(s) {packages}, not installed: `make system-deps` installs them "
        f"as root (or run `sudo apt-get install {packages}`)"
    )


def needs(*tools: str) -> pytest.MarkDecorator:
    """`@needs("espeak-ng", "sox")`: skip, naming the packages, when any of them is missing."""
    return pytest.mark.skipif(bool(missing(*tools)), reason=skip_reason(*tools) if missing(*tools) else "")


def require(*tools: str) -> None:
    """The same inside a helper that synthesises audio: any test reaching it without the tools skips."""
    if missing(*tools):
        pytest.skip(skip_reason(*tools))


needs_speech = needs("espeak-ng", "sox")
needs_chromium = needs("chromium")
