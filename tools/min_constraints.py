"""Print pip constraints pinning every declared dependency to its floor (`>=X` -> `==X`), for `make test-min`.

Extras named on the command line are included (default: the core dependencies only).
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

project = tomllib.loads((Path(__file__).resolve().parents[1] / "pyproject.toml").read_text())["project"]
requirements = list(project["dependencies"])
for extra in sys.argv[1:]:
    requirements += project["optional-dependencies"][extra]
for requirement in requirements:
    match = re.match(r"^\s*([A-Za-z0-9_.\-\[\]]+)\s*>=\s*([0-9][^,;\s]*)", requirement)
    if match:
        name = match.group(1).split("[")[0]
        print(f"{name}=={match.group(2)}")
