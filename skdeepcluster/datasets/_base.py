"""Where dataset files are looked for, and how missing ones are downloaded."""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from skdeepcluster.datasets._formats import DatasetFileError

__all__ = ["get_data_home", "RemoteFile", "SUBSETS"]

SUBSETS = ("train", "test", "all")


def get_data_home(data_home=None) -> Path:
    """Directory where downloaded datasets are cached (not created here).

    The ``data_home`` argument, else ``$XDG_CACHE_HOME/skdeepcluster``
    (``~/.cache/skdeepcluster``).
    """
    if data_home is None:
        cache = os.environ.get("XDG_CACHE_HOME") or os.path.join("~", ".cache")
        data_home = os.path.join(cache, "skdeepcluster")
    return Path(os.path.expanduser(os.fspath(data_home)))


def check_subset(subset):
    if not isinstance(subset, str) or subset not in SUBSETS:
        raise ValueError(f"subset must be one of {SUBSETS!r}, got {subset!r}.")
    return ("train", "test") if subset == "all" else (subset,)


@dataclass(frozen=True)
class RemoteFile:
    """A file of a dataset with its download addresses and published digests."""

    name: str
    urls: tuple
    sha256: str | None = None
    md5: str | None = None
    extra: dict = field(default_factory=dict)


def _digest(path, algo):
    h = hashlib.new(algo)
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def verify_digest(path, remote: RemoteFile):
    """Raise DatasetFileError when ``path`` does not match the published digests."""
    for algo, want in (("sha256", remote.sha256), ("md5", remote.md5)):
        if want is not None:
            got = _digest(path, algo)
            if got != want:
                raise DatasetFileError(
                    f"{path}: {algo} {got} does not match the published {want}; "
                    "the download is corrupted or the file was changed upstream."
                )


def _urlretrieve(url, dest, timeout=60):
    """Download ``url`` into ``dest`` (the one place that touches the network)."""
    with urllib.request.urlopen(url, timeout=timeout) as resp, open(dest, "wb") as out:
        shutil.copyfileobj(resp, out)


def download(remote: RemoteFile, directory: Path) -> Path:
    """Download ``remote`` into ``directory`` and check its digest before keeping it.

    The file is written to a temporary name first and only renamed into place
    once the digest matches, so a failed download never leaves a bad file.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    errors = []
    corrupted = False
    for url in remote.urls:
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{remote.name}.", suffix=".part")
        os.close(fd)
        try:
            _urlretrieve(url, tmp)
            verify_digest(tmp, remote)
        except DatasetFileError as exc:
            os.unlink(tmp)
            errors.append(f"{url}: {exc}")
            corrupted = True
            continue
        except Exception as exc:  # network errors of any kind
            if os.path.exists(tmp):
                os.unlink(tmp)
            errors.append(f"{url}: {type(exc).__name__}: {exc}")
            continue
        final = directory / remote.name
        os.replace(tmp, final)
        return final
    if corrupted:
        raise DatasetFileError("refused downloaded file(s): " + "; ".join(errors))
    raise OSError("; ".join(errors) or "no download address")


@dataclass
class DatasetSpec:
    """Everything a loader needs to find, fetch and describe one dataset."""

    name: str  # human name, e.g. "MNIST"
    subdirs: tuple  # directory names tried under every search root
    system_dirs: tuple  # absolute well-known locations (e.g. Debian packages)
    files: dict  # subset -> tuple of alternatives; each alternative a tuple of RemoteFile


def search_dirs(spec: DatasetSpec, data_home=None) -> list[Path]:
    """Directories searched for ``spec``'s files, in order."""
    roots = [get_data_home(data_home)]
    dirs = []
    for root in roots:
        for sub in spec.subdirs:
            dirs.append(root / sub)
    dirs.extend(Path(d) for d in spec.system_dirs)
    seen, out = set(), []
    for d in dirs:
        if d not in seen:
            seen.add(d)
            out.append(d)
    return out


def locate(spec: DatasetSpec, subset_part: str, data_home=None, download_if_missing=True):
    """Return the list of local paths of one alternative that provides ``subset_part``.

    Looks in every search directory for a complete alternative (all of its files
    in one directory); otherwise downloads the first alternative that has
    addresses into ``<data_home>/<subdirs[0]>``.
    """
    dirs = search_dirs(spec, data_home)
    alternatives = spec.files[subset_part]
    for d in dirs:
        for alt in alternatives:
            paths = [d / f.name for f in alt]
            if all(p.is_file() for p in paths):
                return paths, alt, False
    target = get_data_home(data_home) / spec.subdirs[0]
    download_error = None
    downloadable = [alt for alt in alternatives if all(f.urls for f in alt)]
    if download_if_missing and downloadable:
        alt = downloadable[0]
        try:
            paths = []
            for f in alt:
                p = target / f.name
                paths.append(p if p.is_file() else download(f, target))
            return paths, alt, True
        except OSError as exc:
            download_error = exc
    wanted = " or ".join(
        "{" + ", ".join(f.name for f in alt) + "}" for alt in alternatives
    )
    msg = (
        f"{spec.name} ({subset_part} set) not found: need the file(s) {wanted} in one of "
        + ", ".join(str(d) for d in dirs)
        + f". Put them into {target} (or point data_home at a directory containing "
        f"'{spec.subdirs[0]}/')."
    )
    if download_error is not None:
        msg += f" Downloading failed: {download_error}"
    elif not download_if_missing:
        msg += " Downloading is disabled (download_if_missing=False)."
    raise FileNotFoundError(msg)
