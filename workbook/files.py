"""Writing workbook files without losing work: a new file never replaces one the user has (unless asked), and a
file is written to a temporary name in the same folder and renamed into place, so a crash or a full disk never
leaves half a workbook where the old one was."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

__all__ = ["CannotWrite", "atomic_target", "check_writable", "free_path", "pick_target"]


class CannotWrite(OSError):
    """A file could not be written, with the path and what to do; the old file (if any) is untouched."""


def free_path(path: Path) -> Path:
    """``path`` if nothing is there, else the first free '<name> (2).xlsx', '<name> (3).xlsx', … beside it."""
    if not path.exists():
        return path
    number = 2
    while (candidate := path.with_name(f"{path.stem} ({number}){path.suffix}")).exists():
        number += 1
    return candidate


def pick_target(path: Path, *, force: bool) -> tuple[Path, str]:
    """Where to write a new file asked for at ``path``: ``path`` itself when it is free or ``force`` is given,
    else a free name beside it. The second item says what happened in words ("" when ``path`` is used)."""
    if force or not path.exists():
        return path, ""
    target = free_path(path)
    return target, f"{path} already exists and was kept; the new file is {target} (--force replaces it)."


def _reason(exc: OSError) -> str:
    if isinstance(exc, PermissionError):
        return "permission denied (the folder is read-only or belongs to someone else)"
    return exc.strerror or str(exc)


def check_writable(path: Path) -> None:
    """Raise :class:`CannotWrite` now if ``path``'s folder cannot take a new file, before any long work."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=path.parent):
            pass
    except OSError as exc:
        raise CannotWrite(f"cannot write {path}: {_reason(exc)}. Choose another folder with --out.") from None


@contextlib.contextmanager
def atomic_target(path: Path) -> Iterator[Path]:
    """A temporary path in ``path``'s folder to write to; renamed onto ``path`` when the block ends without an
    error, deleted otherwise. Raises :class:`CannotWrite` with a plain reason when the folder cannot be written."""
    folder = path.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".partial", dir=folder)
        os.close(handle)
    except OSError as exc:
        raise CannotWrite(f"cannot write {path}: {_reason(exc)}. Choose another folder with --out.") from None
    temp = Path(name)
    try:
        yield temp
        # mkstemp makes the file private (0600); give it the mode a plainly created file would have.
        try:
            mode = path.stat().st_mode & 0o777
        except OSError:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        os.chmod(temp, mode)
        os.replace(temp, path)
    except Exception as exc:
        temp.unlink(missing_ok=True)
        # A writer may wrap the disk's error in its own (xlsxwriter's FileCreateError around a full disk's OSError).
        cause = next((e for e in (exc, exc.__cause__, exc.__context__, *exc.args) if isinstance(e, OSError)), None)
        if cause is None:
            raise
        raise CannotWrite(f"cannot write {path}: {_reason(cause)}. The old file, if any, is unchanged.") from None
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
