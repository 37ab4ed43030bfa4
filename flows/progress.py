"""A progress hook the CLI sets; flows report batches to it."""

from __future__ import annotations

from collections.abc import Callable

ProgressHook = Callable[[str, dict[str, int]], None]
_hook: ProgressHook | None = None


def set_progress_hook(hook: ProgressHook | None) -> None:
    """Install (or remove) the function told about each committed batch."""
    global _hook
    _hook = hook


def report_progress(source: str, counts: dict[str, int]) -> None:
    """Tell the installed hook, if any, that a batch of `source` was committed."""
    if _hook is not None:
        _hook(source, counts)
