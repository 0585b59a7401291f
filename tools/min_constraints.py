"""Pip constraints pinning every declared dependency to its floor (`>=X` -> `==X`), for `make test-min`.

    min_constraints.py [EXTRA ...] [--override NAME==VERSION ...]   print the constraints
    min_constraints.py [EXTRA ...] --report installed.txt           say which packages are at their floor

Extras named on the command line are included (default: the core dependencies only). An override replaces
one package's floor (torch where its CPU build at the floor cannot be installed); the report then lists that
package as not at its floor, so a run never claims more than it proved.
"""

from __future__ import annotations

import argparse
import re
import sys
import tomllib
from pathlib import Path

REQUIREMENT = re.compile(r"^\s*([A-Za-z0-9_.\-\[\]]+)\s*>=\s*([0-9][^,;\s]*)")


def canonicalize_name(name: str) -> str:
    """PEP 503 normalisation, written out: the constraints are printed before anything (packaging) is installed."""
    return re.sub(r"[-_.]+", "-", name).lower()


def declared_floors(extras: list[str]) -> dict[str, str]:
    """Each declared dependency (core plus the named extras) with a `>=` floor: canonical name -> floor."""
    project = tomllib.loads((Path(__file__).resolve().parents[1] / "pyproject.toml").read_text())["project"]
    requirements = list(project["dependencies"])
    for extra in extras:
        requirements += project["optional-dependencies"][extra]
    floors: dict[str, str] = {}
    for requirement in requirements:
        match = REQUIREMENT.match(requirement)
        if match:
            floors[canonicalize_name(match.group(1).split("[")[0])] = match.group(2)
    return floors


def installed_versions(freeze_file: Path) -> dict[str, str]:
    """`pip freeze` output -> canonical name -> version (editable and URL lines are skipped)."""
    versions: dict[str, str] = {}
    for line in freeze_file.read_text().splitlines():
        name, sep, version = line.partition("==")
        if sep:
            versions[canonicalize_name(name)] = version.strip()
    return versions


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("extras", nargs="*")
    parser.add_argument("--override", action="append", default=[], metavar="NAME==VERSION")
    parser.add_argument("--report", type=Path, metavar="INSTALLED_TXT")
    args = parser.parse_args(argv)
    floors = declared_floors(args.extras)
    if args.report:
        from packaging.version import Version  # installed by then (the report runs after `pip install`)

        installed = installed_versions(args.report)
        at_floor, above, absent = [], [], []
        for name, floor in sorted(floors.items()):
            version = installed.get(name)
            if version is None:
                absent.append(f"{name} (floor {floor})")
            elif Version(Version(version).public) == Version(floor):  # 2.5.0+cpu is torch's floor 2.5
                at_floor.append(f"{name}=={version}")
            else:
                above.append(f"{name}=={version} (floor {floor})")
        print(f"at their floor ({len(at_floor)}): {', '.join(at_floor)}")
        print(f"NOT at their floor ({len(above)}): {', '.join(above) or 'none'}")
        print(f"not installed, so not proven ({len(absent)}): {', '.join(absent) or 'none'}")
        return 0
    overrides = {}
    for spec in args.override:
        name, sep, version = spec.partition("==")
        if not sep or not version:
            parser.error(f"--override {spec!r}: expected NAME==VERSION")
        overrides[canonicalize_name(name)] = version
    for name, floor in floors.items():
        print(f"{name}=={overrides.get(name, floor)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
