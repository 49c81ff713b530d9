"""A copy compared with Docker's json-file log piece by piece (jsonfile_pieces.py)."""

from agents_runner.jsonfile_pieces import ends_with_pieces
from agents_runner.logstream import as_json_file_text as kept

_LINE = ("─" * 7000 + "\n").encode()  # 16,384 is not a multiple of its 3-byte characters
_STAMP = b"2026-12-06T10:00:00.000000000Z"  # the pieces of a line share its first one's time
_PIECES = [(_STAMP, kept(_LINE[:16384])), (_STAMP, kept(_LINE[16384:]))]


def test_a_character_cut_by_a_piece_end_is_the_agents_own_bytes() -> None:
    assert b"\xef\xbf\xbd" in _PIECES[0][1] + _PIECES[1][1]
    assert ends_with_pieces(_LINE, _PIECES, whole=True)


def test_the_pieces_may_end_a_longer_copy_unless_they_are_the_whole_log() -> None:
    assert ends_with_pieces(b"before\n" + _LINE, _PIECES, whole=False)
    assert not ends_with_pieces(b"before\n" + _LINE, _PIECES, whole=True)


def test_a_different_byte_is_a_difference() -> None:
    assert not ends_with_pieces(_LINE[:-2] + b"!\n", _PIECES, whole=True)
    assert not ends_with_pieces(_LINE[1:], _PIECES, whole=True)


def test_the_agents_own_replacement_character_and_bytes_that_are_not_utf8() -> None:
    raw = "a\ufffdb".encode() + b"\xff\xfec\n"
    assert ends_with_pieces(raw, [(_STAMP, kept(raw))], whole=True)


def test_a_replacement_character_cut_by_a_piece_end_is_not_guessed() -> None:
    """The rare case the walk cannot tell apart: answered "different", so the copy is
    read again from the log (never a wrong "same")."""
    raw = b"a" + "\ufffd".encode() + b"\n"
    pieces = [(_STAMP, kept(raw[:2])), (_STAMP, kept(raw[2:]))]
    assert not ends_with_pieces(raw, pieces, whole=True)


def test_a_piece_the_next_one_continues_holds_16_kib_of_the_copy() -> None:
    """A copy with U+FFFD where the agent printed a byte that is not UTF-8 is not the
    output, though the walk could fit it to the frames with a longer first piece."""
    printed = b"x" * 16382 + b"\xff" + "─\n".encode()
    pieces = [(_STAMP, kept(printed[:16384])), (_STAMP, kept(printed[16384:]))]
    assert ends_with_pieces(printed, pieces, whole=True)
    copy = b"x" * 16382 + "\ufffd─\n".encode()
    assert not ends_with_pieces(copy, pieces, whole=True)


def test_binary_output_with_many_replacements_is_left_to_a_read_of_the_log() -> None:
    printed = bytes(range(128, 256)) * 20 + b"\n"
    assert not ends_with_pieces(printed, [(_STAMP, kept(printed))], whole=True)
