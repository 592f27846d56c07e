"""Makes the kit importable however pytest is started (helpers: notebook_helpers.py)."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
