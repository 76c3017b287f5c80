"""Remote file names are data, never paths: a hub cannot make a pull write outside the store.

Real `huggingface_hub` against the local hub (`tests/support/hf_server.py`), which can list
files in folders and, playing a hostile mirror, names that climb out of a repo.
"""

from __future__ import annotations

import hashlib
import json
import os

import pytest
from llmspell import DownloadError, RuntimeFailure
from llmspell_gguf.layout import UnsafeFileName, local_file_name

EVIL_REPO = "test-org/evil-GGUF"
NESTED_REPO = "test-org/nested-GGUF"


def sha256(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def files_under(folder) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def test_a_file_in_a_repo_subfolder_is_pulled_into_the_entry_under_its_base_name(
    hub, manager, model_dir, tiny_ggufs
):
    hub.add_file(NESTED_REPO, "quants/deeper/tiny-F16.gguf", tiny_ggufs["F16"])

    model = manager.pull(f"gguf/hf.co/{NESTED_REPO}:F16").model

    entry = model_dir / "hf.co=test-org=nested-GGUF@F16"
    assert model.path == entry / "tiny-F16.gguf"
    assert sha256(model.path) == sha256(tiny_ggufs["F16"])
    assert json.loads((entry / "manifest.json").read_text())["file"] == "tiny-F16.gguf"
    assert files_under(entry) == ["manifest.json", "tiny-F16.gguf"]


def test_a_hub_file_name_that_climbs_out_of_the_store_is_refused_before_any_write(
    hub, manager, model_dir, isolated_home, tiny_ggufs
):
    # From the model's entry, four `..` reach the folder that holds LLMSPELL_HOME.
    outside = isolated_home.parent / f"outside-{isolated_home.name}"
    outside.mkdir()
    hostile = f"../../../../{outside.name}/evil-Q8_0.gguf"
    hub.add_file(EVIL_REPO, hostile, tiny_ggufs["F16"])

    with pytest.raises(DownloadError) as caught:
        manager.pull(f"gguf/hf.co/{EVIL_REPO}:Q8_0")

    assert str(caught.value) == (
        f"{EVIL_REPO} lists a file as {hostile!r}, which llmspell refuses to write (it climbs "
        "out of its folder or has an empty part). Nothing was downloaded; report it to the "
        "repo's owner or pull another quantization."
    )
    assert files_under(outside) == []
    assert not hub.downloads()
    assert [p.name for p in model_dir.iterdir()] == [".locks"]
    assert list(manager.list_models("gguf")) == []


def test_a_hostile_name_cannot_shadow_a_real_file_of_the_same_quantization(
    hub, manager, tiny_ggufs
):
    hub.add_file(NESTED_REPO, "../aaa/evil-F16.gguf", tiny_ggufs["F32"])
    hub.add_file(NESTED_REPO, "tiny-F16.gguf", tiny_ggufs["F16"])

    model = manager.pull(f"gguf/hf.co/{NESTED_REPO}:F16").model

    assert sha256(model.path) == sha256(tiny_ggufs["F16"])


@pytest.mark.parametrize(
    ("remote", "why"),
    [
        ("../evil.gguf", "it climbs out of its folder or has an empty part"),
        ("sub/../../evil.gguf", "it climbs out of its folder or has an empty part"),
        ("sub//evil.gguf", "it climbs out of its folder or has an empty part"),
        ("./evil.gguf", "it climbs out of its folder or has an empty part"),
        ("/etc/evil.gguf", "it is an absolute path"),
        ("~/evil.gguf", "it is an absolute path"),
        ("C:evil.gguf", "it is an absolute path"),
        ("sub\\..\\evil.gguf", "it holds a backslash"),
        ("evil\n.gguf", "it holds control characters"),
        ("evil\x00.gguf", "it holds control characters"),
        ("", "it is empty"),
    ],
)
def test_unsafe_remote_names_are_refused(remote, why):
    with pytest.raises(UnsafeFileName, match=f"is not a safe file name: {why}"):
        local_file_name(remote)


def test_safe_remote_names_become_their_base_name():
    assert local_file_name("model-Q4_K_M.gguf") == "model-Q4_K_M.gguf"
    assert local_file_name("sub/dir/model-Q4_K_M.gguf") == "model-Q4_K_M.gguf"
    assert local_file_name("weird name (1).gguf") == "weird name (1).gguf"


def test_a_planted_symlink_cannot_redirect_a_pull_outside_the_store(
    hub, manager, model_dir, tmp_path
):
    """An entry that is a link to a folder elsewhere is refused, never written through."""
    elsewhere = tmp_path / "victim"
    elsewhere.mkdir()
    model_dir.mkdir(parents=True)
    os.symlink(elsewhere, model_dir / "hf.co=test-org=tiny-GGUF@F16")

    with pytest.raises(RuntimeFailure, match=r"Refusing to write .* outside the model directory"):
        manager.pull("gguf/hf.co/test-org/tiny-GGUF:F16")

    assert files_under(elsewhere) == []
