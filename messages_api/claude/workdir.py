"""Paths confined to the work directory: the heart of internal mode's safety.

Pure but for the filesystem reads that resolving a path needs (symlinks are followed,
so a link that points out is caught where it leads, not where it stands).
"""

import os
from pathlib import Path


class OutsideWorkdir(ValueError):
    """A path that leaves the work directory, or is no path at all."""


def confined(workdir, path):
    """`path` (relative to `workdir`, or absolute) resolved, if it stays inside `workdir`.

    `..`, absolute paths, `~`, symlinks that lead out and NUL bytes are refused with
    OutsideWorkdir. The path itself need not exist (a file about to be written).
    """
    if not isinstance(path, str) or not path.strip():
        raise OutsideWorkdir("a path is required")
    if "\0" in path:
        raise OutsideWorkdir("the path holds a NUL byte")
    if path.startswith("~"):
        raise OutsideWorkdir(f"{path}: home directories are outside the work directory")
    root = Path(os.path.realpath(workdir))
    resolved = Path(os.path.realpath(root / path))
    if resolved != root and root not in resolved.parents:
        raise OutsideWorkdir(f"{path}: outside the work directory")
    return resolved
