"""The discovery cache: repeated list/show/search on an unchanged catalog skip the load, and
the cache is never stale and never trusted blindly."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import stat
from pathlib import Path

import pytest

from featurecat.cache import cache_folder
from tests.support import cli, make_catalog

COMMANDS = [
    ("list",),
    ("list", "--kind", "model", "--format", "json"),
    ("show", "user_age"),
    ("show", "growth", "--format", "json"),
    ("search", "age"),
    ("search", "owner:growth", "--format", "json"),
]


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return make_catalog(tmp_path / "catalog")


def cache_files() -> list[Path]:
    return sorted(p for p in cache_folder().glob("*.json"))


def search_age(root: Path) -> str:
    result = cli("search", "age", "--format", "json", "--catalog", root)
    assert result.exit_code == 0, result.output
    return str(json.loads(result.output)[0]["description"])


def forge(file: Path, change: tuple[str, str], key: bytes | None) -> None:
    """Rewrite the cache file with a changed payload, re-signed with ``key`` if given."""
    header, payload = file.read_bytes().split(b"\n", 1)
    magic, version, identity, mac = header.decode().split()
    payload = payload.replace(change[0].encode(), change[1].encode())
    if key is not None:
        mac = hmac.new(key, identity.encode() + b"\n" + payload, hashlib.sha256).hexdigest()
    file.write_bytes(f"{magic} {version} {identity} {mac}\n".encode() + payload)


def test_warm_answers_match_cold_ones(root: Path) -> None:
    cold = [cli(*c, "--catalog", root).output for c in COMMANDS]
    assert len(cache_files()) == 1
    warm = [cli(*c, "--catalog", root).output for c in COMMANDS]
    assert warm == cold


def test_an_unchanged_catalog_is_answered_from_the_cache(root: Path) -> None:
    """A cache entry signed with the right key is believed: proof that it is what answers."""
    search_age(root)
    (file,) = cache_files()
    key = (cache_folder() / "key").read_bytes()
    forge(file, ("Age of the user in years.", "Age, from the cache."), key)
    assert search_age(root) == "Age, from the cache."


def test_a_changed_file_is_read_again(root: Path) -> None:
    assert search_age(root) == "Age of the user in years."
    age = root / "features/user/user_age.yaml"
    age.write_text(age.read_text().replace("in years.", "in whole years."))
    assert search_age(root) == "Age of the user in whole years."
    (root / "features/user/user_age.yaml").unlink()
    result = cli("show", "user_age", "--catalog", root)
    assert result.exit_code == 1  # gone, and the models listing it now fail the load
    assert "unknown feature 'user_age'" in result.output


def test_a_racy_change_with_the_same_size_and_time_is_seen(root: Path) -> None:
    """An edit within the same timestamp tick leaves size and mtime as they were; files that
    recent are compared by content."""
    age = root / "features/user/user_age.yaml"
    before = age.stat()
    assert search_age(root) == "Age of the user in years."
    age.write_text(age.read_text().replace("in years.", "in YEARS."))
    os.utime(age, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = age.stat()
    assert (after.st_size, after.st_mtime_ns) == (before.st_size, before.st_mtime_ns)
    assert search_age(root) == "Age of the user in YEARS."


def test_a_forged_or_broken_cache_is_rebuilt_not_read(root: Path) -> None:
    search_age(root)
    (file,) = cache_files()
    forge(file, ("Age of the user in years.", "Forged text, wrong MAC."), None)
    assert search_age(root) == "Age of the user in years."
    forge(file, ("Age of the user in years.", "Forged text, another key."), b"k" * 32)
    assert search_age(root) == "Age of the user in years."
    header = file.read_bytes().split(b"\n", 1)[0]
    for garbage in (b"", b"\x80\x03cos\nsystem\n.", header + b"\n{not json", header + b"\n[]"):
        file.write_bytes(garbage)
        assert search_age(root) == "Age of the user in years."


def test_a_key_others_can_read_is_not_trusted(root: Path) -> None:
    search_age(root)
    key_file = cache_folder() / "key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(cache_folder().stat().st_mode) == 0o700
    (file,) = cache_files()
    forge(file, ("Age of the user in years.", "Signed with a leaked key."), key_file.read_bytes())
    key_file.chmod(0o644)
    assert search_age(root) == "Age of the user in years."


def test_an_invalid_catalog_is_not_cached_and_fails_as_before(root: Path) -> None:
    (root / "teams/risk.yaml").write_text("name: risk\nslack: x\n")
    for _ in range(2):
        result = cli("list", "--catalog", root)
        assert result.exit_code == 1
        assert "teams/risk.yaml:2: error: unknown field 'slack'" in result.output
    assert cache_files() == []


def test_the_cache_lives_in_the_users_cache_folder(
    root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert cache_folder() == tmp_path / "cache" / "featurecat"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert cache_folder() == Path.home() / ".cache" / "featurecat"
