"""Place the pinned Pyodide runtime and an archive of rf_core in the built site.

The browser worker (`docs/assets/javascripts/rf-worker.js`) reads
`assets/rf-lab/manifest.json`, loads Pyodide from `assets/pyodide/<version>/` and
unpacks the rf_core archive named in the manifest. Nothing is fetched from a CDN at
run time, so this hook must find the runtime at build time, in this order:

1. a tarball or unpacked folder named by the environment variable `RF_LAB_PYODIDE`
   or by `extra.rf_lab.pyodide_source` in mkdocs.yml (relative to mkdocs.yml);
2. the tarball cached at `${XDG_CACHE_HOME:-~/.cache}/rf-lab/pyodide-<version>.tgz`;
3. `npm pack pyodide@<version>`, which fills that cache.

A tarball is checked against the npm integrity digest (sha512) and every runtime
file against its own sha256, so a folder can be checked too. The five verified
files are also kept unpacked in the cache, which makes a warm build cost one
sha256 pass over about 14 MB.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import logging
import os
import shutil
import subprocess
import tarfile
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from mkdocs.exceptions import PluginError

if TYPE_CHECKING:
    from mkdocs.config.defaults import MkDocsConfig
    from mkdocs.livereload import LiveReloadServer

log = logging.getLogger("mkdocs.plugins.rf_lab.runtime")

PYODIDE_VERSION = "314.0.8"

# The "integrity" field that the npm registry publishes for pyodide@314.0.8.
PYODIDE_TARBALL_INTEGRITY = (
    "sha512-74Wq1kXOC+CCEzAfxuRAO701nAcCMLjf8NrwvWpu8S41dVMXwXmLQ05dYB+F4e46AdnGo0oq7YHSVUpHsoarLQ=="
)

# The only files the site needs: the ES module loader, the Emscripten module and
# its WebAssembly binary, the standard library and the lock file that loadPyodide
# always reads. Digests were computed from the tarball above.
RUNTIME_FILE_SHA256: dict[str, str] = {
    "pyodide.mjs": "1bb8cc14f9405aaa7cd4e00c12edd0a8539de9cc026618d6ee5a9663f367dc70",
    "pyodide.asm.mjs": "22514b8be6980e28a02c8b1d6387ce8dfe666fc4edf8d547cff5dce29ff4d972",
    "pyodide.asm.wasm": "e14d49ceca9b4a0e274ea918f3a898de2d3880b6e5573a6cfe1a2267ecc70329",
    "python_stdlib.zip": "2bd3394a145bfbbe5bbc9d9d6ab9136abbb986c6fef6c142b3a2962227aa5c28",
    "pyodide-lock.json": "5dc2fc119108bc148c7457dc86e7675b5c87e1cafd420b9c34c1eaef7b36c010",
}

SOURCE_ENV_VAR = "RF_LAB_PYODIDE"
SOURCE_CONFIG_KEY = "extra.rf_lab.pyodide_source"
NPM_PACK_TIMEOUT_SECONDS = 300

PACKAGE_NAME = "rf_core"
RUNTIME_SITE_DIR = Path("assets", "pyodide", PYODIDE_VERSION)
PACKAGE_SITE_DIR = Path("assets", "rf-lab")
MANIFEST_NAME = "manifest.json"

# Fixed zip entry timestamp (the earliest the zip format can store), so that the
# archive and its content-addressed name depend on the sources only.
ZIP_TIMESTAMP = (1980, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class PackageArchive:
    """The rf_core zip archive as written into the site."""

    name: str
    sha256: str


# --- MkDocs events ---------------------------------------------------------------


def on_post_build(*, config: MkDocsConfig) -> None:
    """Copy the verified runtime and the rf_core archive into the site, with a manifest."""
    config_dir = Path(config.config_file_path).parent
    site_dir = Path(config.site_dir)

    runtime_dir = resolve_runtime(config_dir=config_dir, extra=config.extra)
    runtime_target = site_dir / RUNTIME_SITE_DIR
    runtime_target.mkdir(parents=True, exist_ok=True)
    for name in RUNTIME_FILE_SHA256:
        shutil.copyfile(runtime_dir / name, runtime_target / name)

    package_target = site_dir / PACKAGE_SITE_DIR
    archive = write_package_archive(config_dir / PACKAGE_NAME, package_target)
    write_manifest(package_target, archive)
    log.debug("Placed Pyodide %s and %s in %s", PYODIDE_VERSION, archive.name, site_dir)


def on_serve(server: LiveReloadServer, *, config: MkDocsConfig, builder: object) -> LiveReloadServer:
    """Rebuild under `mkdocs serve` when a file of rf_core changes."""
    server.watch(str(Path(config.config_file_path).parent / PACKAGE_NAME))
    return server


# --- Locating and verifying the runtime ------------------------------------------


def cache_dir() -> Path:
    """Return the folder for the cached tarball and its verified extraction."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "rf-lab"


