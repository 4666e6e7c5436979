"""Path confinement for internal mode: every way out of the work directory is refused."""

import os

import pytest

from messages_api.claude.workdir import OutsideWorkdir, confined


@pytest.fixture
def workdir(tmp_path):
    root = tmp_path / "work"
    (root / "src" / "pkg").mkdir(parents=True)
    (root / "src" / "main.py").write_text("print('hi')\n")
    (tmp_path / "secret.txt").write_text("outside\n")
    os.symlink(tmp_path / "secret.txt", root / "link-out")
    os.symlink(tmp_path, root / "dir-link-out")
    os.symlink(root / "src" / "main.py", root / "link-in")
    os.symlink(root / "missing-target", root / "dangling-in")
    os.symlink("../secret.txt", root / "relative-link-out")
    return root


INSIDE = [
    ("src/main.py", "src/main.py"),
    ("./src/main.py", "src/main.py"),
    ("src/pkg/../main.py", "src/main.py"),
    ("src/./pkg", "src/pkg"),
    ("new-file.txt", "new-file.txt"),
    ("src/new/deeper/file.txt", "src/new/deeper/file.txt"),
    ("link-in", "src/main.py"),
    ("dangling-in", "missing-target"),
    (".", ""),
    ("src//main.py", "src/main.py"),
    ("src/pkg/..", "src"),
    ("a file with spaces.txt", "a file with spaces.txt"),
]

OUTSIDE = [
    "../secret.txt",
    "..",
    "src/../../secret.txt",
    "src/pkg/../../..",
    "/etc/passwd",
    "/",
    "/tmp",
    "~",
    "~/.ssh/id_rsa",
    "~root",
    "link-out",
    "dir-link-out/secret.txt",
    "dir-link-out",
    "relative-link-out",
    "src/main.py\0.txt",
    "",
    "   ",
    "../work-sibling/file",
]


@pytest.mark.parametrize(("path", "inside"), INSIDE)
def test_it_resolves_a_path_that_stays_inside(workdir, path, inside):
    assert confined(workdir, path) == (workdir / inside).resolve()


@pytest.mark.parametrize("path", OUTSIDE)
def test_it_refuses_a_path_that_leaves_the_work_directory(workdir, path):
    with pytest.raises(OutsideWorkdir):
        confined(workdir, path)


def test_it_accepts_an_absolute_path_inside_the_work_directory(workdir):
    assert confined(workdir, str(workdir / "src" / "main.py")) == (workdir / "src" / "main.py").resolve()


def test_it_refuses_what_is_not_a_string(workdir):
    with pytest.raises(OutsideWorkdir):
        confined(workdir, None)
