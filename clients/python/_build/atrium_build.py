"""A PEP 517 / PEP 660 build backend for atrium-client that needs nothing
but the standard library.

pip builds a project in an isolated environment into which it installs the
backend named by ``[build-system] requires``; with setuptools there that
means a download, which fails on a machine without network access. This
backend is in the source tree (``backend-path``), requires nothing, and
writes the wheel and the sdist with :mod:`zipfile` and :mod:`tarfile`.

It reads the ``[project]`` table of ``pyproject.toml`` (with :mod:`tomllib`
when Python has it, otherwise with a small reader of the plain string and
string-list values this project uses) and the version from
``atrium_client/__init__.py``.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import os
import re
import tarfile
import time
import zipfile
from typing import Dict, List, Optional, Tuple

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PACKAGE = "atrium_client"
TAG = "py3-none-any"

# Files of the source tree that go into the sdist besides the package.
SDIST_EXTRA = ["pyproject.toml", "README.md", "_build/atrium_build.py"]
SDIST_DIRS = [PACKAGE, "tests", "examples"]


def _read_pyproject() -> Dict[str, object]:
    path = os.path.join(ROOT, "pyproject.toml")
    with open(path, "rb") as f:
        data = f.read()
    try:
        import tomllib  # Python 3.11+
    except ImportError:
        return _mini_toml(data.decode("utf-8"))
    return tomllib.loads(data.decode("utf-8"))


_KEY_RE = re.compile(r'^([A-Za-z0-9_-]+)\s*=\s*(.+)$')
_STR_RE = re.compile(r'"((?:[^"\\]|\\.)*)"')


def _mini_toml(text: str) -> Dict[str, object]:
    """Read the subset of TOML this project's pyproject.toml uses: tables,
    and keys whose values are basic strings or one-line lists of them."""
    out: Dict[str, object] = {}
    table: Dict[str, object] = out
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            table = out
            for part in line[1:-1].strip().split("."):
                table = table.setdefault(part.strip(), {})  # type: ignore[assignment]
            continue
        m = _KEY_RE.match(line)
        if not m:
            raise ValueError("pyproject.toml: cannot read line %r" % raw)
        key, value = m.group(1), m.group(2).strip()
        strings = [s.encode().decode("unicode_escape") for s in _STR_RE.findall(value)]
        if value.startswith("["):
            table[key] = strings
        elif strings:
            table[key] = strings[0]
        else:
            raise ValueError("pyproject.toml: only strings and lists of strings are read here: %r" % raw)
    return out


def _version() -> str:
    with open(os.path.join(ROOT, PACKAGE, "__init__.py"), encoding="utf-8") as f:
        m = re.search(r'^__version__\s*=\s*"([^"]+)"', f.read(), re.M)
    if not m:
        raise RuntimeError("atrium_client/__init__.py has no __version__")
    return m.group(1)


def _project() -> Tuple[str, str, Dict[str, object]]:
    project = _read_pyproject()["project"]  # type: ignore[index]
    assert isinstance(project, dict)
    name = str(project["name"])
    return name, _version(), project


def _dist_name(name: str) -> str:
    return re.sub(r"[-_.]+", "_", name).lower()


def _metadata(name: str, version: str, project: Dict[str, object]) -> bytes:
    lines = [
        "Metadata-Version: 2.1",
        "Name: " + name,
        "Version: " + version,
    ]
    if project.get("description"):
        lines.append("Summary: " + str(project["description"]))
    if project.get("requires-python"):
        lines.append("Requires-Python: " + str(project["requires-python"]))
    urls = project.get("urls") or {}
    if isinstance(urls, dict):
        for label, url in urls.items():
            lines.append("Project-URL: %s, %s" % (label, url))
    readme = project.get("readme")
    body = ""
    if isinstance(readme, str):
        with open(os.path.join(ROOT, readme), encoding="utf-8") as f:
            body = f.read()
        lines.append("Description-Content-Type: text/markdown")
    return ("\n".join(lines) + "\n\n" + body).encode("utf-8")


def _wheel_file() -> bytes:
    return ("Wheel-Version: 1.0\nGenerator: atrium_build\nRoot-Is-Purelib: true\nTag: %s\n" % TAG).encode()


def _package_files() -> List[Tuple[str, str]]:
    """(archive name, path on disk) of every file of the package, sorted so
    that two builds of the same tree are the same archive."""
    out = []
    base = os.path.join(ROOT, PACKAGE)
    for folder, dirs, files in os.walk(base):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for fn in sorted(files):
            if fn.endswith((".pyc", ".pyo")):
                continue
            path = os.path.join(folder, fn)
            out.append((os.path.relpath(path, ROOT).replace(os.sep, "/"), path))
    return out


def _record_hash(data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
    return "sha256=" + digest.decode()


# A fixed time for archive members, so that builds are reproducible.
_EPOCH = (2020, 1, 1, 0, 0, 0)


class _Wheel:
    """A wheel being written: every member is hashed for RECORD."""

    def __init__(self, path: str, dist_info: str) -> None:
        self.zip = zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED)
        self.dist_info = dist_info
        self.records: List[Tuple[str, str, str]] = []

    def add(self, arcname: str, data: bytes) -> None:
        info = zipfile.ZipInfo(arcname, date_time=_EPOCH)
        info.external_attr = 0o644 << 16
        info.compress_type = zipfile.ZIP_DEFLATED
        self.zip.writestr(info, data)
        self.records.append((arcname, _record_hash(data), str(len(data))))

    def close(self) -> None:
        record = self.dist_info + "/RECORD"
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        for row in self.records:
            w.writerow(row)
        w.writerow((record, "", ""))
        info = zipfile.ZipInfo(record, date_time=_EPOCH)
        info.external_attr = 0o644 << 16
        self.zip.writestr(info, buf.getvalue())
        self.zip.close()


def _dist_info_files(name: str, version: str, project: Dict[str, object]) -> Dict[str, bytes]:
    return {
        "METADATA": _metadata(name, version, project),
        "WHEEL": _wheel_file(),
        "top_level.txt": (PACKAGE + "\n").encode(),
    }


def _write_metadata_dir(metadata_directory: str) -> str:
    name, version, project = _project()
    dist_info = "%s-%s.dist-info" % (_dist_name(name), version)
    target = os.path.join(metadata_directory, dist_info)
    os.makedirs(target, exist_ok=True)
    for fn, data in _dist_info_files(name, version, project).items():
        with open(os.path.join(target, fn), "wb") as f:
            f.write(data)
    return dist_info


def _build(wheel_directory: str, editable: bool) -> str:
    name, version, project = _project()
    dist = _dist_name(name)
    dist_info = "%s-%s.dist-info" % (dist, version)
    filename = "%s-%s-%s.whl" % (dist, version, TAG)
    os.makedirs(wheel_directory, exist_ok=True)
    wheel = _Wheel(os.path.join(wheel_directory, filename), dist_info)
    try:
        if editable:
            # A .pth line puts the source tree on sys.path (PEP 660).
            wheel.add("__editable__.%s.pth" % dist, (ROOT + "\n").encode())
        else:
            for arcname, path in _package_files():
                with open(path, "rb") as f:
                    wheel.add(arcname, f.read())
        for fn, data in _dist_info_files(name, version, project).items():
            wheel.add(dist_info + "/" + fn, data)
    finally:
        wheel.close()
    return filename


# PEP 517 hooks.

def get_requires_for_build_wheel(config_settings: Optional[dict] = None) -> List[str]:
    """Nothing: the backend uses only the standard library."""
    return []


def get_requires_for_build_sdist(config_settings: Optional[dict] = None) -> List[str]:
    """Nothing: the backend uses only the standard library."""
    return []


def get_requires_for_build_editable(config_settings: Optional[dict] = None) -> List[str]:
    """Nothing: the backend uses only the standard library."""
    return []


def prepare_metadata_for_build_wheel(metadata_directory: str, config_settings: Optional[dict] = None) -> str:
    """Write the .dist-info folder the wheel will have and return its name."""
    return _write_metadata_dir(metadata_directory)


def prepare_metadata_for_build_editable(metadata_directory: str, config_settings: Optional[dict] = None) -> str:
    """Write the .dist-info folder the editable wheel will have."""
    return _write_metadata_dir(metadata_directory)


def build_wheel(wheel_directory: str, config_settings: Optional[dict] = None, metadata_directory: Optional[str] = None) -> str:
    """Write the wheel into wheel_directory and return its file name."""
    return _build(wheel_directory, editable=False)


def build_editable(wheel_directory: str, config_settings: Optional[dict] = None, metadata_directory: Optional[str] = None) -> str:
    """Write an editable wheel (a .pth file pointing at this tree)."""
    return _build(wheel_directory, editable=True)


def build_sdist(sdist_directory: str, config_settings: Optional[dict] = None) -> str:
    """Write the source archive into sdist_directory and return its name."""
    name, version, project = _project()
    base = "%s-%s" % (_dist_name(name), version)
    filename = base + ".tar.gz"
    os.makedirs(sdist_directory, exist_ok=True)
    members: List[Tuple[str, str]] = []
    for rel in SDIST_EXTRA:
        members.append((rel, os.path.join(ROOT, rel)))
    for top in SDIST_DIRS:
        for folder, dirs, files in os.walk(os.path.join(ROOT, top)):
            dirs[:] = sorted(d for d in dirs if d != "__pycache__")
            for fn in sorted(files):
                if not fn.endswith((".pyc", ".pyo")):
                    path = os.path.join(folder, fn)
                    members.append((os.path.relpath(path, ROOT).replace(os.sep, "/"), path))
    mtime = time.mktime(_EPOCH + (0, 0, -1))
    with tarfile.open(os.path.join(sdist_directory, filename), "w:gz", format=tarfile.PAX_FORMAT) as tar:
        def add(arcname: str, data: bytes) -> None:
            info = tarfile.TarInfo(base + "/" + arcname)
            info.size, info.mode, info.mtime = len(data), 0o644, int(mtime)
            tar.addfile(info, io.BytesIO(data))

        add("PKG-INFO", _metadata(name, version, project))
        for arcname, path in members:
            with open(path, "rb") as f:
                add(arcname, f.read())
    return filename
