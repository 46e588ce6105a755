"""Check or update the sha256 hashes in data/registry.json.

    python tools/data_registry.py            # report problems, exit 1 if any
    python tools/data_registry.py --update   # rewrite hashes of changed files

Only run --update after reading the change to the data file: the hash is
what makes a silent edit to course data visible.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from scalecheck.core import data  # noqa: E402
from scalecheck.exercise.keys import write_atomic  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--update", action="store_true", help="rewrite the hashes of changed files")
    args = parser.parse_args()
    if args.update:
        raw = json.loads(data.registry_path().read_text(encoding="utf-8"))
        for item in raw["files"]:
            path = data.data_dir() / item["path"]
            if path.is_file():
                digest = data.sha256_of(path)
                if digest != item.get("sha256"):
                    print(f"updated {item['name']}: {item['path']}")
                    item["sha256"] = digest
        write_atomic(data.registry_path(), json.dumps(raw, indent=1, ensure_ascii=False) + "\n")
    problems = data.validate_registry()
    for problem in problems:
        print(problem)
    print(f"{len(problems)} problem(s) in {data.registry_path()}")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
