"""How the tests and the dashboard benchmark start Debian's Chromium: headless, offline."""

import os
import shutil

# Without these, Chromium reaches out to Google's hosts at start, which a closed network refuses.
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run", "--disable-quic"]


def chromium_executable() -> str | None:
    """GOVFLOW_CHROMIUM, else `chromium` (or `chromium-browser`) on the PATH."""
    return os.environ.get("GOVFLOW_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
