"""A store with damaged manifests, dangling links and what killed commands left behind."""

from __future__ import annotations

import json
import shutil
import subprocess
import time

import pytest
from llmspell import BadInputError, DownloadError, Manager, ModelNotFoundError, SpecError

from tests.cli.helpers import LLMSPELL, llmspell
from tests.gguf.models.conftest import SMOL_FILE

GOOD = {"name": "bad:1", "file": "x.gguf", "source": "import:/x.gguf", "size": 1}


@pytest.mark.parametrize(
    ("content", "why"),
    [
        ("[1, 2]", "it holds a JSON array, not an object"),
        (json.dumps({**GOOD, "size": "big"}), "its 'size' is a JSON string"),
        (json.dumps({**GOOD, "name": 5}), "its 'name' is a JSON number"),
        (json.dumps({**GOOD, "linked": "yes"}), "its 'linked' is a JSON string"),
        (json.dumps({**GOOD, "file": "../../escape.gguf"}), "is not a safe file name"),
        ('{"name": ', "it is not valid JSON"),
        (json.dumps({"name": "bad:1"}), "it has no 'file'"),
    ],
)
def test_a_damaged_manifest_is_reported_and_skipped_and_other_models_stay_usable(
    smollm2_path, model_dir, content, why
):
    m = Manager()
    m.import_file(str(smollm2_path), "good:1", link=True)
    m.import_file(str(smollm2_path), "bad:1", link=True)
    (model_dir / "bad@1" / "manifest.json").write_text(content)

    assert [x.name for x in m.list_models("gguf")] == ["good:1"]
    assert m.info("good:1").architecture == "llama"
    (health,) = [s for s in m.status() if s.backend == "gguf"]
    assert health.healthy and health.model_count == 1
    (note,) = health.notes
    assert note.startswith(f"skipped {model_dir / 'bad@1' / 'manifest.json'}: ")
    assert why in note
    assert note.endswith(
        "Remove the model with llmspell model remove gguf/bad:1, then pull or import it again."
    )
    with pytest.raises(ModelNotFoundError, match="The GGUF model bad:1 cannot be used: skipped"):
        m.info("bad:1")
    m.remove("bad:1")
    assert not (model_dir / "bad@1").exists()


def test_model_list_on_the_command_line_notes_a_damaged_manifest(smollm2_path, model_dir):
    for name in ("good:1", "bad:1"):
        llmspell("model", "import", str(smollm2_path), "--name", name, "--link")
    (model_dir / "bad@1" / "manifest.json").write_text("[]")

    result = llmspell("model", "list")

    assert result.returncode == 0, result.stderr
    assert "good:1" in result.stdout and "bad:1" not in result.stdout
    assert f"skipped {model_dir / 'bad@1' / 'manifest.json'}: it holds a JSON array" in (
        result.stderr
    )
    status = llmspell("model", "status").stdout
    assert f"gguf: note: skipped {model_dir / 'bad@1' / 'manifest.json'}: it holds" in status


def test_removing_a_model_that_is_not_there_does_not_say_pull_it_first():
    result = llmspell("model", "remove", "ghost:1", "-y")
    assert result.returncode == 1
    assert result.stderr.startswith(
        "Error: Nothing to remove: no installed backend has 'ghost:1' (installed: "
    )
    assert result.stderr.endswith("llmspell model list shows what is installed.\n")
    assert "Pull it first" not in result.stderr


def test_import_name_with_a_backend_says_to_drop_it(smollm2_path):
    result = llmspell("model", "import", str(smollm2_path), "--name", "x@gguf")
    assert result.returncode == 2
    assert result.stderr == (
        "Error: 'x@gguf' cannot name a model: a name has no @backend. "
        "Use 'x' (pick the backend with --backend gguf if needed).\n"
    )


def test_a_name_too_long_for_a_file_name_is_bad_input(smollm2_path):
    with pytest.raises(SpecError, match=r"is 300 bytes long; a model name may have at most 200"):
        Manager().import_file(str(smollm2_path), "a" * 300, link=True)


