"""Tests of hooks/pyodide_runtime.py: finding, verifying and placing the runtime.

Most tests use small fake tarballs and monkeypatch the pinned digests to theirs,
so they run offline in milliseconds. `test_real_cache_verifies` uses the real
pinned digests and the user's cache, and runs `npm pack` when the cache is empty.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import io
import json
import os
import stat
import sys
import tarfile
import zipfile
from pathlib import Path
from types import ModuleType, SimpleNamespace

import pytest
from mkdocs.exceptions import PluginError

REPO_ROOT = Path(__file__).resolve().parents[1]
HOOK_PATH = REPO_ROOT / "hooks" / "pyodide_runtime.py"
RUNTIME_FILES = (
    "pyodide.mjs",
    "pyodide.asm.mjs",
    "pyodide.asm.wasm",
    "python_stdlib.zip",
    "pyodide-lock.json",
)


@pytest.fixture(scope="module")
def hook() -> ModuleType:
    spec = importlib.util.spec_from_file_location("rf_lab_pyodide_runtime", HOOK_PATH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look the module up by name
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Point the cache at an empty folder and clear the source variable."""
    cache_home = tmp_path / "xdg-cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache_home))
    monkeypatch.delenv("RF_LAB_PYODIDE", raising=False)
    return cache_home / "rf-lab"


def fake_file_contents() -> dict[str, bytes]:
    return {name: f"fake {name}\n".encode() for name in RUNTIME_FILES}


def write_fake_tarball(path: Path, contents: dict[str, bytes]) -> Path:
    """Write an npm-style tarball: every file under `package/`, plus a package.json."""
    path.parent.mkdir(parents=True, exist_ok=True)
    members = {"package/package.json": b'{"name": "pyodide"}\n'}
    members.update({f"package/{name}": data for name, data in contents.items()})
    with tarfile.open(path, "w:gz") as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return path


def integrity(path: Path) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(path.read_bytes()).digest()).decode()


