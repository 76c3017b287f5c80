"""Pulling from Hugging Face: real `huggingface_hub` against a local hub serving real GGUFs."""

from __future__ import annotations

import hashlib
import json
import threading

import pytest
from conftest import SMOL_FILE, SMOL_REPO, TINY_REPO
from llmspell import BadInputError, DownloadError, ModelNotFoundError


def sha256(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_pull_of_an_hf_reference_downloads_verifies_and_records_the_model(
    hub, manager, model_dir, tiny_ggufs
):
    events = []
    model = manager.pull("gguf/hf.co/test-org/tiny-GGUF:F16", progress=events.append).model

    assert model.name == "hf.co/test-org/tiny-GGUF:F16"
    assert model.quantization == "F16"
    assert sha256(model.path) == sha256(tiny_ggufs["F16"])
    manifest = json.loads((model.path.parent / "manifest.json").read_text())
    assert manifest["source"] == f"hf:{TINY_REPO}"
    assert manifest["sha256"] == sha256(tiny_ggufs["F16"])
    assert manifest["revision"] == hub.commits[TINY_REPO]
    assert manifest["size"] == tiny_ggufs["F16"].stat().st_size
    assert [m.name for m in manager.list_models("gguf")] == ["hf.co/test-org/tiny-GGUF:F16"]
    # Only verified bytes were renamed into place; no temporary file is left.
    assert sorted(p.name for p in model.path.parent.iterdir()) == ["manifest.json", "tiny-F16.gguf"]


def test_pull_reports_byte_progress_up_to_the_total(hub, manager, smollm2_path):
    events = []
    manager.pull("gguf/smol:135m", progress=events.append)

    downloading = [e for e in events if e.status.startswith("downloading")]
    total = smollm2_path.stat().st_size
    assert downloading and all(e.total == total for e in downloading)
    done = [e.completed for e in downloading]
    assert done == sorted(done) and done[-1] == total
    assert len(downloading) > 10  # live progress, not one event at the end
    assert events[-1].status == "success"


def test_catalog_entry_from_config_pulls_the_named_quantization(hub, manager, tiny_ggufs):
    model = manager.pull("gguf/tiny:1m", quantization="f32").model
    assert model.quantization == "F32"
    assert sha256(model.path) == sha256(tiny_ggufs["F32"])


def test_unknown_quantization_of_a_catalog_model_is_bad_input(hub, manager):
    with pytest.raises(BadInputError, match="F16, F32"):
        manager.pull("gguf/tiny:1m", quantization="Q4_K_M")


def test_hf_reference_without_quantization_must_name_one_when_the_repo_has_several(hub, manager):
    with pytest.raises(BadInputError, match=r"hf\.co/test-org/tiny-GGUF:F16"):
        manager.pull("gguf/hf.co/test-org/tiny-GGUF")


def test_unknown_repo_is_reported_as_not_found(hub, manager):
    with pytest.raises(ModelNotFoundError, match="no repo test-org/nothing"):
        manager.pull("gguf/hf.co/test-org/nothing:Q4_K_M")


def test_an_interrupted_download_keeps_the_partial_and_the_next_pull_resumes_it(
    hub, manager, model_dir, smollm2_path
):
    hub.drop_first_download = True
    with pytest.raises(DownloadError, match=r"interrupted.*Run the same pull again to resume"):
        manager.pull("gguf/smol:135m")

    entry = model_dir / "smol@135m"
    partial = entry / f"{SMOL_FILE}.partial"
    kept = partial.stat().st_size
    assert 0 < kept < smollm2_path.stat().st_size
    assert not (entry / "manifest.json").exists()
    assert manager.list_models("gguf") == []  # a partial is not a model

    events = []
    model = manager.pull("gguf/smol:135m", progress=events.append).model

    assert [d.range for d in hub.downloads()] == [None, f"bytes={kept}-"]
    assert any(e.status.startswith("resuming") for e in events)
    (first,) = [e for e in events if e.status.startswith("downloading")][:1]
    assert first.completed == kept
    assert sha256(model.path) == sha256(smollm2_path)
    assert not partial.exists()


def test_a_wrong_checksum_is_rejected_and_nothing_is_left_behind(hub, manager, model_dir):
    hub.wrong_sha256 = True
    with pytest.raises(DownloadError, match=r"failed verification.*Nothing was kept"):
        manager.pull("gguf/hf.co/test-org/tiny-GGUF:F32")

    assert manager.list_models("gguf") == []
    assert [p.name for p in model_dir.iterdir()] == [".locks"]


def test_free_disk_space_is_checked_before_downloading(hub, manager, monkeypatch):
    import shutil

    from llmspell_gguf import store

    real = shutil.disk_usage

    def tiny_disk(path):  # a disk with 10 MB free: cannot exist on demand here
        return real(path)._replace(free=10_000_000)

    monkeypatch.setattr(store.shutil, "disk_usage", tiny_disk)
    with pytest.raises(DownloadError, match=r"needs 98\.4 MB and .* has 10\.0 MB free"):
        manager.pull("gguf/smol:135m")
    assert hub.downloads() == []


def test_already_present_is_a_no_op_and_force_downloads_again(hub, manager):
    first = manager.pull("gguf/hf.co/test-org/tiny-GGUF:F32").model
    stamp = first.path.stat().st_mtime_ns
    events = []

    again = manager.pull("gguf/hf.co/test-org/tiny-GGUF:F32", progress=events.append)

    assert [e.status for e in events] == ["already present"]
    assert again.status == "present"
    assert again.model.path.stat().st_mtime_ns == stamp
    assert len(hub.downloads()) == 1

    forced = manager.pull("gguf/hf.co/test-org/tiny-GGUF:F32", force=True)
    assert forced.status == "pulled"
    assert len(hub.downloads()) == 2


def test_two_pulls_of_one_model_at_once_do_not_corrupt_it(hub, manager, tiny_ggufs):
    hub.bytes_per_second = 600_000  # the tiny file takes about a second
    results, errors, events = [], [], []

    def pull():
        try:
            results.append(manager.pull("gguf/tiny:1m", progress=events.append).model)
        except Exception as exc:  # pragma: no cover - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=pull) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)

    assert errors == []
    assert len(results) == 2
    assert len(hub.downloads()) == 1  # the second pull waited, then found the model present
    assert any(e.status.startswith("waiting for another pull") for e in events)
    assert {sha256(r.path) for r in results} == {sha256(tiny_ggufs["F16"])}


def test_offline_mode_says_so_and_downloads_nothing(manager):
    # The shared fixtures keep Hugging Face offline (HF_HUB_OFFLINE=1) unless a test opts in.
    with pytest.raises(DownloadError, match="offline mode"):
        manager.pull("gguf/hf.co/test-org/tiny-GGUF:F32")


def test_a_file_in_the_hugging_face_cache_is_used_without_downloading(
    hub, manager, monkeypatch, tmp_path, smollm2_path
):
    import huggingface_hub
    from huggingface_hub import hf_hub_download

    cache = tmp_path / "hf-cache"
    monkeypatch.setenv("HF_HUB_CACHE", str(cache))
    # Another tool fills the cache through huggingface_hub, from the same hub.
    hf_hub_download(SMOL_REPO, SMOL_FILE, cache_dir=cache, endpoint=hub_endpoint())
    fetched = len(hub.downloads())
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")

    model = manager.pull("gguf/smol:135m").model

    assert model.details["source"] == f"hf-cache:{SMOL_REPO}"
    assert len(hub.downloads()) == fetched
    assert sha256(model.path) == sha256(smollm2_path)


def hub_endpoint() -> str:
    import os

    return os.environ["HF_ENDPOINT"]


def test_a_partial_of_an_older_version_is_not_resumed(hub, manager, model_dir, smollm2_path):
    hub.drop_first_download = True
    with pytest.raises(DownloadError):
        manager.pull("gguf/smol:135m")
    hub.commits[SMOL_REPO] = "f" * 40  # the repo moved on: the kept bytes may not match

    model = manager.pull("gguf/smol:135m").model

    assert [d.range for d in hub.downloads()] == [None, None]
    assert sha256(model.path) == sha256(smollm2_path)


def test_remove_is_refused_while_a_pull_holds_the_model(hub, manager, model_dir):
    from llmspell_gguf.layout import ModelDirectory
    from llmspell_gguf.locking import exclusive

    manager.pull("gguf/hf.co/test-org/tiny-GGUF:F32")
    lock = ModelDirectory(model_dir).lock_path("hf.co/test-org/tiny-GGUF:F32")
    with exclusive(lock), pytest.raises(DownloadError, match=r"pull of .* is in progress"):
        manager.remove("gguf/hf.co/test-org/tiny-GGUF:F32")
    manager.remove("gguf/hf.co/test-org/tiny-GGUF:F32")
    assert manager.list_models("gguf") == []


def test_a_gated_repo_says_how_to_get_access(hub, manager):
    hub.gated.add(TINY_REPO)
    with pytest.raises(DownloadError, match="is gated: accept its license"):
        manager.pull("gguf/hf.co/test-org/tiny-GGUF:F32")


def test_an_hf_reference_resolves_from_the_cache_when_offline(
    hub, manager, monkeypatch, tmp_path, tiny_ggufs
):
    import huggingface_hub
    from huggingface_hub import hf_hub_download

    cache = tmp_path / "hf-cache"
    monkeypatch.setenv("HF_HUB_CACHE", str(cache))
    for name in ("tiny-F16.gguf", "tiny-F32.gguf"):
        hf_hub_download(TINY_REPO, name, cache_dir=cache, endpoint=hub_endpoint())
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")

    model = manager.pull("gguf/hf.co/test-org/tiny-GGUF:f32").model

    assert model.details["source"] == f"hf-cache:{TINY_REPO}"
    assert sha256(model.path) == sha256(tiny_ggufs["F32"])


def test_a_server_that_ignores_range_makes_the_resume_start_over(hub, manager, smollm2_path):
    hub.drop_first_download = True
    with pytest.raises(DownloadError):
        manager.pull("gguf/smol:135m")
    hub.ignore_range = True

    model = manager.pull("gguf/smol:135m").model

    assert hub.downloads()[-1].range is not None  # asked to resume, got the whole file
    assert sha256(model.path) == sha256(smollm2_path)
