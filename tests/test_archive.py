"""`shotcraft archive` / `restore`: one file back into an empty folder, then `make` renders nothing and writes the same files."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile

import pytest
from typer.testing import CliRunner

from shotcraft.archive import MANIFEST_NAME, restore_archive
from shotcraft.cli import app
from shotcraft.errors import InputError
from shotcraft.pipeline import make
from shotcraft.plan import load_plan

#: deliverables whose bytes must match; the QA report and manifest name the folders they were made in
COMPARED = ("rough-cut", "otio", "otioz", "edl", "fcp-xml", "fcpxml", "media", "mix", "stem", "master", "distribution",
            "mobile", "poster", "contact-sheet", "lut")  # fmt: skip


def _digests(out, manifest):
    return {e["path"]: hashlib.sha256((out / e["path"]).read_bytes()).hexdigest() for e in manifest["deliverables"] if e["kind"] in COMPARED}


@pytest.fixture(scope="module")
def archived(handoff_film, tmp_path_factory):
    folder, out = handoff_film
    target = tmp_path_factory.mktemp("archive") / "tiny.tar"
    result = CliRunner().invoke(app, ["archive", str(folder / "film.yaml"), "--to", str(target), "--output", str(out), "--format", "json"])
    assert result.exit_code == 0, result.output
    return target, json.loads(result.output)


def test_archive_then_restore_then_make_renders_nothing_and_writes_identical_deliverables(handoff_film, archived, tmp_path):
    _, out = handoff_film
    target, summary = archived
    assert summary["takes"] == 3
    with tarfile.open(target) as tar:
        names = tar.getnames()
        manifest = json.loads(tar.extractfile(MANIFEST_NAME).read())
    assert names[0] == MANIFEST_NAME and "plan/film.yaml" in names and "store/ledger.sqlite" in names
    assert "output/manifest.json" in names and len([n for n in names if n.startswith("store/objects/")]) == 6
    assert {(t["shot"], t["take"], t["picked"]) for t in manifest["takes"]} == {("a1", "A", True), ("a2", "A", True), ("a3", "A", True)}

    result = CliRunner().invoke(app, ["restore", str(target), str(tmp_path / "restored")])
    assert result.exit_code == 0, result.output
    restored_out = tmp_path / "restored-out"
    made = make(load_plan(tmp_path / "restored" / "film.yaml"), restored_out, jobs=1, progress=False)
    assert made.checks["render"]["rendered"] == 0 and made.checks["render"]["cached"] == 6
    before = json.loads((out / "manifest.json").read_text())
    after = json.loads((restored_out / "manifest.json").read_text())
    assert _digests(out, before) == _digests(restored_out, after) and len(_digests(out, before)) >= 15


def test_the_same_film_archives_to_the_same_bytes(handoff_film, archived, tmp_path):
    folder, out = handoff_film
    target, _ = archived
    again = tmp_path / "again.tar"
    CliRunner().invoke(app, ["archive", str(folder / "film.yaml"), "--to", str(again), "--output", str(out)])
    with tarfile.open(target) as first, tarfile.open(again) as second:
        # the ledger snapshot is a fresh SQLite file; every other member is byte for byte the same
        digest = lambda tar, m: hashlib.sha256(tar.extractfile(m).read()).hexdigest()  # noqa: E731
        assert {m.name: digest(first, m) for m in first if "ledger" not in m.name and m.name != MANIFEST_NAME} == \
               {m.name: digest(second, m) for m in second if "ledger" not in m.name and m.name != MANIFEST_NAME}  # fmt: skip


def _tar_with(tmp_path, members):
    """A tar holding a valid manifest plus ``members`` (name -> bytes, or a TarInfo for links)."""
    path = tmp_path / "evil.tar"
    files = {name: {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)} for name, data in members.items() if isinstance(data, bytes)}
    manifest = json.dumps({"archive_version": 1, "plan": "plan/film.yaml", "files": files}).encode()
    with tarfile.open(path, "w") as tar:
        for name, data in {MANIFEST_NAME: manifest, **members}.items():
            if isinstance(data, tarfile.TarInfo):
                tar.addfile(data)
                continue
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


@pytest.mark.parametrize(
    ("name", "message"),
    [("/etc/cron.d/evil", "absolute path"), ("plan/../../evil", "'..'"), ("../evil", "'..'"), ("other/file", "not part of a shotcraft archive")],
)
def test_restore_refuses_members_outside_the_folder_and_writes_nothing(tmp_path, name, message):
    path = _tar_with(tmp_path, {"plan/film.yaml": b"schema_version: 2\n", name: b"x"})
    with pytest.raises(InputError, match=message):
        restore_archive(path, tmp_path / "target")
    assert not (tmp_path / "target").exists() or not any((tmp_path / "target").iterdir())
    assert not (tmp_path / "evil").exists()


def test_restore_refuses_links_a_damaged_member_and_a_folder_in_use(tmp_path):
    link = tarfile.TarInfo("plan/link")
    link.type, link.linkname = tarfile.SYMTYPE, "/etc/passwd"
    with pytest.raises(InputError, match="not a regular file"):
        restore_archive(_tar_with(tmp_path, {"plan/film.yaml": b"a", "plan/link": link}), tmp_path / "t1")
    damaged = tmp_path / "damaged.tar"  # the manifest's hash is not the member's
    manifest = {"archive_version": 1, "plan": "plan/film.yaml", "files": {"plan/film.yaml": {"sha256": "0" * 64, "size": 1}}}
    with tarfile.open(damaged, "w") as tar:
        for name, content in ((MANIFEST_NAME, json.dumps(manifest).encode()), ("plan/film.yaml", b"a")):
            info = tarfile.TarInfo(name)
            info.size = len(content)
            tar.addfile(info, io.BytesIO(content))
    with pytest.raises(InputError, match="sha256"):
        restore_archive(damaged, tmp_path / "t2")
    assert not any((tmp_path / "t2").iterdir())  # nothing left that looks restored
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "x").write_text("x")
    result = CliRunner().invoke(app, ["restore", str(damaged), str(tmp_path / "busy")])
    assert result.exit_code != 0 and "restore needs an empty folder" in result.stderr


TWO_TAKES_PLAN = """\
schema_version: 2
production: {id: pair, title: Pair, format: {resolution: 128x72, fps: 24}}
characters:
  - {id: ana, name: Ana, wardrobe: [red coat]}
