"""`make`'s finish step runs Python work beside ffmpeg's (pipeline._beside): both results, errors never lost, and a
failed encode stops the side work instead of waiting for all of it."""

from __future__ import annotations

import threading

import pytest

from shotcraft import files
from shotcraft.pipeline import _beside


def test_both_results_come_back_and_the_side_runs_on_its_own_thread() -> None:
    def side(stop: threading.Event) -> str:
        return threading.current_thread().name

    main, other = _beside(lambda: threading.current_thread().name, side)
    assert main == threading.current_thread().name and other.startswith("shotcraft-beside")


def test_the_side_sees_the_make_s_hash_cache(tmp_path) -> None:
    """The worker runs in the make's context: hashes go through the project's cache as on the make's thread."""
    with files.project_hashes(tmp_path):
        _, seen = _beside(lambda: None, lambda stop: files._PROJECT.get())
    assert seen == tmp_path


def test_a_failing_side_is_raised_once_the_work_is_done() -> None:
    done = []

    def side(stop: threading.Event) -> None:
        raise ValueError("the grade report could not be written")

    with pytest.raises(ValueError, match="grade report"):
        _beside(lambda: done.append("encoded"), side)
    assert done == ["encoded"]  # the encodes were not cut short


def test_a_failing_work_stops_the_side_and_is_raised_after_it_ended() -> None:
    ended = threading.Event()
    started = threading.Event()

    def side(stop: threading.Event) -> None:
        started.set()
        assert stop.wait(10), "never told to stop"
        ended.set()

    def work() -> None:
        assert started.wait(10)
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        _beside(work, side)
    assert ended.is_set()  # no thread of the make is left running after it returns


def test_the_make_s_garbage_collection_skips_older_objects_and_gives_them_back() -> None:
    import gc
    import weakref

    from shotcraft.pipeline import _older_objects_left_alone

    class Node:
        pass

    older = Node()
    older.me = older  # a cycle from before
    with pytest.raises(RuntimeError), _older_objects_left_alone():
        assert gc.get_freeze_count() > 0
        young = Node()
        young.me = young
        gone = weakref.ref(young)
        del young
        gc.collect()
        assert gone() is None  # what the make allocates is still collected
        raise RuntimeError("a failed step")
    assert gc.get_freeze_count() == 0  # failed or not, everything is collected again afterwards
    kept = weakref.ref(older)
    del older
    gc.collect()
    assert kept() is None
