"""A progress line on the terminal for the import and export commands."""

from __future__ import annotations

from collections.abc import Callable

from django.core.management.base import OutputWrapper


def progress_bar(label: str, total: int, stream: OutputWrapper) -> Callable[[int], None]:
    """`tell(done)` redraws « label [#####.....] done/total » on one line of `stream` (a
    command's stderr), and ends the line once done reaches total."""
    width = 30

    def tell(done: int) -> None:
        filled = int(width * done / total) if total else width
        bar = f"{'#' * filled}{'.' * (width - filled)}"
        stream.write(f"\r{label} [{bar}] {done}/{total}", ending="\n" if done >= total else "")
        stream.flush()

    return tell
