"""A copy compared with Docker's json-file log piece by piece (jsonfile_pieces.py)."""

from agents_runner.jsonfile_pieces import ends_with_pieces
from agents_runner.logstream import as_json_file_text as kept

_LINE = ("─" * 7000 + "\n").encode()  # 16,384 is not a multiple of its 3-byte characters
_PIECES = [kept(_LINE[:16384]), kept(_LINE[16384:])]


def test_a_character_cut_by_a_piece_end_is_the_agents_own_bytes() -> None:
    assert b"\xef\xbf\xbd" in _PIECES[0] + _PIECES[1]
    assert ends_with_pieces(_LINE, _PIECES, whole=True)


def test_the_pieces_may_end_a_longer_copy_unless_they_are_the_whole_log() -> None:
    assert ends_with_pieces(b"before\n" + _LINE, _PIECES, whole=False)
    assert not ends_with_pieces(b"before\n" + _LINE, _PIECES, whole=True)


def test_a_different_byte_is_a_difference() -> None:
    assert not ends_with_pieces(_LINE[:-2] + b"!\n", _PIECES, whole=True)
    assert not ends_with_pieces(_LINE[1:], _PIECES, whole=True)


def test_the_agents_own_replacement_character_and_bytes_that_are_not_utf8() -> None:
    raw = "a\ufffdb".encode() + b"\xff\xfec\n"
    assert ends_with_pieces(raw, [kept(raw)], whole=True)


def test_a_replacement_character_cut_by_a_piece_end_is_not_guessed() -> None:
    """The rare case the walk cannot tell apart: answered "different", so the copy is
    read again from the log (never a wrong "same")."""
    raw = b"a" + "\ufffd".encode() + b"\n"
    assert not ends_with_pieces(raw, [kept(raw[:2]), kept(raw[2:])], whole=True)