def test_a_dangling_linked_model_is_listed_as_such_and_removed_by_its_plain_name(
    smollm2_path, tmp_path
):
    moved = tmp_path / "moved.gguf"
    shutil.copyfile(smollm2_path, moved)
    m = Manager()
    m.import_file(str(moved), "fragile:1", link=True)
    moved.unlink()

    (listed,) = m.list_models("gguf")
    assert listed.status == "dangling" and listed.to_dict()["status"] == "dangling"
    rows = [line.split() for line in llmspell("model", "list").stdout.splitlines()]
    assert rows[0][-1] == "STATUS" and rows[1][:2] == ["fragile:1", "gguf"]
    assert rows[1][-1] == "dangling"
    with pytest.raises(ModelNotFoundError, match=r"The GGUF file of fragile:1 is gone"):
        m.info("fragile:1")
    result = llmspell("model", "remove", "fragile:1", "-y")
    assert (result.returncode, result.stdout) == (0, "Removed gguf/fragile:1.\n")
    assert list(m.list_models("gguf")) == []


def test_lock_files_are_removed_when_released(hub, manager, model_dir):
    for _ in range(3):
        with pytest.raises(ModelNotFoundError):
            manager.pull("gguf/hf.co/test-org/nothing:Q4_K_M")
    manager.pull("gguf/hf.co/test-org/tiny-GGUF:F16")
    manager.remove("gguf/hf.co/test-org/tiny-GGUF:F16")
    assert list((model_dir / ".locks").iterdir()) == []


def test_a_killed_import_copy_is_cleaned_by_the_next_command(smollm2_path, model_dir):
    # What `kill -9` during `model import` leaves: an entry holding only the half copy.
    entry = model_dir / "half@1"
    entry.mkdir(parents=True)
    (entry / "model.gguf.partial").write_bytes(b"GGUF" + b"\0" * 1000)
    stale_lock = model_dir / ".locks" / "half@1.lock"
    stale_lock.parent.mkdir()
    stale_lock.touch()

    result = llmspell("model", "list")

    assert "half" not in result.stdout
    assert not entry.exists() and not stale_lock.exists()


def test_an_interrupted_download_is_kept_for_the_resume_and_never_listed(
    hub, manager, model_dir, smollm2_path
):
    hub.drop_first_download = True
    with pytest.raises(DownloadError, match="interrupted"):
        manager.pull("gguf/smol:135m")
    partial = model_dir / "smol@135m" / "SmolLM2-135M-Instruct.Q4_1.gguf.partial"
    kept = partial.stat().st_size

    assert list(manager.list_models("gguf")) == []
    assert partial.stat().st_size == kept  # `list` tidied, but kept the resumable download
    manager.pull("gguf/smol:135m")
    assert [x.name for x in manager.list_models("gguf")] == ["smol:135m"]


def test_import_over_a_damaged_entry_says_how_to_clear_it(smollm2_path, model_dir):
    m = Manager()
    m.import_file(str(smollm2_path), "bad:1", link=True)
    (model_dir / "bad@1" / "manifest.json").write_text("{}")
    with pytest.raises(BadInputError, match=r"skipped .*manifest\.json: it has no 'name'"):
        m.import_file(str(smollm2_path), "bad:1", link=True)


def test_a_pull_killed_mid_download_is_never_listed_and_the_next_pull_resumes_it(
    hub, config_file, model_dir
):
    hub.bytes_per_second = 20_000_000  # about 5 s for SmolLM2's 98 MB
    partial = model_dir / "smol@135m" / f"{SMOL_FILE}.partial"
    pull = subprocess.Popen(
        [LLMSPELL, "model", "pull", "gguf/smol:135m"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while not (partial.exists() and partial.stat().st_size > 4_000_000):
        assert time.monotonic() < deadline and pull.poll() is None
        time.sleep(0.05)
    pull.kill()  # SIGKILL: no cleanup of any kind
    pull.wait()
    hub.bytes_per_second = None

    listed = llmspell("model", "list")

    assert "smol" not in listed.stdout
    assert partial.exists() and partial.with_name(partial.name + ".json").exists()
    assert list((model_dir / ".locks").iterdir()) == []  # the dead holder's lock file is gone
    resumed = llmspell("model", "pull", "gguf/smol:135m")
    assert resumed.returncode == 0, resumed.stderr
    assert "resuming SmolLM2-135M-Instruct.Q4_1.gguf" in resumed.stderr
