"""Safe, exact YAML loading: positions, YAML 1.2 scalars, and hostile input."""

from __future__ import annotations

import pytest

from aaib_cp.exceptions import DefinitionError
from aaib_cp.workflow.yaml_source import format_path, load_yaml_bytes, load_yaml_text


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


class TestParsers:
    """libyaml (when PyYAML has it) and the pure-Python parser give the same documents."""

    @pytest.mark.parametrize(
        "text",
        [
            "a: no\nb: ~\nc: 12\nd: 1.5\ne: '12'\nf: \"x\"\ng: |\n  block\nh: [1, two, 3.0]\n",
            "- {x: 1}\n- y: [a, b]\n  z: null\n",
            "key: value\nkey: again\n",
            "a: !!python/object:os.system x\n",
        ],
    )
    def test_same_data_positions_and_problems(self, text, monkeypatch):
        """Data, value and key positions, and problems are identical with either parser."""
        import yaml

        from aaib_cp.workflow import yaml_source as yamlsource

        def load() -> tuple:
            try:
                doc = load_yaml_text(text)
            except DefinitionError as exc:
                return ("error", [str(p) for p in exc.problems])
            return (doc.data, doc.positions, doc.key_positions)

        fast = load()
        monkeypatch.setattr(yamlsource, "_Loader", yaml.SafeLoader)
        assert fast == load()

    def test_shipped_workflow_same_with_either_parser(self, monkeypatch):
        """The shipped workflow loads to the same document with either parser."""
        import yaml

        from aaib_cp.workflow import yaml_source as yamlsource
        from tests.conftest import SHIPPED

        text = SHIPPED.read_text("utf-8")
        fast = load_yaml_text(text)
        monkeypatch.setattr(yamlsource, "_Loader", yaml.SafeLoader)
        slow = load_yaml_text(text)
        assert (slow.data, slow.positions, slow.key_positions) == (
            fast.data,
            fast.positions,
            fast.key_positions,
        )