@pytest.fixture
def fake_runtime(hook: ModuleType, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Write a fake tarball, pin the hook's digests to it and return the tarball path."""
    contents = fake_file_contents()
    tarball = write_fake_tarball(tmp_path / "source" / "pyodide-fake.tgz", contents)
    monkeypatch.setattr(hook, "PYODIDE_TARBALL_INTEGRITY", integrity(tarball))
    monkeypatch.setattr(
        hook,
        "RUNTIME_FILE_SHA256",
        {name: hashlib.sha256(data).hexdigest() for name, data in contents.items()},
    )
    return tarball


def unpack(tarball: Path, target: Path) -> Path:
    with tarfile.open(tarball) as archive:
        archive.extractall(target, filter="data")
    return target


# --- Tarballs -------------------------------------------------------------------


def test_tarball_from_env_accepted(
    hook: ModuleType, fake_runtime: Path, clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RF_LAB_PYODIDE", str(fake_runtime))

    runtime_dir = hook.resolve_runtime(config_dir=fake_runtime.parent, extra={})

    assert runtime_dir == clean_env / "pyodide-314.0.8"
    for name, data in fake_file_contents().items():
        assert (runtime_dir / name).read_bytes() == data
    assert sorted(path.name for path in runtime_dir.iterdir()) == sorted(RUNTIME_FILES)


def test_corrupted_tarball_rejected(
    hook: ModuleType, fake_runtime: Path, clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = hook.PYODIDE_TARBALL_INTEGRITY
    data = bytearray(fake_runtime.read_bytes())
    data[len(data) // 2] ^= 0xFF
    fake_runtime.write_bytes(bytes(data))
    monkeypatch.setenv("RF_LAB_PYODIDE", str(fake_runtime))

    with pytest.raises(PluginError) as raised:
        hook.resolve_runtime(config_dir=fake_runtime.parent, extra={})

    message = str(raised.value)
    assert str(fake_runtime) in message
    assert f"expected {expected}" in message
    assert f"actual {integrity(fake_runtime)}" in message
    assert not (clean_env / "pyodide-314.0.8").exists()


def test_tarball_from_config_relative_to_mkdocs_yml(
    hook: ModuleType, fake_runtime: Path, clean_env: Path
) -> None:
    config_dir = fake_runtime.parent.parent
    extra = {"rf_lab": {"pyodide_source": f"source/{fake_runtime.name}"}}

    runtime_dir = hook.resolve_runtime(config_dir=config_dir, extra=extra)

    assert (runtime_dir / "pyodide.mjs").read_bytes() == b"fake pyodide.mjs\n"


def test_env_var_overrides_config(
    hook: ModuleType, fake_runtime: Path, clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RF_LAB_PYODIDE", str(fake_runtime))
    extra = {"rf_lab": {"pyodide_source": "does-not-exist.tgz"}}

    runtime_dir = hook.resolve_runtime(config_dir=fake_runtime.parent, extra=extra)

    assert (runtime_dir / "pyodide.asm.wasm").is_file()


def test_cached_tarball_used(hook: ModuleType, fake_runtime: Path, clean_env: Path) -> None:
    clean_env.mkdir(parents=True)
    (clean_env / "pyodide-314.0.8.tgz").write_bytes(fake_runtime.read_bytes())

    runtime_dir = hook.resolve_runtime(config_dir=fake_runtime.parent, extra={})

    assert (runtime_dir / "python_stdlib.zip").read_bytes() == b"fake python_stdlib.zip\n"


def test_corrupt_cached_tarball_reported(
    hook: ModuleType, fake_runtime: Path, clean_env: Path
) -> None:
    clean_env.mkdir(parents=True)
    cached = clean_env / "pyodide-314.0.8.tgz"
    cached.write_bytes(fake_runtime.read_bytes()[:-10])

    with pytest.raises(PluginError) as raised:
        hook.resolve_runtime(config_dir=fake_runtime.parent, extra={})

    message = str(raised.value)
    assert "cached Pyodide tarball is corrupt" in message
    assert f"Delete {str(cached)!r}" in message
    assert cached.exists(), "a corrupt cache file is reported, not replaced behind the user's back"


def test_damaged_extraction_cache_rebuilt(
    hook: ModuleType, fake_runtime: Path, clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RF_LAB_PYODIDE", str(fake_runtime))
    runtime_dir = hook.resolve_runtime(config_dir=fake_runtime.parent, extra={})
    (runtime_dir / "pyodide.asm.wasm").write_bytes(b"damaged")

    rebuilt = hook.resolve_runtime(config_dir=fake_runtime.parent, extra={})

    assert (rebuilt / "pyodide.asm.wasm").read_bytes() == b"fake pyodide.asm.wasm\n"


# --- Unpacked folders -------------------------------------------------------------


def test_unpacked_folder_accepted(
    hook: ModuleType, fake_runtime: Path, clean_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    unpacked = unpack(fake_runtime, tmp_path / "unpacked")

    for source in (unpacked, unpacked / "package"):
        monkeypatch.setenv("RF_LAB_PYODIDE", str(source))
        runtime_dir = hook.resolve_runtime(config_dir=tmp_path, extra={})
        assert runtime_dir == unpacked / "package"
    assert not clean_env.exists(), "a verified folder is used in place, without the cache"


def test_folder_with_changed_file_rejected(
    hook: ModuleType, fake_runtime: Path, clean_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = unpack(fake_runtime, tmp_path / "unpacked") / "package"
    changed = folder / "python_stdlib.zip"
    changed.write_bytes(b"changed")
    monkeypatch.setenv("RF_LAB_PYODIDE", str(folder))

    with pytest.raises(PluginError) as raised:
        hook.resolve_runtime(config_dir=tmp_path, extra={})

    message = str(raised.value)
    assert str(changed) in message
    assert f"expected sha256 {hook.RUNTIME_FILE_SHA256['python_stdlib.zip']}" in message
    assert f"actual {hashlib.sha256(b'changed').hexdigest()}" in message


def test_folder_missing_file_rejected(
    hook: ModuleType, fake_runtime: Path, clean_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = unpack(fake_runtime, tmp_path / "unpacked") / "package"
    (folder / "pyodide-lock.json").unlink()
    monkeypatch.setenv("RF_LAB_PYODIDE", str(folder))

    with pytest.raises(PluginError, match=r"pyodide-lock\.json' is missing"):
        hook.resolve_runtime(config_dir=tmp_path, extra={})


# --- Missing sources and npm ------------------------------------------------------


def assert_names_ways_to_supply(message: str) -> None:
    assert "RF_LAB_PYODIDE" in message
    assert "extra.rf_lab.pyodide_source" in message
    assert "npm pack pyodide@314.0.8" in message


def test_missing_source_path_named(
    hook: ModuleType, clean_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = tmp_path / "nowhere.tgz"
    monkeypatch.setenv("RF_LAB_PYODIDE", str(missing))

    with pytest.raises(PluginError) as raised:
        hook.resolve_runtime(config_dir=tmp_path, extra={})

    message = str(raised.value)
    assert f"{str(missing)!r} does not exist" in message
    assert_names_ways_to_supply(message)


def test_no_source_and_no_npm(
    hook: ModuleType, clean_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))

    with pytest.raises(PluginError) as raised:
        hook.resolve_runtime(config_dir=tmp_path, extra={})

    message = str(raised.value)
    assert "npm is not on PATH" in message
    assert_names_ways_to_supply(message)


def write_fake_npm(bin_dir: Path, script: str) -> None:
    bin_dir.mkdir(parents=True, exist_ok=True)
    npm = bin_dir / "npm"
    npm.write_text("#!/bin/sh\n" + script)
    npm.chmod(npm.stat().st_mode | stat.S_IXUSR)


def test_npm_failure_reports_stderr(
    hook: ModuleType, clean_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_fake_npm(tmp_path / "bin", "echo 'npm error code E404' >&2\nexit 1\n")
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))

    with pytest.raises(PluginError) as raised:
        hook.resolve_runtime(config_dir=tmp_path, extra={})

    message = str(raised.value)
    assert "exit code 1" in message
    assert "npm error code E404" in message
    assert not (clean_env / "pyodide-314.0.8.tgz").exists()


def test_npm_pack_fills_cache(
    hook: ModuleType, fake_runtime: Path, clean_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The fake npm copies the fake tarball to the folder after --pack-destination ($4).
    write_fake_npm(tmp_path / "bin", f'/bin/cp "{fake_runtime}" "$4/pyodide-314.0.8.tgz"\n')
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))

    runtime_dir = hook.resolve_runtime(config_dir=tmp_path, extra={})

    assert (clean_env / "pyodide-314.0.8.tgz").read_bytes() == fake_runtime.read_bytes()
    assert (runtime_dir / "pyodide.mjs").read_bytes() == b"fake pyodide.mjs\n"
    assert sorted(path.name for path in clean_env.iterdir()) == ["pyodide-314.0.8", "pyodide-314.0.8.tgz"]


def test_npm_download_with_wrong_digest_rejected(
    hook: ModuleType, fake_runtime: Path, clean_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = write_fake_tarball(tmp_path / "other.tgz", {name: b"other" for name in RUNTIME_FILES})
    write_fake_npm(tmp_path / "bin", f'/bin/cp "{other}" "$4/pyodide-314.0.8.tgz"\n')
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))

    with pytest.raises(PluginError, match="does not match pyodide@314.0.8"):
        hook.resolve_runtime(config_dir=tmp_path, extra={})

    assert not (clean_env / "pyodide-314.0.8.tgz").exists()


# --- rf_core archive and manifest -------------------------------------------------


def write_fake_package(root: Path) -> Path:
    package = root / "rf_core"
    (package / "sub").mkdir(parents=True)
    (package / "__pycache__").mkdir()
    (package / "__init__.py").write_text("VALUE = 1\n")
    (package / "b.py").write_text("B = 2\n")
    (package / "sub" / "a.py").write_text("A = 3\n")
    (package / "notes.txt").write_text("not packaged\n")
    (package / "__pycache__" / "b.cpython-311.py").write_text("stale\n")
    return package


def test_package_zip_deterministic(hook: ModuleType, tmp_path: Path) -> None:
    package = write_fake_package(tmp_path)
    first = hook.build_package_zip(package)
    os.utime(package / "b.py", (0, 0))

    second = hook.build_package_zip(package)

    assert first == second
    with zipfile.ZipFile(io.BytesIO(first)) as archive:
        assert archive.namelist() == ["rf_core/__init__.py", "rf_core/b.py", "rf_core/sub/a.py"]
        assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        assert archive.read("rf_core/sub/a.py") == b"A = 3\n"


def test_package_without_init_rejected(hook: ModuleType, tmp_path: Path) -> None:
    with pytest.raises(PluginError, match="__init__.py"):
        hook.build_package_zip(tmp_path / "rf_core")


def test_post_build_writes_site_files(
    hook: ModuleType, fake_runtime: Path, clean_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_fake_package(tmp_path)
    site_dir = tmp_path / "site"
    stale = site_dir / "assets" / "rf-lab" / "rf_core-000000000000.zip"
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"old")
    monkeypatch.setenv("RF_LAB_PYODIDE", str(fake_runtime))
    config = SimpleNamespace(
        config_file_path=str(tmp_path / "mkdocs.yml"), site_dir=str(site_dir), extra={}
    )

    hook.on_post_build(config=config)

    runtime_dir = site_dir / "assets" / "pyodide" / "314.0.8"
    assert sorted(path.name for path in runtime_dir.iterdir()) == sorted(RUNTIME_FILES)
    manifest = json.loads((site_dir / "assets" / "rf-lab" / "manifest.json").read_text())
    archive = site_dir / "assets" / "rf-lab" / manifest["package"]
    digest = hashlib.sha256(archive.read_bytes()).hexdigest()
    assert manifest["pyodide_version"] == "314.0.8"
    assert manifest["pyodide_index"] == "../pyodide/314.0.8/"
    assert manifest["package"] == f"rf_core-{digest[:12]}.zip"
    assert manifest["package_sha256"] == digest
    assert not stale.exists()


# --- The real pinned runtime --------------------------------------------------------


def test_real_cache_verifies(hook: ModuleType, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RF_LAB_PYODIDE", raising=False)

    runtime_dir = hook.resolve_runtime(config_dir=REPO_ROOT, extra={})

    assert hook.tarball_integrity(hook.cache_dir() / "pyodide-314.0.8.tgz") == (
        hook.PYODIDE_TARBALL_INTEGRITY
    )
    for name, expected in hook.RUNTIME_FILE_SHA256.items():
        assert hook.file_sha256(runtime_dir / name) == expected, name
