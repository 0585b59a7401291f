"""Generation backends: one small protocol, discovered through the ``shotcraft.backends`` entry points."""
