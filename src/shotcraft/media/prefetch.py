"""Run a frame source in a background thread, a few items ahead of its consumer.

Decoding, grading and encoding release the GIL in their native code, so a
producer thread overlaps them with the consumer's work. Order is kept; an
exception in the producer is re-raised in the consumer; a consumer that
stops early stops the producer.
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Iterator
from typing import TypeVar

T = TypeVar("T")


def prefetch(items: Iterator[T], *, depth: int = 4, name: str = "shotcraft-prefetch") -> Iterator[T]:
    slots: queue.Queue = queue.Queue(maxsize=depth)
    done = object()
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in items:
                while not stop.is_set():
                    try:
                        slots.put(item, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            slots.put(done)
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer, raised there
            slots.put(exc)

    worker = threading.Thread(target=produce, name=name, daemon=True)
    worker.start()
    try:
        while True:
            item = slots.get()
            if item is done:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        with contextlib.suppress(queue.Empty):
            while True:
                slots.get_nowait()  # unblock a producer waiting on a full queue
        worker.join(timeout=5)