def resolve_runtime(*, config_dir: Path, extra: dict) -> Path:
    """Return a folder that contains the five runtime files, each verified by sha256.

    Raises:
        PluginError: No source was found, a source does not match the pinned
            digests, or `npm pack` failed.
    """
    explicit = _explicit_source(config_dir, extra)
    if explicit is not None:
        if explicit.is_dir():
            return verify_runtime_folder(_package_folder(explicit))
        if explicit.is_file():
            verify_tarball(explicit)
            return _extract_verified(explicit)
        raise PluginError(
            f"Pyodide source {str(explicit)!r} does not exist. " + _how_to_supply_runtime()
        )

    cached_tarball = cache_dir() / f"pyodide-{PYODIDE_VERSION}.tgz"
    if cached_tarball.is_file():
        try:
            verify_tarball(cached_tarball)
        except PluginError as error:
            raise PluginError(
                f"The cached Pyodide tarball is corrupt: {error} Delete {str(cached_tarball)!r} "
                "to download it again."
            ) from None
        return _extract_verified(cached_tarball)

    return _extract_verified(download_tarball(cached_tarball))


def _explicit_source(config_dir: Path, extra: dict) -> Path | None:
    from_env = os.environ.get(SOURCE_ENV_VAR)
    if from_env:
        log.debug("Using Pyodide from %s=%r", SOURCE_ENV_VAR, from_env)
        return Path(from_env).expanduser()

    rf_lab_extra = extra.get("rf_lab") or {}
    from_config = rf_lab_extra.get("pyodide_source") if isinstance(rf_lab_extra, dict) else None
    if from_config:
        log.debug("Using Pyodide from %s=%r", SOURCE_CONFIG_KEY, from_config)
        return config_dir / Path(from_config).expanduser()
    return None


def _package_folder(folder: Path) -> Path:
    """Accept both the unpacked tarball's root and its `package/` folder."""
    nested = folder / "package"
    if not (folder / "pyodide.mjs").exists() and (nested / "pyodide.mjs").exists():
        return nested
    return folder


def _how_to_supply_runtime() -> str:
    return (
        f"Supply Pyodide {PYODIDE_VERSION} in one of three ways: set the environment variable "
        f"{SOURCE_ENV_VAR} to the npm tarball or its unpacked folder; set {SOURCE_CONFIG_KEY} "
        f"in mkdocs.yml to such a path (relative to mkdocs.yml); or put npm on PATH so that "
        f"the build can run `npm pack pyodide@{PYODIDE_VERSION}`."
    )


def tarball_integrity(path: Path) -> str:
    """Return the npm-style integrity string (`sha512-<base64>`) of a file."""
    digest = hashlib.sha512()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return "sha512-" + base64.b64encode(digest.digest()).decode("ascii")


def file_sha256(path: Path) -> str:
    """Return the hex sha256 of a file."""
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verify_tarball(path: Path) -> None:
    """Check a tarball against the pinned npm integrity digest.

    Raises:
        PluginError: The digest differs; the message names the file and both digests.
    """
    actual = tarball_integrity(path)
    if actual != PYODIDE_TARBALL_INTEGRITY:
        raise PluginError(
            f"Pyodide tarball {str(path)!r} does not match pyodide@{PYODIDE_VERSION}: "
            f"expected {PYODIDE_TARBALL_INTEGRITY}, actual {actual}. " + _how_to_supply_runtime()
        )


def verify_runtime_folder(folder: Path) -> Path:
    """Check the five runtime files in a folder against their pinned sha256 digests.

    Returns:
        The folder itself.

    Raises:
        PluginError: A file is missing or its digest differs.
    """
    for name, expected in RUNTIME_FILE_SHA256.items():
        path = folder / name
        if not path.is_file():
            raise PluginError(
                f"Pyodide runtime file {str(path)!r} is missing. " + _how_to_supply_runtime()
            )
        actual = file_sha256(path)
        if actual != expected:
            raise PluginError(
                f"Pyodide runtime file {str(path)!r} does not match pyodide@{PYODIDE_VERSION}: "
                f"expected sha256 {expected}, actual {actual}. " + _how_to_supply_runtime()
            )
    return folder


