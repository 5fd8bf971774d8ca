"""Where the project's parts live, for tools run from a checkout (editable install)."""

from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
FIRMWARE = REPO / "firmware"
FIRMWARE_LIB = FIRMWARE / "lib"
BOARDS = REPO / "boards"
NODE_MODULES = REPO / "node_modules"
PLANS = REPO / "host_tools" / "plans"  # the bundled workout plans
IPOL_DATA = REPO.parent / "shared" / "data" / "ipol-gait"  # real walking, beside the project
