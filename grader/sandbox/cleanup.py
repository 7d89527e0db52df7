"""Removing a directory tree that learner code may have shaped, without recursion and without raising.

``shutil.rmtree`` recurses once per level (a 1,500-deep chain of folders raises ``RecursionError``,
which ``ignore_errors`` does not cover) and builds ever longer paths (past ``PATH_MAX`` it fails).
``remove_tree`` walks with one open directory at a time, relative to it (``dir_fd``), climbing back
through ``..``; it never follows a symlink, never raises, and gives up on what it cannot remove
instead of retrying it, so it always ends.
"""
from __future__ import annotations

import os
import stat

_DIRECTORY = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
MAX_ENTRIES = 1_000_000  # a bound on the work, whatever the tree


def remove_tree(path: str | os.PathLike[str]) -> bool:
    """Remove ``path`` (a directory and everything in it, or a file); True when it is gone.

    Never raises: what cannot be removed is left, and the answer is False."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return True
    except OSError:
        return False
    try:
        if not stat.S_ISDIR(info.st_mode):
            os.unlink(path)
            return True
        _empty(os.open(path, _DIRECTORY))
        os.rmdir(path)
        return True
    except OSError:
        return False


def _empty(top: int) -> None:
    """Remove everything inside the directory open as ``top`` (closed on return)."""
    current = top
    names: list[str] = []  # the folders descended into, from the top down
    stuck: list[set[str]] = [set()]  # per level, the entries that could not be removed
    budget = MAX_ENTRIES
    try:
        while budget > 0:
            budget -= 1
            child = _next_folder(current, stuck[-1])
            if child is not None:
                try:
                    fd = os.open(child, _DIRECTORY, dir_fd=current)
                except OSError:
                    stuck[-1].add(child)
                    continue
                os.close(current)
                current = fd
                names.append(child)
                stuck.append(set())
                continue
            if not names:
                return  # the top is as empty as it can be made
            parent = os.open("..", _DIRECTORY, dir_fd=current)
            os.close(current)
            current = parent
            name = names.pop()
            stuck.pop()
            try:
                os.rmdir(name, dir_fd=current)
            except OSError:
                stuck[-1].add(name)
    finally:
        os.close(current)


def _next_folder(fd: int, stuck: set[str]) -> str | None:
    """Unlink every non-folder entry of the directory ``fd``; return one sub-folder not yet stuck
    (None when there is none)."""
    try:
        with os.scandir(fd) as entries:
            listed = [(entry.name, entry.is_dir(follow_symlinks=False)) for entry in entries]
    except OSError:
        return None
    folder = None
    for name, is_dir in listed:
        if name in stuck:
            continue
        if is_dir:
            folder = folder or name
            continue
        try:
            os.unlink(name, dir_fd=fd)
        except OSError:
            stuck.add(name)
    return folder