locations:
  - {id: park, description: a small park}
defaults: {takes: 2}
shots:
  - {id: p1, role: setup, type: medium-action, duration: 0.5, characters: [ana], location: park}
"""


def test_a_picked_only_archive_leaves_the_other_takes_out_by_choice(tmp_path):
    """The default archive keeps the picked takes; after restore the engine renders nothing (the left-out take is
    reported as archived, not re-rendered) until the take is asked for by name."""
    from shotcraft.render.engine import render_plan
    from shotcraft.render.store import open_project

    folder = tmp_path / "pair"
    folder.mkdir()
    (folder / "film.yaml").write_text(TWO_TAKES_PLAN)
    assert len(render_plan(load_plan(folder / "film.yaml"), progress=False).rendered) == 4
    open_project(load_plan(folder / "film.yaml")).set_pick("p1", "B")
    target = tmp_path / "pair.tar"
    result = CliRunner().invoke(app, ["archive", str(folder / "film.yaml"), "--to", str(target), "--format", "json"])
    assert result.exit_code == 0, result.output
    with tarfile.open(target) as tar:
        manifest = json.loads(tar.extractfile(MANIFEST_NAME).read())
        objects = [n for n in tar.getnames() if n.startswith("store/objects/")]
    assert [(t["shot"], t["take"]) for t in manifest["takes"]] == [("p1", "B")] and len(objects) == 2
    assert manifest["picked_only"] and manifest["left_out"] == [{"shot": "p1", "take": "A"}]

    restored = restore_archive(target, tmp_path / "restored")
    dry = render_plan(load_plan(restored), progress=False, dry_run=True)
    assert (len(dry.planned), len(dry.cached), len(dry.archived)) == (0, 2, 2)
    again = render_plan(load_plan(restored), progress=False)
    assert (len(again.rendered), len(again.cached), len(again.archived)) == (0, 2, 2)
    picked = open_project(load_plan(restored)).picked_take("p1")
    assert picked is not None and picked.label == "B" and picked.clip_path is not None
    left = open_project(load_plan(restored)).take("p1", "A")
    assert not left.done and "archived out" in left.error and "--take A" in left.error
    asked = render_plan(load_plan(restored), takes=["A"], progress=False)  # asked for by name: rendered again
    assert len(asked.rendered) == 2 and open_project(load_plan(restored)).take("p1", "A").done

    every = tmp_path / "every.tar"
    assert CliRunner().invoke(app, ["archive", str(folder / "film.yaml"), "--to", str(every), "--all-takes"]).exit_code == 0
    with tarfile.open(every) as tar:
        assert len([n for n in tar.getnames() if n.startswith("store/objects/")]) == 4 and "store/archived-out.json" not in tar.getnames()
