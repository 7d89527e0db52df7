"""Submission archives: packing, the manifest, and extraction of hostile zips.

Every malicious archive is crafted by hand with ``zipfile`` and must be rejected with an
ArchiveError whose ``code`` and message say what is wrong, without writing anything outside
the private extraction directory (checked by comparing listings of ``tmp_path``).
"""
from __future__ import annotations

import hashlib
import json
import os
import stat
import warnings
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

import grader
from grader.archive import (
    MANIFEST_NAME,
    ArchiveError,
    ArchiveLimits,
    build_manifest,
    extract_submission,
    pack_submission,
    parse_manifest,
    verify_manifest,
)
from grader.catalog import EXERCISE_FILES
from grader.cli.submit import submit

GATES = b"import numpy as np\n\ndef sigmoid(x):\n    return 1 / (1 + np.exp(-x))\n"
GRU = b"def gru_cell(x, h, params):\n    raise NotImplementedError\n"


# ---------------------------------------------------------------- helpers

def listing(root: Path) -> set[str]:
    """Every path under ``root``, relative, including empty directories."""
    out = set()
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            out.add(os.path.relpath(os.path.join(dirpath, name), root))
    return out


def manifest_bytes(files: dict[str, bytes], learner: str = "ada") -> bytes:
    return json.dumps(build_manifest(learner, files)).encode()


