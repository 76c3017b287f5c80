"""Every file-system fault the model store meets is a sentence and an exit code, never a bug.

Each row drives the fault for real through `llmspell model import` (a path too long, a file
where a folder should be, a symlink loop, something in the way, a folder that cannot be
written, a read-only mount); a full disk is met in the middle of a real download. Rows that
need root (mounts, immutable folders) skip cleanly without it.
"""

from __future__ import annotations

import contextlib
import errno
import os
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import gguf
import numpy as np
import pytest
from llmspell import Manager, RuntimeFailure

from tests.cli.helpers import llmspell


def use_model_directory(home: Path, directory: Path) -> None:
    (home / "llmspell.toml").write_text(
        f'[providers.gguf.options]\nmodel_directory = "{directory}"\n'
    )


@contextlib.contextmanager
def mounted_tmpfs(where: Path, options: str) -> Iterator[Path]:
    where.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(where)], capture_output=True
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({done.stderr.decode().strip()})")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def too_long(tmp: Path) -> Iterator[Path]:
    yield tmp / ("a" * 300)


def a_file(tmp: Path) -> Iterator[Path]:
    (tmp / "models").write_text("not a folder")
    yield tmp / "models"


def a_loop(tmp: Path) -> Iterator[Path]:
    os.symlink("loop", tmp / "loop")
    yield tmp / "loop"


def entry_is_a_file(tmp: Path) -> Iterator[Path]:
    (tmp / "models").mkdir()
    (tmp / "models" / "mine@1").write_text("in the way")
    yield tmp / "models"


def not_writable(tmp: Path) -> Iterator[Path]:
    folder = tmp / "models"
    folder.mkdir()
    if os.geteuid() != 0:
        folder.chmod(0o555)  # EACCES
        yield folder
        folder.chmod(0o755)
        return
    # Root ignores permission bits; an immutable folder refuses even root (EPERM).
    if subprocess.run(["chattr", "+i", str(folder)], capture_output=True).returncode != 0:
        pytest.skip("running as root on a file system without chattr +i")
    try:
        yield folder
    finally:
        subprocess.run(["chattr", "-i", str(folder)], check=False)


def read_only(tmp: Path) -> Iterator[Path]:
    with mounted_tmpfs(tmp / "ro", "ro,size=1m") as folder:
        yield folder


CASES: list[tuple[str, Callable[[Path], Iterator[Path]], int, str]] = [
    ("ENAMETOOLONG", too_long, 2, "is too long for this file system. Use a shorter model name"),
    ("ENOTDIR", a_file, 2, "is a file where a folder should be. Move that file away, or set"),
    ("ELOOP", a_loop, 2, "goes through a symbolic link that points back to itself"),
    ("EEXIST", entry_is_a_file, 1, "mine@1 already exists and is in the way. Move it away"),
    ("EACCES/EPERM", not_writable, 1, "permission denied for"),
    ("EROFS", read_only, 1, "is on a read-only file system. Set model_directory in"),
]


@pytest.mark.parametrize(("fault", "setup", "code", "sentence"), CASES, ids=[c[0] for c in CASES])
def test_import_into_a_faulty_model_directory_says_what_is_wrong(
    fault, setup, code, sentence, isolated_home, tmp_path, smollm2_path
):
    maker = setup(tmp_path)
    directory = next(maker)
    use_model_directory(isolated_home, directory)
    try:
        result = llmspell("model", "import", str(smollm2_path), "--name", "mine:1", "--link")
    finally:
        next(maker, None)

    assert result.returncode == code, result.stderr
    assert result.stderr.startswith("Error: Cannot finish importing mine:1: ")
    assert sentence in result.stderr
    assert "This is a bug" not in result.stderr and len(result.stderr.splitlines()) == 1


