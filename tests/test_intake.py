"""Hand-ins as LMSs deliver them: one identity per submission, names that cannot hurt the class outputs.

Real files in each LMS's bulk-download layout (Canvas, Moodle, Gradescope, plain zips, `grade
submit` archives, a hand-made zip of ``exercises/``), discovered by ``grader.intake.discover``;
no sandbox is needed to say who is who.
"""
from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grader.archive import ArchiveError, pack_submission
from grader.archive.extract import read_archive
from grader.catalog import EXERCISE_FILES
from grader.intake import NotASubmissionsFolder, discover, read_roster
from grader.names import CLASS_OUTPUTS, is_safe_learner_id, result_folder_name, shown, slug

REPO = Path(__file__).resolve().parents[1]


def _exercises(folder: Path) -> Path:
    folder.mkdir(parents=True)
    for name in EXERCISE_FILES:
        shutil.copyfile(REPO / "solutions" / name, folder / name)
    return folder


def _packed(tmp_path: Path, learner: str, out: Path) -> Path:
    source = tmp_path / "src" / learner
    if not source.exists():
        _exercises(source)
    out.parent.mkdir(parents=True, exist_ok=True)
    return pack_submission(source, learner, out).path


def _by_learner(found):
    return {s.learner: s for s in found.submissions}


# -- names ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name, expected", [
    ("José García", "jose_garcia"), ("Ada Lovelace", "ada_lovelace"), ("ada_lovelace", "ada_lovelace"),
    ("O'Brien, Seán", "o_brien_sean"), ("Zoë", "zoe"),
])
def test_slugs_of_names_are_readable(name, expected):
    assert slug(name) == expected


def test_names_without_ascii_letters_get_a_stable_hashed_id():
    first, again = slug("李 雷"), slug("李 雷")
    assert first == again and first.startswith("learner_") and is_safe_learner_id(first)
    assert slug("王 芳") != first
    assert slug("Zoë 李") != slug("Zoë 王")  # the ASCII part alone would collide


@given(st.text(max_size=80))
@settings(max_examples=300, deadline=None)
def test_any_name_gives_a_safe_id_or_a_clear_error(name):
    try:
        learner = slug(name)
    except ValueError:
        return
    assert is_safe_learner_id(learner)


def test_a_trailing_newline_or_escape_is_not_a_learner_id():
    assert not is_safe_learner_id("ada\n")
    assert not is_safe_learner_id("ada\x1b[31m")
    with pytest.raises(ValueError, match="control characters"):
        slug("ada\n")


def test_learner_folders_never_take_a_class_outputs_place():
    folders = {result_folder_name(name) for name in CLASS_OUTPUTS}
    assert not folders & set(CLASS_OUTPUTS)
    assert result_folder_name("INDEX.HTML") != "INDEX.HTML"  # case-insensitive file systems
    assert result_folder_name("ada_lovelace") == "ada_lovelace"  # normal ids keep their folder


def test_terminal_text_shows_escapes_instead_of_running_them():
    assert shown("a\x1b[2Jb\n") == "a\\x1b[2Jb\\n"


# -- LMS layouts ------------------------------------------------------------------------------------


def test_canvas_bulk_download_including_a_late_hand_in(tmp_path):
    subs = tmp_path / "subs"
    _packed(tmp_path, "ada_lovelace", subs / "lovelaceada_12345_67890_submission-ada_lovelace.zip")
    _packed(tmp_path, "grace", subs / "hoppergrace_LATE_222_333_submission-grace-1.zip")
    found = discover(subs)
    ada, grace = _by_learner(found)["ada_lovelace"], _by_learner(found)["grace"]
    assert ada.identity.lms == "canvas" and ada.identity.lms_user_id == "12345" and not ada.identity.late
    assert grace.identity.late and grace.identity.lms_user_id == "222"
    assert not found.skipped and not found.warnings


def test_moodle_folder_per_participant_keeps_the_full_name(tmp_path):
    subs = tmp_path / "subs"
    _packed(tmp_path, "jgarcia", subs / "José García_4242_assignsubmission_file_" / "submission-jgarcia.zip")
    _exercises(subs / "李 雷_4243_assignsubmission_file_" / "exercises")
    found = discover(subs)
    by = _by_learner(found)
    assert by["jgarcia"].identity.lms == "moodle" and by["jgarcia"].identity.lms_user_id == "4242"
    assert by["jgarcia"].display_name == "José García"
    li = next(s for s in found.submissions if s.identity.lms_user_id == "4243")
    assert li.learner == slug("李 雷") and li.display_name == "李 雷"
    assert li.path.name == "exercises"