def _extract_verified(tarball: Path) -> Path:
    """Return the cached extraction of a verified tarball, extracting it when needed.

    The extraction lives at `<cache>/pyodide-<version>/`. It is rechecked file by
    file on every build, and rebuilt from the tarball when that check fails.
    """
    target = cache_dir() / f"pyodide-{PYODIDE_VERSION}"
    if target.is_dir():
        try:
            return verify_runtime_folder(target)
        except PluginError as error:
            log.info("Re-extracting the Pyodide cache because %s", error)
            shutil.rmtree(target)

    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f"pyodide-{PYODIDE_VERSION}-", dir=target.parent))
    try:
        with tarfile.open(tarball, "r:gz") as archive:
            for name in RUNTIME_FILE_SHA256:
                member = archive.extractfile(f"package/{name}")
                if member is None:
                    raise PluginError(f"Pyodide tarball {str(tarball)!r} has no package/{name}.")
                with member, (staging / name).open("wb") as output:
                    shutil.copyfileobj(member, output)
        verify_runtime_folder(staging)
        staging.rename(target)
    except KeyError as error:
        raise PluginError(f"Pyodide tarball {str(tarball)!r} lacks a runtime file: {error}") from None
    finally:
        if staging.exists():
            shutil.rmtree(staging)
    return target


def download_tarball(destination: Path) -> Path:
    """Run `npm pack` to fetch the pinned tarball into the cache, and verify it.

    npm writes into a staging folder first, so a failed or interrupted download
    never leaves a file at `destination`.

    Raises:
        PluginError: npm is missing, fails, times out, or fetches a tarball that
            does not match the pinned digest.
    """
    npm = shutil.which("npm")
    if npm is None:
        raise PluginError(
            f"Pyodide {PYODIDE_VERSION} was not found and npm is not on PATH. "
            + _how_to_supply_runtime()
        )

    destination.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix="npm-pack-", dir=destination.parent))
    command = [npm, "pack", f"pyodide@{PYODIDE_VERSION}", "--pack-destination", str(staging)]
    log.info("Fetching Pyodide %s with npm pack into %s", PYODIDE_VERSION, destination.parent)
    try:
        try:
            subprocess.run(
                command, check=True, capture_output=True, text=True, timeout=NPM_PACK_TIMEOUT_SECONDS
            )
        except subprocess.TimeoutExpired:
            raise PluginError(
                f"`npm pack pyodide@{PYODIDE_VERSION}` timed out after "
                f"{NPM_PACK_TIMEOUT_SECONDS} s. " + _how_to_supply_runtime()
            ) from None
        except subprocess.CalledProcessError as error:
            raise PluginError(
                f"`npm pack pyodide@{PYODIDE_VERSION}` failed with exit code {error.returncode}: "
                f"{error.stderr.strip()} " + _how_to_supply_runtime()
            ) from None

        packed = staging / destination.name
        if not packed.is_file():
            raise PluginError(
                f"`npm pack pyodide@{PYODIDE_VERSION}` did not write {packed.name!r} into "
                f"{str(staging)!r}. " + _how_to_supply_runtime()
            )
        verify_tarball(packed)
        packed.replace(destination)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return destination


# --- The rf_core archive and the manifest ----------------------------------------


def build_package_zip(package_dir: Path) -> bytes:
    """Return a deterministic zip of the package's `*.py` files, paths under `rf_core/`.

    Entries are sorted, carry a fixed timestamp and mode, and `__pycache__` is left out,
    so equal sources give equal bytes with the same zlib.

    Raises:
        PluginError: The package folder is missing or contains no `__init__.py`.
    """
    if not (package_dir / "__init__.py").is_file():
        raise PluginError(
            f"Cannot package {PACKAGE_NAME}: {str(package_dir / '__init__.py')!r} not found."
        )

    sources = sorted(
        path for path in package_dir.rglob("*.py") if "__pycache__" not in path.parts
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sources:
            entry = zipfile.ZipInfo(
                f"{PACKAGE_NAME}/{path.relative_to(package_dir).as_posix()}", ZIP_TIMESTAMP
            )
            entry.external_attr = 0o644 << 16
            entry.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(entry, path.read_bytes(), compresslevel=9)
    return buffer.getvalue()


def write_package_archive(package_dir: Path, target_dir: Path) -> PackageArchive:
    """Write `rf_core-<first 12 hex of sha256>.zip` into `target_dir`, removing older ones."""
    data = build_package_zip(package_dir)
    sha256 = hashlib.sha256(data).hexdigest()
    name = f"{PACKAGE_NAME}-{sha256[:12]}.zip"

    target_dir.mkdir(parents=True, exist_ok=True)
    for stale in target_dir.glob(f"{PACKAGE_NAME}-*.zip"):
        if stale.name != name:
            stale.unlink()
    (target_dir / name).write_bytes(data)
    return PackageArchive(name=name, sha256=sha256)


def write_manifest(target_dir: Path, archive: PackageArchive) -> None:
    """Write the manifest that the worker reads. Its URLs are relative to the manifest."""
    runtime_from_manifest = os.path.relpath(RUNTIME_SITE_DIR, PACKAGE_SITE_DIR)
    manifest = {
        "pyodide_version": PYODIDE_VERSION,
        "pyodide_index": Path(runtime_from_manifest).as_posix() + "/",
        "package": archive.name,
        "package_sha256": archive.sha256,
    }
    (target_dir / MANIFEST_NAME).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