def big_gguf(path: Path, megabytes: int) -> Path:
    """A valid GGUF of a few MB (one tensor), so a download takes several chunks."""
    w = gguf.GGUFWriter(str(path), "llama")
    w.add_tensor("token_embd.weight", np.zeros((megabytes * 256, 1024), np.float32))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    return path


def test_a_disk_that_fills_up_during_a_download_keeps_the_partial_for_the_resume(
    hub, isolated_home, tmp_path, monkeypatch
):
    model = big_gguf(tmp_path / "big-F32.gguf", 4)
    hub.add_file("test-org/big-GGUF", "big-F32.gguf", model)
    with mounted_tmpfs(tmp_path / "small", "size=72m") as disk:
        use_model_directory(isolated_home, disk / "models")
        filler = disk / "filler"

        def another_program_fills_the_disk(event):
            if event.completed and not filler.exists():
                with open(filler, "wb") as fh, contextlib.suppress(OSError):
                    while True:
                        fh.write(b"\0" * (1 << 20))

        with pytest.raises(RuntimeFailure) as caught:
            Manager().pull(
                "gguf/hf.co/test-org/big-GGUF:F32", progress=another_program_fills_the_disk
            )

        assert caught.value.exit_code == 1
        assert str(caught.value) == (
            f"Cannot finish pulling hf.co/test-org/big-GGUF:F32: the disk holding "
            f"{disk / 'models'} is full. Free some space (or set model_directory in "
            "[providers.gguf.options] to a larger disk) and run the same command again; a "
            "download resumes where it stopped."
        )
        partial = disk / "models" / "hf.co=test-org=big-GGUF@F32" / "big-F32.gguf.partial"
        assert partial.stat().st_size > 0
        filler.unlink()

        pulled = Manager().pull("gguf/hf.co/test-org/big-GGUF:F32").model

        assert pulled.path.read_bytes() == model.read_bytes()
        assert any(r.range for r in hub.downloads())  # resumed, not started over


def test_the_sentences_cover_every_errno_the_issue_lists(tmp_path):
    from llmspell_gguf.oserrors import explain

    for code in (errno.ENAMETOOLONG, errno.ENOTDIR, errno.EACCES, errno.EROFS, errno.ENOSPC,
                 errno.EEXIST, errno.ELOOP):  # fmt: skip
        said = explain(OSError(code, os.strerror(code), "/x"), tmp_path, "doing it")
        assert said.message.startswith("Cannot finish doing it: ")
        assert os.strerror(code) not in said.message  # a sentence of ours, not the errno text


def test_a_model_directory_that_is_a_file_is_said_by_list_not_hidden(isolated_home, tmp_path):
    a_file = tmp_path / "models"
    a_file.write_text("not a folder")
    use_model_directory(isolated_home, a_file)
    sentence = (
        f"Cannot finish listing the GGUF models: part of {a_file} is a file where a folder "
        "should be. Move that file away, or set model_directory in [providers.gguf.options] "
        "to a folder."
    )

    everything = llmspell("model", "list")
    only_gguf = llmspell("model", "list", "--backend", "gguf")

    assert everything.returncode == 0
    assert f"Note: skipped gguf: {sentence.split('. ')[0]}" in everything.stderr  # short form
    assert (only_gguf.returncode, only_gguf.stderr) == (2, f"Error: {sentence}\n")


def test_a_name_longer_than_a_file_name_allows_is_bad_input_for_pull_and_import(smollm2_path):
    long_repo = "hf.co/owner/" + "r" * 250 + ":Q4_K_M"
    pulled = llmspell("model", "pull", f"gguf/{long_repo}")
    imported = llmspell("model", "import", str(smollm2_path), "--name", "n" * 300)

    assert pulled.returncode == imported.returncode == 2
    assert "bytes long; a model name may have at most 200. Choose a shorter name." in pulled.stderr
    assert imported.stderr == (
        f"Error: The model name {'n' * 40}… is 300 bytes long; a model name may have at most "
        "200. Choose a shorter name.\n"
    )