def test_gradescope_export_uses_its_metadata(tmp_path):
    subs = tmp_path / "assignment_1_export"
    _exercises(subs / "submission_111")
    _packed(tmp_path, "s2", subs / "submission_112" / "anything.zip")
    (subs / "submission_metadata.yml").write_text(
        "submission_111:\n  :submitters:\n  - :name: José García\n    :sid: '20231234'\n    :email: jg@uni.example\n"
        "submission_112:\n  :submitters:\n  - :name: Ann Other\n    :sid: s2\n", encoding="utf-8")
    by = _by_learner(discover(subs))
    assert by["20231234"].display_name == "José García" and by["20231234"].identity.lms == "gradescope"
    assert by["s2"].identity.source == "manifest"


def test_plain_folders_and_zips_named_after_people_are_mapped(tmp_path):
    subs = tmp_path / "subs"
    _exercises(subs / "José García")
    _exercises(subs / "alice")
    _packed(tmp_path, "bob", subs / "bob.zip")
    _packed(tmp_path, "carol", subs / "submission-carol.zip")
    by = _by_learner(discover(subs))
    assert set(by) == {"jose_garcia", "alice", "bob", "carol"}
    assert by["jose_garcia"].display_name == "José García"
    assert by["alice"].display_name == "alice"


def test_a_hand_made_zip_of_the_exercises_folder_with_init_is_accepted(tmp_path):
    subs = tmp_path / "subs"
    subs.mkdir()
    with zipfile.ZipFile(subs / "dana.zip", "w") as zf:
        zf.writestr("exercises/", b"")
        zf.writestr("exercises/__init__.py", b"")
        zf.writestr("exercises/__pycache__/gru.cpython-311.pyc", b"\0junk")
        for name in EXERCISE_FILES:
            zf.write(REPO / "solutions" / name, f"exercises/{name}")
        zf.writestr("exercises/_utils.py", b"X = 1\n")
    found = discover(subs)
    assert [s.learner for s in found.submissions] == ["dana"]
    contents = read_archive(subs / "dana.zip")
    assert contents.manifest is None
    assert set(contents.files) == set(EXERCISE_FILES) | {"_utils.py"}
    assert "exercises/__init__.py" in contents.ignored


def test_a_hand_made_zip_with_files_in_two_folders_is_refused(tmp_path):
    with zipfile.ZipFile(tmp_path / "x.zip", "w") as zf:
        zf.writestr("a/gru.py", b"")
        zf.writestr("b/lstm.py", b"")
    with pytest.raises(ArchiveError) as info:
        read_archive(tmp_path / "x.zip")
    assert info.value.code == "nested"


def test_an_archive_named_after_someone_else_is_graded_as_its_manifest_says_with_a_warning(tmp_path):
    subs = tmp_path / "subs"
    _packed(tmp_path, "ada", subs / "bob.zip")
    found = discover(subs)
    assert [s.learner for s in found.submissions] == ["ada"]
    assert any("bob.zip" in w and "'bob'" in w and "'ada'" in w for w in found.warnings)


def test_a_renamed_archive_of_a_learner_who_handed_in_too_is_not_graded_and_says_why(tmp_path):
    subs = tmp_path / "subs"
    _exercises(subs / "ada")
    _packed(tmp_path, "ada", subs / "bob.zip")
    found = discover(subs)
    assert [s.learner for s in found.submissions] == ["ada"]
    assert "ada" in found.skipped["bob.zip"] and "own" in found.skipped["bob.zip"]


def test_names_that_cannot_be_used_are_reported_not_dropped(tmp_path):
    subs = tmp_path / "subs"
    _exercises(subs / "ada\n")
    _exercises(subs / "\x1b[31mred")
    (subs / "notes.txt").write_text("hi", encoding="utf-8")
    found = discover(subs)
    assert not found.submissions
    assert any("control characters" in why for why in found.skipped.values())
    assert all("\x1b" not in key and "\n" not in key for key in found.skipped)
    assert "notes.txt" in found.skipped


def test_one_learners_folder_given_by_mistake_is_a_usage_error(tmp_path):
    with pytest.raises(NotASubmissionsFolder, match="one learner's folder"):
        discover(_exercises(tmp_path / "ada"))


