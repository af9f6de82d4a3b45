"""Set a few options of an existing INI file in place.

``nubes up`` writes ``nubes.conf`` on its first start and operators may
edit it; a later start on other ports must still leave the endpoint
options naming the ports in use.  A configparser round-trip would drop
every comment and reorder the file, so this is a targeted rewrite: the
lines of the named options get their new value (a value continued on
indented lines loses those lines), an option the section lacks is added
at the end of that section, a missing section at the end of the file, and
every other line (comments, blank lines, other options, their order)
stays as it was.
"""
from __future__ import annotations

import os
import re

_SECTION = re.compile(r"^\s*\[(?P<name>[^\]]+)\]\s*$")
_OPTION = re.compile(r"^(?P<key>[^\s#;=:][^=:]*?)\s*[=:]")


def set_options(path: str, values: dict[str, dict[str, str]]) -> bool:
    """Give the options in ``values`` ({section: {option: value}}) their
    value in the INI file at ``path``; True when the file changed."""
    with open(path) as f:
        lines = f.read().splitlines()
    pending = {section: dict(options) for section, options in values.items()}
    out: list[str] = []
    section: str | None = None
    in_replaced_value = False
    for line in lines:
        if in_replaced_value and line[:1] in (" ", "\t") and line.strip():
            continue  # continuation of a value we replaced
        in_replaced_value = False
        header = _SECTION.match(line)
        if header:
            _add_missing(out, pending.get(section, {}))
            section = header.group("name").strip()
            out.append(line)
            continue
        option = _OPTION.match(line)
        wanted = values.get(section, {})
        if option and option.group("key").strip() in wanted:
            key = option.group("key").strip()
            out.append(f"{key} = {wanted[key]}")
            pending.get(section, {}).pop(key, None)
            in_replaced_value = True
            continue
        out.append(line)
    _add_missing(out, pending.get(section, {}))
    for name, options in pending.items():
        if options:  # a section the file does not have
            out += ["", f"[{name}]"] + [f"{k} = {v}" for k, v in options.items()]
    if out == lines:
        return False
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write("\n".join(out) + "\n")
    os.replace(tmp, path)
    return True


def _add_missing(out: list[str], options: dict[str, str]) -> None:
    """Append the section's still-missing options after its last non-blank line."""
    if not options:
        return
    at = len(out)
    while at > 0 and not out[at - 1].strip():
        at -= 1
    out[at:at] = [f"{k} = {v}" for k, v in options.items()]
    options.clear()

