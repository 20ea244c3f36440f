"""``gradviz devices``: list the devices torch can use here, with name and memory."""

from __future__ import annotations

import argparse
import json
import os
import platform

from gradviz.core.i18n import _


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("devices", help=_("list cpu, cuda and mps devices with name and memory"))
    p.add_argument("--json", action="store_true", help=_("print the list as JSON"))


def _cpu_name() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "CPU"


def _system_memory() -> int | None:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        return None


def _gib(n: int | None) -> str:
    return "–" if n is None else f"{n / 2**30:.1f} GiB"


def rows() -> list[dict]:
    import torch

    from gradviz.core.devices import list_devices

    out = []
    for d in list_devices():
        row = {"device": d.name, "available": d.available, "name": "", "memory_bytes": None}
        if d.name == "cpu":
            row["name"] = _("{cpu} ({n} threads)").format(
                cpu=_cpu_name(), n=torch.get_num_threads()
            )
            row["memory_bytes"] = _system_memory()
        elif d.available and d.name.startswith("cuda"):
            row["name"] = torch.cuda.get_device_name(d.name)
            row["memory_bytes"] = d.memory_bytes
        elif d.available:
            row["name"] = d.label.split("—", 1)[-1].strip()
            row["memory_bytes"] = d.memory_bytes
        else:
            row["name"] = _("not available: {reason}").format(reason=d.reason)
        out.append(row)
    return out


def run(args: argparse.Namespace) -> int:
    table = rows()
    if args.json:
        print(json.dumps(table, indent=2))
        return 0
    width = max(len(r["device"]) for r in table)
    for r in table:
        memory = _gib(r["memory_bytes"]) if r["available"] else ""
        print(f"{r['device']:<{width}}  {r['name']}{'  ' + memory if memory else ''}")
    return 0
