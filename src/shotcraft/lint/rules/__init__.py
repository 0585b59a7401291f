"""The craft rules, one module per family; importing this registers them all in code order."""

from shotcraft.lint.registry import RULES
from shotcraft.lint.rules import capability, continuity, pitch, prompt, sound, structure, timing  # noqa: F401

# keep RULES in code order whatever the import order
_ordered = dict(sorted(RULES.items()))
RULES.clear()
RULES.update(_ordered)
