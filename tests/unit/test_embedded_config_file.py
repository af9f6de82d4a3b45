"""nubes.embedded.config_file: the endpoint options of nubes.conf are set in
place, every other line kept."""
from __future__ import annotations

import configparser

from nubes.embedded import config_file

ORIGINAL = """\
# Written by `nubes up`; edit freely.
[DEFAULT]
debug = true

[placement_client]
# where placement answers
endpoint = http://127.0.0.1:8778
  continued
timeout = 7

[identity]
public_endpoint: http://127.0.0.1:5000
#compute_endpoint = http://commented.example/v2.1
"""


def _parse(path) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(path)
    return parser


def test_named_options_change_and_everything_else_stays(tmp_path):
    path = tmp_path / "nubes.conf"
    path.write_text(ORIGINAL)
    changed = config_file.set_options(str(path), {
        "placement_client": {"endpoint": "http://127.0.0.1:18778"},
        "identity": {"public_endpoint": "http://127.0.0.1:15000",
                     "compute_endpoint": "http://127.0.0.1:18774/v2.1"},
        "image_client": {"endpoint": "http://127.0.0.1:19292"},
    })
    assert changed
    text = path.read_text()
    conf = _parse(path)
    assert conf["placement_client"]["endpoint"] == "http://127.0.0.1:18778"
    assert conf["placement_client"]["timeout"] == "7"
    assert conf["identity"]["public_endpoint"] == "http://127.0.0.1:15000"
    assert conf["identity"]["compute_endpoint"] == "http://127.0.0.1:18774/v2.1"
    assert conf["image_client"]["endpoint"] == "http://127.0.0.1:19292"
    assert conf["DEFAULT"]["debug"] == "true"
    for kept in ("# Written by `nubes up`; edit freely.", "# where placement answers",
                 "#compute_endpoint = http://commented.example/v2.1"):
        assert kept in text
    assert "continued" not in text
    # The added option sits in its own section, before the next one.
    assert text.index("compute_endpoint = http://127.0.0.1:18774") > text.index("[identity]")


def test_nothing_to_change_leaves_the_file_alone(tmp_path):
    path = tmp_path / "nubes.conf"
    path.write_text("[placement_client]\nendpoint = http://127.0.0.1:8778\n")
    before = path.stat().st_mtime_ns
    assert not config_file.set_options(
        str(path), {"placement_client": {"endpoint": "http://127.0.0.1:8778"}})
    assert path.stat().st_mtime_ns == before