# -- rosters ----------------------------------------------------------------------------------------


def test_a_canvas_gradebook_export_as_roster_maps_canvas_file_names(tmp_path):
    roster = tmp_path / "canvas.csv"
    roster.write_text(
        "Student,ID,SIS User ID,SIS Login ID,Section,Deep RNN (1)\n"
        "    Points Possible,,,,,91\n"
        '"García, José",555,s1001,jgarcia,Sec A,\n'
        '"Lovelace, Ada",12345,s1002,alovelace,Sec B,\n', encoding="utf-8")
    subs = tmp_path / "subs"
    subs.mkdir()
    with zipfile.ZipFile(subs / "garciajose_555_9_work.zip", "w") as zf:  # hand-made, no manifest
        for name in EXERCISE_FILES:
            zf.write(REPO / "solutions" / name, name)
    found = discover(subs, read_roster(roster))
    (jose,) = found.submissions
    assert jose.learner == "s1001" and jose.display_name == "García, José" and jose.identity.source == "roster"
    assert jose.identity.roster.section == "Sec A"


def test_a_moodle_worksheet_as_roster_maps_participant_folders(tmp_path):
    roster = tmp_path / "worksheet.csv"
    roster.write_text("Identifier,Full name,Email address,ID number\n"
                      "Participant 4242,José García,jg@uni.example,u42\n", encoding="utf-8-sig")
    subs = tmp_path / "subs"
    _exercises(subs / "José García_4242_assignsubmission_file_")
    (jose,) = discover(subs, read_roster(roster)).submissions
    assert jose.learner == "u42" and jose.display_name == "José García"


# -- archives: any bytes give contents or one documented error ---------------------------------------


@given(st.binary(max_size=4096))
@settings(max_examples=200, deadline=None)
def test_read_archive_of_any_bytes_answers_contents_or_archive_error(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("fuzz") / "x.zip"
    path.write_bytes(data)
    try:
        read_archive(path)
    except ArchiveError:
        pass


@given(st.lists(st.tuples(st.text(min_size=1, max_size=40), st.binary(max_size=64)), max_size=8))
@settings(max_examples=200, deadline=None)
@pytest.mark.filterwarnings("ignore:Duplicate name")
def test_read_archive_of_any_entry_names_answers_contents_or_archive_error(tmp_path_factory, entries):
    path = tmp_path_factory.mktemp("fuzz") / "x.zip"
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in entries:
            try:
                zf.writestr(name, data)
            except Exception:  # noqa: BLE001 - names zipfile itself cannot write are not this test's subject
                pass
    try:
        contents = read_archive(path)
    except ArchiveError:
        return
    assert all("/" not in name and (name.endswith(".py") or name == "MANIFEST.json") for name in contents.files)


def test_files_canvas_delivers_one_by_one_are_gathered_per_learner(tmp_path):
    subs = tmp_path / "subs"
    subs.mkdir()
    for i, name in enumerate(EXERCISE_FILES):
        shutil.copyfile(REPO / "solutions" / name, subs / f"lovelaceada_12345_{700 + i}_{name}")
    (subs / "lovelaceada_12345_799__utils.py").write_text("X = 1\n", encoding="utf-8")
    (subs / "lovelaceada_12345_800_gru-1.py").write_text("# re-uploaded\n", encoding="utf-8")
    shutil.copyfile(REPO / "solutions" / "gates.py", subs / "José García_4242_assignsubmission_file_gates.py")
    staging = tmp_path / "staging"
    staging.mkdir()
    found = discover(subs, staging=staging)
    assert any("two files named gru.py" in why for why in found.skipped.values())  # gru.py and gru-1.py
    (subs / "lovelaceada_12345_800_gru-1.py").unlink()
    (tmp_path / "staging2").mkdir()
    found = discover(subs, staging=tmp_path / "staging2")
    by = _by_learner(found)
    ada = next(s for s in found.submissions if s.identity.lms == "canvas")
    assert ada.identity.lms_user_id == "12345"
    assert {p.name for p in ada.path.iterdir()} == set(EXERCISE_FILES) | {"_utils.py"}
    assert by["jose_garcia"].display_name == "José García" and (by["jose_garcia"].path / "gates.py").is_file()
    assert all(s.identity.lms != "canvas" for s in discover(subs).submissions)  # without a folder to gather in
