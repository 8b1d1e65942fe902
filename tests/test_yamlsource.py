"""Safe, exact YAML loading: positions, YAML 1.2 scalars, and hostile input."""

from __future__ import annotations

import pytest

from aaib_cp.exceptions import DefinitionError
from aaib_cp.yamlsource import format_path, load_yaml_bytes, load_yaml_text


class TestScalars:
    def test_norway_words_stay_strings(self):
        """no, on, off, yes and y are strings under YAML 1.2 rules."""
        doc = load_yaml_text("a: no\nb: on\nc: off\nd: yes\ne: y\n")
        assert {"a": "no", "b": "on", "c": "off", "d": "yes", "e": "y"} == doc.data

    def test_core_schema_values(self):
        """true/false, null, ints and floats resolve; quoted values stay strings."""
        doc = load_yaml_text("a: true\nb: ~\nc: 12\nd: 1.5\ne: '12'\n")
        assert {"a": True, "b": None, "c": 12, "d": 1.5, "e": "12"} == doc.data

    def test_positions_are_one_based(self):
        """Each value knows its line and column."""
        doc = load_yaml_text("top:\n  - name: x\n    dest: analysys\n")
        assert (3, 11) == doc.where(("top", 0, "dest"))
        assert "top[0].dest" == format_path(("top", 0, "dest"))


class TestHostile:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("a: 1\na: 2\n", "t.yaml:2:1: a: duplicate key 'a' (first defined at line 1)"),
            ("a: &x [1]\nb: *x\n", "t.yaml:1:4: anchors are not allowed"),
            ("a: !!python/object/apply:os.system ['ls']\n", "explicit tag"),
            ("a: !custom 1\n", "explicit tag '!custom' is not allowed"),
            ("<<: {a: 1}\n", "merge keys"),
            ("a: [\n", "t.yaml:2:1: invalid YAML"),
        ],
    )
    def test_refused(self, text, expected):
        """Dangerous or ambiguous YAML is refused with a located message."""
        with pytest.raises(DefinitionError) as info:
            load_yaml_text(text, filename="t.yaml")
        assert expected in str(info.value)

    def test_alias_bomb_refused_without_expanding(self):
        """A billion-laughs document is refused at its first anchor."""
        lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
        for i, name in enumerate("bcdefghi"):
            prev = "abcdefghi"[i]
            lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
        with pytest.raises(DefinitionError) as info:
            load_yaml_text("\n".join(lines), filename="bomb.yaml")
        assert "bomb.yaml:1:4: anchors are not allowed" == str(info.value.problems[0])

    def test_huge_file_refused(self):
        """Files over the size limit are refused before parsing."""
        with pytest.raises(DefinitionError, match="larger than 100 bytes"):
            load_yaml_bytes(b"a: " + b"x" * 200, filename="big.yaml", max_bytes=100)

    def test_invalid_utf8_located(self):
        """Bytes that are not UTF-8 are refused with their line and column."""
        with pytest.raises(DefinitionError, match=r"bad.yaml:2:4: not valid UTF-8"):
            load_yaml_bytes(b"a: 1\nb: \xff\n", filename="bad.yaml")

    def test_bom_is_accepted(self):
        """A UTF-8 byte-order mark at the start is harmless."""
        assert {"a": 1} == load_yaml_bytes(b"\xef\xbb\xbfa: 1\n").data

    def test_deep_nesting_refused(self):
        """Absurdly deep nesting is refused instead of exhausting the stack."""
        with pytest.raises(DefinitionError, match="nested deeper"):
            load_yaml_text("a: " + "[" * 100 + "]" * 100)