def craft(path: Path, entries: list[tuple[str | zipfile.ZipInfo, bytes]],
          compression: int = zipfile.ZIP_DEFLATED) -> Path:
    """Write a zip with exactly these raw entries (names are not sanitised)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # duplicate names warn
        with zipfile.ZipFile(path, "w", compression) as zf:
            for name, data in entries:
                zf.writestr(name, data)
    return path


def good_entries(extra: list[tuple[str | zipfile.ZipInfo, bytes]] = ()) -> list:
    files = {"gates.py": GATES, "gru.py": GRU}
    return [(MANIFEST_NAME, manifest_bytes(files)), *files.items(), *extra]


def patch_bytes(path: Path, old: bytes, new: bytes) -> None:
    assert len(old) == len(new)
    data = path.read_bytes()
    assert old in data
    path.write_bytes(data.replace(old, new))


def set_flag_bits(path: Path, name: str, bits: int) -> None:
    """OR ``bits`` into the general-purpose flags of ``name`` in both of its zip headers.

    (``ZipFile.writestr`` resets ``flag_bits``, so crafted flags are patched in afterwards.)
    """
    data = bytearray(path.read_bytes())
    raw = name.encode("ascii")
    local = data.find(b"PK\x03\x04")
    while local != -1:
        nlen = int.from_bytes(data[local + 26:local + 28], "little")
        if data[local + 30:local + 30 + nlen] == raw:
            data[local + 6] |= bits & 0xFF
            data[local + 7] |= bits >> 8
        local = data.find(b"PK\x03\x04", local + 4)
    central = data.find(b"PK\x01\x02")
    while central != -1:
        nlen = int.from_bytes(data[central + 28:central + 30], "little")
        if data[central + 46:central + 46 + nlen] == raw:
            data[central + 8] |= bits & 0xFF
            data[central + 9] |= bits >> 8
        central = data.find(b"PK\x01\x02", central + 4)
    path.write_bytes(bytes(data))


@pytest.fixture
def dirs(tmp_path: Path):
    (tmp_path / "in").mkdir()
    (tmp_path / "dest").mkdir()
    return tmp_path / "in", tmp_path / "dest"


def assert_rejected(tmp_path: Path, archive: Path, dest: Path, code: str, *phrases: str,
                    limits: ArchiveLimits | None = None) -> ArchiveError:
    before = listing(tmp_path)
    kwargs = {"limits": limits} if limits else {}
    with pytest.raises(ArchiveError) as info:
        extract_submission(archive, dest, **kwargs)
    err = info.value
    assert err.code == code, f"expected {code}, got {err.code}: {err}"
    for phrase in phrases:
        assert phrase in str(err), str(err)
    # nothing written anywhere under tmp_path, and no leftover private dir in dest
    assert listing(tmp_path) == before
    assert list(dest.iterdir()) == []
    # every message tells the learner what to do
    assert "grade submit" in str(err) or "upload" in str(err)
    return err


# ---------------------------------------------------------------- round trip

def make_exercises(root: Path, files: dict[str, bytes]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (root / name).write_bytes(data)
    return root


def test_round_trip_identical_files_and_valid_manifest(tmp_path):
    files = {name: f"# {name}\nVALUE = {i}\n".encode() * (i + 1)
             for i, name in enumerate(EXERCISE_FILES)}
    src = make_exercises(tmp_path / "exercises", files)
    result = pack_submission(src, "ada_lovelace-1.0", tmp_path / "out" / "sub.zip")
    assert result.path == tmp_path / "out" / "sub.zip" and result.path.is_file()
    assert os.fspath(result) == str(result.path)
    assert result.missing == []
    with zipfile.ZipFile(result.path) as zf:
        assert sorted(zf.namelist()) == sorted([*EXERCISE_FILES, MANIFEST_NAME])

    (tmp_path / "dest").mkdir()
    sub = extract_submission(result.path, tmp_path / "dest")
    assert sub.path.parent == tmp_path / "dest"
    assert stat.S_IMODE(sub.path.stat().st_mode) == 0o700
    assert sub.learner == "ada_lovelace-1.0"
    for name, data in files.items():
        assert (sub.path / name).read_bytes() == data
    assert sorted(p.name for p in sub.files) == sorted(EXERCISE_FILES)
    m = sub.manifest
    assert m == result.manifest
    assert m["grader_version"] == grader.__version__
    assert m["created"].endswith("Z")
    assert [f["name"] for f in m["files"]] == list(EXERCISE_FILES)
    assert verify_manifest(None, sub.path) == m


def test_pack_reports_missing_and_ignores_non_catalogue_files(tmp_path):
    src = make_exercises(tmp_path / "ex", {"gates.py": GATES, "gru.py": GRU,
                                           "notes.txt": b"x", "helper.py": b"y"})
    result = pack_submission(src, "ada", tmp_path / "s.zip")
    assert result.missing == [n for n in EXERCISE_FILES if n not in ("gates.py", "gru.py")]
    with zipfile.ZipFile(result.path) as zf:
        assert sorted(zf.namelist()) == sorted(["gates.py", "gru.py", MANIFEST_NAME])


@pytest.mark.parametrize("learner", ["", ".hidden", "../x", "a/b", "a b", "x" * 65, "é"])
def test_pack_rejects_unsafe_learner_id(tmp_path, learner):
    src = make_exercises(tmp_path / "ex", {"gates.py": GATES})
    with pytest.raises(ArchiveError) as info:
        pack_submission(src, learner, tmp_path / "s.zip")
    assert info.value.code == "learner"
    assert not (tmp_path / "s.zip").exists()


def test_pack_rejects_empty_folder_and_oversized_file(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(ArchiveError, match="no exercise files found"):
        pack_submission(tmp_path / "empty", "ada", tmp_path / "s.zip")
    with pytest.raises(ArchiveError, match="does not exist"):
        pack_submission(tmp_path / "nope", "ada", tmp_path / "s.zip")
    src = make_exercises(tmp_path / "ex", {"gates.py": b"#" * (1024 * 1024 + 1)})
    with pytest.raises(ArchiveError, match="larger than"):
        pack_submission(src, "ada", tmp_path / "s.zip")
    assert listing(tmp_path) == {"empty", "ex", "ex/gates.py"}


# ---------------------------------------------------------------- names and entry types

@pytest.mark.parametrize("name, code, phrase", [
    ("../evil.py", "traversal", "path traversal"),
    ("gates.py/../../evil.py", "traversal", "path traversal"),
    ("..", "traversal", "path traversal"),
    ("C:evil.py", "drive_letter", "drive letter"),
    ("c:/Windows/evil.py", "drive_letter", "drive letter"),
    ("..\\evil.py", "backslash", "backslashes"),
    ("sub\\gates.py", "backslash", "backslashes"),
    ("sub/gates.py", "nested", "inside a folder"),
    ("sub/", "nested", "inside a folder"),
    ("notes.txt", "unknown_file", "not an exercise file"),
    ("__init__.py", "unknown_file", "not an exercise file"),
    ("GATES.PY", "unknown_file", "not an exercise file"),
])
def test_rejects_bad_names(tmp_path, dirs, name, code, phrase):
    src, dest = dirs
    archive = craft(src / "a.zip", good_entries([(name, b"print('pwned')\n")]))
    assert_rejected(tmp_path, archive, dest, code, phrase)


def test_rejects_absolute_path(tmp_path, dirs):
    src, dest = dirs
    target = tmp_path / "abs_evil.py"      # absolute, and inside tmp_path so we would see it
    archive = craft(src / "a.zip", good_entries([(str(target), b"evil")]))
    assert_rejected(tmp_path, archive, dest, "absolute_path", "absolute path")
    assert not target.exists()


def test_rejects_symlink_entry(tmp_path, dirs):
    src, dest = dirs
    info = zipfile.ZipInfo("lstm.py")
    info.create_system = 3
    info.external_attr = 0o120777 << 16
    archive = craft(src / "a.zip", good_entries([(info, b"/etc/passwd")]))
    assert_rejected(tmp_path, archive, dest, "symlink", "symbolic link")


def test_rejects_device_or_directory_mode(tmp_path, dirs):
    src, dest = dirs
    info = zipfile.ZipInfo("lstm.py")
    info.create_system = 3
    info.external_attr = (stat.S_IFIFO | 0o644) << 16
    archive = craft(src / "a.zip", good_entries([(info, b"")]))
    assert_rejected(tmp_path, archive, dest, "not_regular", "not a regular file")


def test_rejects_duplicate_names(tmp_path, dirs):
    src, dest = dirs
    archive = craft(src / "a.zip", good_entries([("gates.py", b"second copy")]))
    assert_rejected(tmp_path, archive, dest, "duplicate", "more than once")


def test_rejects_duplicate_manifest(tmp_path, dirs):
    src, dest = dirs
    archive = craft(src / "a.zip", good_entries([(MANIFEST_NAME, b"{}")]))
    assert_rejected(tmp_path, archive, dest, "duplicate", "more than once")


def test_rejects_non_utf8_name_without_flag(tmp_path, dirs):
    src, dest = dirs
    archive = craft(src / "a.zip", good_entries([("gXtes.py", b"x")]))
    patch_bytes(archive, b"gXtes.py", b"g\xe9tes.py"[:8])  # latin-1 byte, bit 11 unset
    with zipfile.ZipFile(archive) as zf:
        assert not zf.infolist()[-1].flag_bits & 0x800
    assert_rejected(tmp_path, archive, dest, "non_utf8_name", "not marked as UTF-8")


def test_rejects_invalid_utf8_name_with_flag(tmp_path, dirs):
    src, dest = dirs
    archive = craft(src / "a.zip", good_entries([("gXtes.py", b"x")]))
    set_flag_bits(archive, "gXtes.py", 0x800)
    patch_bytes(archive, b"gXtes.py", b"g\xfftes.py"[:8])
    assert_rejected(tmp_path, archive, dest, "non_utf8_name", "not valid UTF-8")


def test_rejects_nul_in_name(tmp_path, dirs):
    src, dest = dirs
    archive = craft(src / "a.zip", good_entries([("gru.pyXevil", b"x")]))
    patch_bytes(archive, b"gru.pyXevil", b"gru.py\x00evil")
    assert_rejected(tmp_path, archive, dest, "bad_name", "control characters")


def test_rejects_too_many_entries(tmp_path, dirs):
    src, dest = dirs
    archive = craft(src / "a.zip", good_entries([(f"f{i}.py", b"") for i in range(70)]))
    assert_rejected(tmp_path, archive, dest, "too_many_entries", "73 entries", "64")


def test_rejects_encrypted_entry(tmp_path, dirs):
    src, dest = dirs
    archive = craft(src / "a.zip", good_entries([("lstm.py", b"x")]))
    set_flag_bits(archive, "lstm.py", 0x1)
    assert_rejected(tmp_path, archive, dest, "encrypted", "encrypted")


# ---------------------------------------------------------------- bombs

def test_rejects_bomb_over_per_file_cap(tmp_path, dirs):
    src, dest = dirs
    archive = craft(src / "a.zip", good_entries([("lstm.py", b"\0" * (64 * 1024 * 1024))]))
    assert archive.stat().st_size < 200_000  # tiny on disk, 64 MiB inflated
    assert_rejected(tmp_path, archive, dest, "too_large_file", "zip bomb", "1048576 bytes")


def test_rejects_bomb_by_compression_ratio(tmp_path, dirs):
    src, dest = dirs
    archive = craft(src / "a.zip", good_entries([("lstm.py", b"\0" * (512 * 1024))]))
    assert_rejected(tmp_path, archive, dest, "ratio", "compresses more than 100:1")


def test_rejects_bomb_over_total_cap(tmp_path, dirs):
    src, dest = dirs
    rnd = os.urandom(300 * 1024)  # incompressible: no ratio trip, under per-file cap
    entries = good_entries([("lstm.py", rnd), ("stacked.py", rnd), ("vanilla.py", rnd)])
    archive = craft(src / "a.zip", entries)
    limits = ArchiveLimits(max_total_bytes=800 * 1024)
    assert_rejected(tmp_path, archive, dest, "too_large_total", "in total", limits=limits)


def test_header_sizes_are_not_trusted(tmp_path, dirs):
    """A bomb whose headers claim a tiny size still never gets inflated to disk."""
    src, dest = dirs
    bomb = b"\0" * (32 * 1024 * 1024)
    archive = craft(src / "a.zip", good_entries([("lstm.py", bomb)]))
    with zipfile.ZipFile(archive) as zf:
        info = zf.getinfo("lstm.py")
        real = info.file_size
    # rewrite the uncompressed size in both the local header and central directory
    patch_bytes(archive, real.to_bytes(4, "little"), (100).to_bytes(4, "little"))
    err = assert_rejected(tmp_path, archive, dest, "corrupt", "damaged")
    assert "CRC" in str(err)


def test_rejects_oversized_archive_file(tmp_path, dirs):
    src, dest = dirs
    archive = craft(src / "a.zip", good_entries([("lstm.py", os.urandom(64 * 1024))]))
    limits = ArchiveLimits(max_archive_bytes=32 * 1024)
    assert_rejected(tmp_path, archive, dest, "too_large_archive", "over the 32768-byte limit",
                    limits=limits)


# ---------------------------------------------------------------- corrupt and not-a-zip

def test_rejects_not_a_zip(tmp_path, dirs):
    src, dest = dirs
    archive = src / "a.zip"
    archive.write_bytes(b"def gru_cell(): pass\n" * 10)
    assert_rejected(tmp_path, archive, dest, "not_zip", "is not a zip archive")


def test_rejects_truncated_zip(tmp_path, dirs):
    src, dest = dirs
    archive = craft(src / "a.zip", good_entries())
    archive.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    assert_rejected(tmp_path, archive, dest, "not_zip", "truncated or corrupt")


def test_rejects_crc_error(tmp_path, dirs):
    src, dest = dirs
    archive = craft(src / "a.zip", good_entries(), compression=zipfile.ZIP_STORED)
    patch_bytes(archive, b"def sigmoid", b"def sigmoiD")
    err = assert_rejected(tmp_path, archive, dest, "corrupt", "damaged")
    assert "CRC" in str(err)


def test_rejects_corrupt_deflate_stream(tmp_path, dirs):
    src, dest = dirs
    archive = craft(src / "a.zip", good_entries([("lstm.py", os.urandom(4096))]))
    with zipfile.ZipFile(archive) as zf:
        offset = zf.getinfo("lstm.py").header_offset
    data = bytearray(archive.read_bytes())
    start = offset + 30 + len("lstm.py")
    data[start:start + 64] = b"\xff" * 64
    archive.write_bytes(bytes(data))
    assert_rejected(tmp_path, archive, dest, "corrupt", "damaged")


# ---------------------------------------------------------------- manifest

def test_rejects_missing_manifest(tmp_path, dirs):
    src, dest = dirs
    archive = craft(src / "a.zip", [("gates.py", GATES)])
    assert_rejected(tmp_path, archive, dest, "manifest_missing", "no MANIFEST.json")


def test_rejects_malformed_manifest(tmp_path, dirs):
    src, dest = dirs
    archive = craft(src / "a.zip", [(MANIFEST_NAME, b"{not json"), ("gates.py", GATES)])
    assert_rejected(tmp_path, archive, dest, "manifest_malformed", "not valid JSON")


@pytest.mark.parametrize("mutate, phrase", [
    (lambda m: m.update(learner="../../etc"), "not a safe id"),
    (lambda m: m.update(learner=".hidden"), "not a safe id"),
    (lambda m: m.pop("grader_version"), "missing field(s) grader_version"),
    (lambda m: m.update(extra=1), "unexpected field(s) extra"),
    (lambda m: m.update(format=2), "format is 2"),
    (lambda m: m.update(created="yesterday"), "created"),
    (lambda m: m.update(files=[]), "non-empty list"),
    (lambda m: m["files"][0].update(sha256="abc"), "64 lowercase hex"),
    (lambda m: m["files"][0].update(size=-1), "non-negative integer"),
    (lambda m: m["files"][0].update(name="../gates.py"), "not an exercise file"),
    (lambda m: m["files"].append(dict(m["files"][0])), "listed twice"),
])
def test_rejects_manifest_schema_errors(tmp_path, dirs, mutate, phrase):
    src, dest = dirs
    manifest = build_manifest("ada", {"gates.py": GATES})
    mutate(manifest)
    archive = craft(src / "a.zip", [(MANIFEST_NAME, json.dumps(manifest).encode()),
                                    ("gates.py", GATES)])
    assert_rejected(tmp_path, archive, dest, "manifest_schema", phrase)


def test_rejects_tampered_file_with_stale_hash(tmp_path, dirs):
    src, dest = dirs
    ex = make_exercises(tmp_path / "ex", {"gates.py": GATES, "gru.py": GRU})
    packed = pack_submission(ex, "ada", src / "orig.zip")
    with zipfile.ZipFile(packed.path) as zf:
        manifest = zf.read(MANIFEST_NAME)
    archive = craft(src / "a.zip", [(MANIFEST_NAME, manifest), ("gates.py", GATES),
                                    ("gru.py", b"def gru_cell(x, h, p):\n    return h\n")])
    assert_rejected(tmp_path, archive, dest, "tampered", "gru.py does not match", "SHA-256")


def test_rejects_file_listed_but_absent(tmp_path, dirs):
    src, dest = dirs
    archive = craft(src / "a.zip", [(MANIFEST_NAME, manifest_bytes({"gates.py": GATES, "gru.py": GRU})),
                                    ("gates.py", GATES)])
    assert_rejected(tmp_path, archive, dest, "missing_file", "gru.py is listed")


def test_rejects_file_present_but_not_listed(tmp_path, dirs):
    src, dest = dirs
    archive = craft(src / "a.zip", [(MANIFEST_NAME, manifest_bytes({"gates.py": GATES})),
                                    ("gates.py", GATES), ("gru.py", GRU)])
    assert_rejected(tmp_path, archive, dest, "unlisted_file", "gru.py is in the archive but not")


def test_verify_manifest_on_directory(tmp_path):
    d = make_exercises(tmp_path / "d", {"gates.py": GATES, "gru.py": GRU})
    with pytest.raises(ArchiveError) as info:
        verify_manifest(None, d)
    assert info.value.code == "manifest_missing"
    manifest = build_manifest("ada", {"gates.py": GATES, "gru.py": GRU})
    (d / MANIFEST_NAME).write_text(json.dumps(manifest))
    assert verify_manifest(None, d)["learner"] == "ada"
    assert verify_manifest(manifest, d) == manifest
    assert verify_manifest(json.dumps(manifest), d) == manifest

    (d / "lstm.py").write_bytes(b"x")
    with pytest.raises(ArchiveError, match="lstm.py is in the submission but not"):
        verify_manifest(manifest, d)
    (d / "lstm.py").unlink()

    (d / "gru.py").write_bytes(GRU + b"# edited\n")
    with pytest.raises(ArchiveError, match="tampered"):
        verify_manifest(manifest, d)
    (d / "gru.py").unlink()
    (d / "gru.py").symlink_to(d / "gates.py")
    with pytest.raises(ArchiveError, match="gru.py is listed") as info:
        verify_manifest(manifest, d)
    assert info.value.code == "missing_file"
    with pytest.raises(ArchiveError) as info:
        verify_manifest(b"[1, 2", d)
    assert info.value.code == "manifest_malformed"


def test_parse_manifest_rejects_bool_size_and_non_object():
    m = build_manifest("ada", {"gates.py": GATES})
    m["files"][0]["size"] = True
    with pytest.raises(ArchiveError, match="non-negative integer"):
        parse_manifest(json.dumps(m))
    with pytest.raises(ArchiveError, match="JSON object"):
        parse_manifest(b"[]")


def test_extract_needs_existing_destination(tmp_path):
    ex = make_exercises(tmp_path / "ex", {"gates.py": GATES})
    packed = pack_submission(ex, "ada", tmp_path / "s.zip")
    with pytest.raises(ArchiveError, match="not an existing directory"):
        extract_submission(packed.path, tmp_path / "missing")


# ---------------------------------------------------------------- CLI

def test_cli_submit_packs_and_prints_hashes_and_missing(tmp_path, monkeypatch):
    runner = CliRunner()
    make_exercises(tmp_path / "exercises", {"gates.py": GATES, "gru.py": GRU})
    monkeypatch.chdir(tmp_path)  # defaults: --dir exercises, --out submission-<learner>.zip
    result = runner.invoke(submit, ["--learner", "ada"])
    assert result.exit_code == 0, result.output
    archive = tmp_path / "submission-ada.zip"
    assert archive.is_file()
    out = result.output
    assert "submission-ada.zip" in out
    assert hashlib.sha256(GATES).hexdigest() in out and hashlib.sha256(GRU).hexdigest() in out
    assert f"Missing ({len(EXERCISE_FILES) - 2}" in out and "lstm.py" in out and "param_count.py" in out and "masked.py" in out
    (tmp_path / "dest").mkdir()
    sub = extract_submission(archive, tmp_path / "dest")
    assert (sub.path / "gates.py").read_bytes() == GATES


def test_cli_submit_options_and_errors(tmp_path):
    runner = CliRunner()
    files = {name: b"# done\n" for name in EXERCISE_FILES}
    src = make_exercises(tmp_path / "mine", files)
    out = tmp_path / "deep" / "mine.zip"
    result = runner.invoke(submit, ["--dir", str(src), "--learner", "bob", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert str(out) in result.output and "Missing: none" in result.output

    result = runner.invoke(submit, ["--dir", str(src), "--learner", "../bob"])
    assert result.exit_code == 2 and "not a valid learner id" in result.output

    result = runner.invoke(submit, ["--dir", str(tmp_path / "nope"), "--learner", "bob"])
    assert result.exit_code == 1 and "does not exist" in result.output

    result = runner.invoke(submit, ["--dir", str(src)])
    assert result.exit_code == 2 and "--learner" in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["deep", "mine"]
