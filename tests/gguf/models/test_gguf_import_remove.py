"""Importing GGUFs already on disk, listing them, `info`, and removing them, via the manager."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys

import pytest
from llmspell import BadInputError, Manager, ModelNotFoundError, SpecError


def sha256(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_import_copies_the_file_and_records_its_checksum(smollm2_path, model_dir):
    model = Manager().import_file(str(smollm2_path), "smollm2:135m")

    assert model.id == "gguf/smollm2:135m"
    assert model.path == model_dir / "smollm2@135m" / smollm2_path.name
    assert not model.path.is_symlink()
    manifest = json.loads((model.path.parent / "manifest.json").read_text())
    assert manifest["sha256"] == sha256(smollm2_path) == model.details["sha256"]
    assert manifest["source"] == f"import:{smollm2_path}"
    assert (manifest["quantization"], manifest["size"]) == ("Q4_1", smollm2_path.stat().st_size)


def test_import_by_link_points_at_the_original(smollm2_path):
    model = Manager().import_file(str(smollm2_path), "smollm2:135m", link=True)

    assert model.path.is_symlink() and model.path.resolve() == smollm2_path.resolve()
    assert model.details["linked"] is True
    # Importing the same file again under the same name is a no-op, not an error.
    assert Manager().import_file(str(smollm2_path), "smollm2:135m", link=True).path == model.path


def test_import_names_the_model_from_its_metadata_when_no_name_is_given(smollm2_path, gemma3_path):
    m = Manager()
    assert m.import_file(str(smollm2_path), link=True).name == "smollm2:135m"
    assert m.import_file(str(gemma3_path), link=True).name == "gemma-3:270m"


def test_import_refuses_a_file_that_is_not_gguf(tmp_path, model_dir):
    junk = tmp_path / "model.gguf"
    junk.write_bytes(os.urandom(10_000))
    with pytest.raises(BadInputError, match="is not a GGUF model file"):
        Manager().import_file(str(junk), "junk:1b")
    with pytest.raises(BadInputError, match="There is no file at"):
        Manager().import_file(str(tmp_path / "missing.gguf"), "junk:1b")
    assert Manager().list_models("gguf") == []


def test_import_refuses_a_truncated_model(smollm2_path, tmp_path):
    cut = tmp_path / "cut.gguf"
    with open(smollm2_path, "rb") as fh:
        cut.write_bytes(fh.read(20_000_000))
    with pytest.raises(BadInputError, match="is truncated"):
        Manager().import_file(str(cut), "cut:1b")


def test_import_refuses_names_that_could_leave_the_model_directory(smollm2_path):
    for bad in ("../evil", "a/../../b", "/abs", "local/x:1b", "x@ollama"):
        with pytest.raises(SpecError):
            Manager().import_file(str(smollm2_path), bad, link=True)


def test_a_second_model_under_a_taken_name_is_refused(smollm2_path, gemma3_path):
    m = Manager()
    m.import_file(str(smollm2_path), "mine:1", link=True)
    with pytest.raises(BadInputError, match="already exists; remove it first"):
        m.import_file(str(gemma3_path), "mine:1", link=True)


def test_list_shows_name_size_quantization_and_modified_time(smollm2_path, gemma3_path):
    m = Manager()
    m.import_file(str(smollm2_path), "smollm2:135m", link=True)
    m.import_file(str(gemma3_path), "gemma3:270m", link=True)

    listed = {x.name: x for x in m.list_models("gguf")}

    assert sorted(listed) == ["gemma3:270m", "smollm2:135m"]
    assert listed["smollm2:135m"].size_bytes == smollm2_path.stat().st_size
    assert listed["gemma3:270m"].quantization == "Q4_K_M"
    assert all(isinstance(x.modified_at, float) for x in listed.values())


def test_info_of_smollm2_reports_llama_with_a_chat_template(smollm2_path):
    m = Manager()
    m.import_file(str(smollm2_path), "smollm2:135m", link=True)
    m.unload()  # loaded models are shared by the whole process; earlier tests may have one

    info = m.info("gguf/smollm2:135m")

    assert (info.format, info.architecture, info.quantization) == ("gguf", "llama", "Q4_1")
    assert (info.parameter_count, info.context_length) == (134_515_008, 8192)
    assert info.has_chat_template is True
    assert info.license == "apache-2.0"
    assert info.size_bytes == smollm2_path.stat().st_size
    assert info.path.resolve() == smollm2_path.resolve()
    assert info.loaded is False
    assert (info.details["layers"], info.details["embedding_length"]) == (30, 576)
    assert info.details["name"].startswith("Smollm2 135M")


def test_info_of_gemma3_says_it_has_no_chat_template(gemma3_path):
    m = Manager()
    m.import_file(str(gemma3_path), "gemma3:270m", link=True)

    info = m.info("gemma3:270m@gguf")

    assert (info.architecture, info.has_chat_template, info.context_length) == (
        "gemma3",
        False,
        32768,
    )
    assert info.details["layers"] == 18


def test_list_and_info_read_headers_without_loading_the_model(smollm2_path, isolated_home):
    Manager().import_file(str(smollm2_path), "smollm2:135m", link=True)
    code = (
        "import sys; from llmspell import Manager; m = Manager(); "
        "assert [x.name for x in m.list_models('gguf')] == ['smollm2:135m']; "
        "assert m.info('gguf/smollm2:135m').architecture == 'llama'; "
        "print('llama_cpp' in sys.modules)"
    )
    env = {**os.environ, "LLMSPELL_HOME": str(isolated_home)}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"


def test_remove_deletes_the_entry_but_never_a_linked_original(smollm2_path, model_dir):
    m = Manager()
    m.import_file(str(smollm2_path), "smollm2:135m", link=True)

    m.remove("gguf/smollm2:135m")

    assert m.list_models("gguf") == []
    assert not (model_dir / "smollm2@135m").exists()
    assert smollm2_path.is_file() and smollm2_path.stat().st_size > 90_000_000


def test_remove_of_a_copy_frees_its_space(smollm2_path, model_dir):
    m = Manager()
    model = m.import_file(str(smollm2_path), "copy:1")
    m.remove("copy:1@gguf")
    assert not model.path.exists()
    assert sorted(p.name for p in model_dir.iterdir()) == [".locks"]


def test_remove_of_an_unknown_model_says_it_is_not_there():
    with pytest.raises(ModelNotFoundError, match="no model 'ghost:1b' to remove"):
        Manager().remove("gguf/ghost:1b")


def test_a_model_whose_linked_file_vanished_says_how_to_recover(smollm2_path, tmp_path):
    moved = tmp_path / "moved.gguf"
    shutil.copyfile(smollm2_path, moved)
    m = Manager()
    m.import_file(str(moved), "fragile:1", link=True)
    moved.unlink()

    assert m.list_models("gguf")[0].details.get("missing") is True
    with pytest.raises(ModelNotFoundError, match=r"is gone.*llmspell model remove gguf/fragile:1"):
        m.info("gguf/fragile:1")
    m.remove("gguf/fragile:1")
    assert m.list_models("gguf") == []


def test_model_directory_comes_from_config(smollm2_path, isolated_home, tmp_path):
    elsewhere = tmp_path / "my-models"
    (isolated_home / "llmspell.toml").write_text(
        f'[providers.gguf.options]\nmodel_directory = "{elsewhere}"\n'
    )
    model = Manager().import_file(str(smollm2_path), "smollm2:135m", link=True)
    assert model.path.parent.parent == elsewhere
