"""Confine a freshly forked sandbox child before it imports learner code.

Call from the child, after ``fork`` and ``chdir(work_dir)``, with the fork-server already having
imported this module (so libseccomp's compiler, the Landlock ABI probe and the path lists are paid
for once, not per run)::

    status = confine(work_dir, limits, keep_fds=[result_fd], readonly_paths=[])

Order (each step needs the privileges the later ones drop):

1. ``fds``        close every fd but 0, 1, 2 and ``keep_fds``
2. ``namespaces`` unshare net, mount, ipc, pid; mounts made private
3. ``hide``       overmount ``secret_paths`` (default: the whole repository) and the host's /dev/shm
                  with empty read-only tmpfs, re-exposing the read-only runtime paths beneath (the venv)
4. ``tmpfs``      capped tmpfs over the work dir with a copy of the learner's files, owned by ``uid``
5. ``rlimits``    CPU (hard = soft + 1), address space, file size, open files, processes, no core
6. ``no_new_privs``
7. ``landlock``   read-only runtime + ``readonly_paths``, read-write work dir, nothing else; no TCP;
                  no signals or abstract sockets outside the sandbox
8. ``identity``   capability bounding set emptied, uid/gid -> ``uid``/``gid``, no groups, PDEATHSIG
9. ``seccomp``    deny socket/exec/fork/ptrace/mount/namespaces/bpf/io_uring/... (raw BPF, one syscall)
10. ``secrets``   measured check: sentinel files under ``secret_paths`` must now be unreadable

Each step that cannot be applied here is recorded as ``"unavailable: reason"`` and the others still
apply.  ``without`` switches named steps off (for tests and benchmarks that need a weaker sandbox on
purpose, e.g. to prove the grader fails closed); they are recorded as unavailable too.  :class:`ConfinementError` is raised only when the child must not go on: the rlimits failed,
no privilege/syscall/file layer at all is active, or a step failed half way (e.g. a tmpfs was
mounted but the learner's files could not be copied).

File isolation (``file_isolation_active``) is decided by measurement, not by which layers claim to be
on: it is true only when the ``secrets`` check ran after all layers and found every sentinel file
unreadable, and the layer that made them unreadable cannot be undone by learner code: Landlock (even
as root), or the uid drop (with or without the mount-namespace hiding).  Hiding alone does not count:
a child that kept root's capabilities could undo its mounts or read the host's files through
``/proc/<pid>/root``.  On this project's machines Landlock alone achieves it, hiding plus the uid drop
achieves it, while a uid drop alone does not (the repository is world-readable).  Hidden suites must
run only when it is true.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import sysconfig
from pathlib import Path
from typing import Sequence

from .layers import LayerStatus, LayerUnavailable, run_in_fork
from .layers import fds as fds_layer
from .layers import identity, landlock, namespaces, rlimits, seccomp_filter
from .layers.identity import sandbox_id, set_no_new_privs, set_not_dumpable
from .limits import Limits

__all__ = [
    "ConfinementError",
    "Limits",
    "confine",
    "default_readonly_paths",
    "default_secret_paths",
    "file_isolation_active",
    "probe_layers",
    "set_not_dumpable",
    "SWITCHABLE",
]

ACTIVE = "active"
SWITCHABLE = frozenset({"fds", "namespaces", "hide", "tmpfs", "no_new_privs", "landlock", "identity", "seccomp"})
SWITCHED_OFF = "switched off by the grader"
REPO_ROOT = Path(__file__).resolve().parents[2]


class ConfinementError(RuntimeError):
    """The child cannot be confined well enough to run learner code; it must exit."""


def _unavailable(reason: object) -> str:
    return f"unavailable: {reason}"


def default_secret_paths() -> list[Path]:
    """What the child must never read: the whole repository (solutions/, grader/suites/, .git, ...),
    and the ``solutions`` and ``grader`` packages wherever else they are installed."""
    return [REPO_ROOT, *installed_secret_paths()]


def installed_secret_paths() -> list[Path]:
    """The directories of ``solutions`` and ``grader`` (suites, references, misconceptions) when they
    are installed outside the repository, e.g. by ``pip install .`` in a grading container.  They lie
    inside site-packages, which the child may read, so only the mount namespace can hide them (and
    the sentinel check finds out whether it did).  Found without importing ``solutions``."""
    found: list[Path] = []
    for name in ("solutions", "grader"):
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            continue
        for location in (spec.submodule_search_locations or []) if spec else []:
            path = Path(os.path.abspath(location))
            if not _is_under(path, REPO_ROOT) and path not in found:
                found.append(path)
    return found


def _is_under(path: Path, parent: Path) -> bool:
    """``path == parent or parent in path.parents``, by comparing parts: the same answer without
    building every parent (this runs in each child, during confinement)."""
    parts = parent.parts
    if not parts:  # "." is a parent of every relative path, and of no absolute one
        return not path.anchor
    return path.parts[:len(parts)] == parts


def default_readonly_paths(secret_paths: Sequence[Path] = ()) -> list[Path]:
    """The Python runtime the child needs read access to: stdlib, lib-dynload, site-packages (incl.
    numpy and its bundled libs), system libraries, and a few files in /etc and /dev.  Paths that are
    ancestors of (or equal to) a secret path are dropped, so a venv inside the repo is kept but the
    repo root (``sys.path[0]`` when run from it) is not."""
    secrets = [Path(os.path.abspath(p)) for p in secret_paths]
    candidates: list[str] = []
    for scheme_vars in ({}, {"base": sys.base_prefix, "platbase": sys.base_exec_prefix}):
        paths = sysconfig.get_paths(vars=scheme_vars) if scheme_vars else sysconfig.get_paths()
        candidates += [paths[k] for k in ("stdlib", "platstdlib", "purelib", "platlib") if k in paths]
    # sys.path entries only when they belong to an installation (never the script dir or the cwd)
    prefixes = [Path(os.path.abspath(p)) for p in {sys.prefix, sys.base_prefix, sys.exec_prefix, "/usr"}]
    candidates += [p for p in sys.path[1:] if p and any(_is_under(Path(os.path.abspath(p)), x) for x in prefixes)]
    candidates += ["/usr/lib", "/usr/lib64", "/lib", "/lib64", "/usr/share/zoneinfo",
                   "/etc/ld.so.cache", "/etc/localtime", "/dev/urandom", "/dev/zero"]
    out: list[Path] = []
    for raw in candidates:
        path = Path(os.path.abspath(raw))
        if not path.exists() or path in out:
            continue
        if any(_is_under(secret, path) for secret in secrets):
            continue  # would expose a secret
        out.append(path)
    # a path beneath another listed one adds nothing (rules and bind mounts apply to whole subtrees)
    return [p for p in out if not any(q != p and _is_under(p, q) for q in out)]


def _sentinels(secret_paths: Sequence[Path]) -> list[Path]:
    """A few regular files under each secret path whose readability proves or disproves isolation:
    the first file of the path itself and of each of its direct subdirectories (shallow, cheap)."""
    found: list[Path] = []
    for secret in secret_paths:
        secret = Path(secret)
        if secret.is_file():
            found.append(secret)
            continue
        if not secret.is_dir():
            continue
        dirs = [secret]
        try:
            dirs += sorted(e for e in secret.iterdir() if e.is_dir() and not e.is_symlink())
        except OSError:
            pass
        for directory in dirs:
            try:
                first = next((e for e in sorted(directory.iterdir()) if e.is_file() and not e.is_symlink()), None)
            except OSError:
                first = None
            if first is not None:
                found.append(first)
    return found


def _exposed(path: Path, readable: Sequence[Path], secrets: Sequence[Path]) -> bool:
    """``path`` lies in a readable tree, and in no secret path nested inside that tree (a file the
    child may read on purpose, e.g. the venv inside the repository, is no evidence of a leak)."""
    return any(_is_under(path, r) and not any(_is_under(path, s) and _is_under(s, r) for s in secrets)
               for r in readable)


# computed once, in the fork-server, when it imports this module
_DEFAULT_SECRETS = default_secret_paths()
_DEFAULT_READONLY = default_readonly_paths([REPO_ROOT])  # installed secrets are hidden, not left out
_DEFAULT_SENTINELS = [
    s for s in _sentinels([*_DEFAULT_SECRETS, REPO_ROOT / "grader" / "suites"])
    if not _exposed(s, _DEFAULT_READONLY, _DEFAULT_SECRETS)
]
_BLOCKERS: dict[tuple, list[Path]] = {}
_SHARED_MEMORY = [p for p in (Path("/dev/shm"),) if p.is_dir() and not p.is_symlink()]


def _blockers_cached(paths: Sequence[Path]) -> list[Path]:
    key = tuple(paths)
    if key not in _BLOCKERS:
        _BLOCKERS[key] = blocking_dirs(paths)
    return _BLOCKERS[key]


def prepare() -> None:
    """Pay the one-off costs (libseccomp compile) in the fork-server rather than in every child."""
    try:
        seccomp_filter.prepare()
    except Exception:  # noqa: BLE001 - reported per run by the seccomp step
        pass
    if os.geteuid() == 0:
        _blockers_cached(_DEFAULT_READONLY)


def blocking_dirs(paths: Sequence[Path], uid: int = -1, gid: int = -1) -> list[Path]:
    """Top-most directories on the way to ``paths`` that ``uid``/``gid`` (default: an id owning nothing,
    i.e. the "other" permission bits) cannot traverse (e.g. a Python installed under /root, mode 0700).  With a mount namespace they are overmounted by a traversable
    tmpfs re-exposing only the needed paths; without one the uid drop is skipped."""
    blockers: list[Path] = []
    for path in paths:
        for directory in reversed(Path(path).parents):
            if any(_is_under(directory, b) for b in blockers):
                break
            try:
                st = os.stat(directory)
            except OSError:
                break
            bit = 0o100 if st.st_uid == uid else 0o010 if st.st_gid == gid else 0o001
            if not st.st_mode & bit:
                blockers.append(directory)
                break
    return blockers


def _readable(path: Path) -> bool:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC | os.O_NOFOLLOW)
    except OSError:
        return False
    try:
        os.read(fd, 1)
        return True
    except OSError:
        return False
    finally:
        os.close(fd)


def confine(
    work_dir: Path,
    limits: Limits,
    keep_fds: Sequence[int],
    readonly_paths: Sequence[Path],
    *,
    secret_paths: Sequence[Path] | None = None,
    uid: int | None = None,
    gid: int | None = None,
    without: Sequence[str] = (),
) -> dict[str, str]:
    """Confine the calling (freshly forked, root) process; return ``{step: "active" | "unavailable: …"}``.

    ``readonly_paths`` are added to :func:`default_readonly_paths`; ``secret_paths`` default to the
    repository root.  ``uid``/``gid`` default to :func:`sandbox_id` (1e9 + pid), a fresh id per child,
    so RLIMIT_NPROC is per child and children cannot signal one another; the ids own no host file, so
    only world-traversable/readable paths are reachable (blocking dirs such as /root are overmounted).
    ``without`` names steps of :data:`SWITCHABLE` not to apply.  Leaves the process chdir'ed into
    the work dir.
    """
    unknown = set(without) - SWITCHABLE
    if unknown:
        raise ConfinementError(f"these steps cannot be switched off: {', '.join(sorted(unknown))}")
    uid = sandbox_id() if uid is None else uid
    gid = uid if gid is None else gid
    work_dir = Path(os.path.abspath(work_dir))
    if secret_paths is None:
        secrets, sentinels, runtime = _DEFAULT_SECRETS, _DEFAULT_SENTINELS, _DEFAULT_READONLY
    else:
        secrets = [Path(os.path.abspath(p)) for p in secret_paths]
        runtime = default_readonly_paths(secrets)
        sentinels = [s for s in _sentinels(secrets) if not any(_is_under(s, r) for r in runtime)]
    readable = list(runtime) + [Path(os.path.abspath(p)) for p in readonly_paths]
    if readonly_paths:  # files deliberately exposed are no evidence of a leak
        sentinels = [s for s in sentinels if not _exposed(s, readable, secrets)]
    status: dict[str, str] = {}

    def step(name: str, fn, *args, **kwargs) -> bool:
        if name in without:
            status[name] = _unavailable(SWITCHED_OFF)
            return False
        try:
            fn(*args, **kwargs)
        except LayerUnavailable as exc:
            status[name] = _unavailable(exc)
            return False
        except Exception as exc:  # noqa: BLE001 - an unexpected failure must not look like success
            raise ConfinementError(f"{name}: {type(exc).__name__}: {exc}") from exc
        status[name] = ACTIVE
        return True

    step("fds", fds_layer.apply, keep_fds)
    is_root = os.geteuid() == 0
    blockers = _blockers_cached(runtime) + blocking_dirs([*readonly_paths, work_dir]) if is_root else []
    ns = step("namespaces", namespaces.unshare_namespaces)
    if ns:
        # the host's /dev/shm too: POSIX shared memory there is outside RLIMIT_AS and outlives the child
        hidden = sorted({*secrets, *blockers, *_SHARED_MEMORY}, key=lambda p: len(p.parts))
        if step("hide", namespaces.hide_paths, hidden, keep_visible=[*readable, work_dir]):
            blockers = []
        step("tmpfs", namespaces.mount_private_workdir, work_dir, limits,
             uid if is_root else os.getuid(), gid if is_root else os.getgid())
    else:
        status["hide"] = status["tmpfs"] = _unavailable("no mount namespace")
    if status["tmpfs"] != ACTIVE and is_root:
        _chown_tree(work_dir, uid, gid)  # the on-disk work dir must be writable after the uid drop
    if not step("rlimits", rlimits.apply, limits, nproc=is_root and not blockers):
        raise ConfinementError(f"rlimits: {status['rlimits']}")
    step("no_new_privs", set_no_new_privs)
    step("landlock", landlock.apply, readable + [Path("/dev/null")], [work_dir])
    if blockers:
        status["identity"] = _unavailable(f"uid {uid} could not reach {blockers[0]} (no mount namespace)")
    else:
        step("identity", identity.apply, uid, gid)
    if status["no_new_privs"] == ACTIVE:
        step("seccomp", seccomp_filter.apply)
    else:
        status["seccomp"] = _unavailable("no_new_privs not set")
    try:
        os.chdir(work_dir)
        os.listdir(".")
    except OSError as exc:
        raise ConfinementError(f"work dir {work_dir} unusable after confinement: {exc.strerror}") from None
    if sentinels:
        leaked = [str(p) for p in sentinels if _readable(p)]
        status["secrets"] = ACTIVE if not leaked else _unavailable(f"READABLE {', '.join(leaked[:3])}")
    else:
        status["secrets"] = _unavailable("no sentinel files under the secret paths")
    if not any(status.get(k) == ACTIVE for k in ("namespaces", "landlock", "identity", "seccomp")):
        raise ConfinementError(f"no isolation layer could be applied: {status}")
    return status


def _chown_tree(root: Path, uid: int, gid: int) -> None:
    try:
        os.chown(root, uid, gid)
        for base, dirs, files in os.walk(root):
            for name in dirs + files:
                os.chown(os.path.join(base, name), uid, gid, follow_symlinks=False)
    except OSError as exc:
        raise ConfinementError(f"cannot hand the work dir to uid {uid}: {exc.strerror}") from None


def file_isolation_active(status: dict[str, str]) -> bool:
    """True only when the post-confinement check found every secret sentinel unreadable and a layer
    learner code cannot undo is active: Landlock, or the uid drop (which also makes the mount hiding
    permanent; hiding by a child that is still root is not enough).  Hidden suites must run only
    when this is true."""
    if status.get("secrets") != ACTIVE:
        return False
    return status.get("landlock") == ACTIVE or status.get("identity") == ACTIVE


def probe_layers() -> dict[str, str]:
    """Try every layer, then the whole stack, each in a throwaway forked process (for ``grade doctor``)."""
    report: dict[str, str] = {}
    for module in (fds_layer, rlimits, identity, seccomp_filter, landlock, namespaces):
        result: LayerStatus = module.probe()
        report[result.name] = str(result)

    import json
    import shutil

    from . import layers
    import tempfile

    work = tempfile.mkdtemp(prefix="confine-probe-")
    os.chmod(work, 0o755)
    try:
        ok, detail = run_in_fork(lambda: json.dumps(confine(Path(work), Limits(), [layers.REPORT_FD], [])))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if ok:
        stack = json.loads(detail)
        report["full_stack"] = ", ".join(f"{k}={v}" for k, v in stack.items())
        report["file_isolation"] = ACTIVE if file_isolation_active(stack) else _unavailable(stack.get("secrets"))
    else:
        report["full_stack"] = _unavailable(detail)
        report["file_isolation"] = _unavailable(detail)
    return report


prepare()
