#!/usr/bin/env python3
"""Stand-in source trees for the localization eval, from PyPI, for repositories that cannot
be fetched as git mirrors here (django, matplotlib, scikit-learn are over the mirror tool's
size limit).

For each dataset instance whose repository has no mirror holding its `base_commit`, this
takes the highest release (pre-releases too) of the repository's PyPI project whose source distribution
was uploaded *before the issue was filed* (`created_at`), so the tree cannot contain the
fix, downloads that sdist (checked against PyPI's sha256), unpacks it once under
`OUT/releases/<name-version>/` and links `OUT/<instance_id>` to it. `redgreen-bench
localize-eval --snapshots OUT` indexes those trees for the instances it has no commit for and
reports them apart, as approximations: a release is not the commit.

Usage: bench/release-snapshots.py DATASET OUT [--repos MIRRORS]

Only the Python standard library; nothing fetched here may be committed.
"""

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import urllib.parse
import urllib.request
import zipfile
from datetime import datetime
from pathlib import Path

# GitHub repository -> PyPI project, where the names differ.
PROJECTS = {"django/django": "Django", "psf/requests": "requests"}
# Releases and pre-releases (`3.0`, `3.0b1`, `0.20rc2`): a pre-release of the version under
# development is closer to `base_commit` than the last final release.
VERSION = re.compile(r"^(\d+(?:\.\d+)*)(?:(a|b|rc)(\d+))?$")
PRE_RANK = {"a": 0, "b": 1, "rc": 2, None: 3}


def version_key(version):
    """PEP 440 order for the forms VERSION accepts; None for any other (dev, post, local)."""
    found = VERSION.match(version)
    if found is None:
        return None
    release = [int(part) for part in found.group(1).split(".")]
    while len(release) > 1 and release[-1] == 0:
        release.pop()
    return (tuple(release), PRE_RANK[found.group(2)], int(found.group(3) or 0))


def has_commit(mirrors, repo, commit):
    if mirrors is None:
        return False
    slug = repo.replace("/", "+")
    for candidate in (mirrors / slug / "repo", mirrors / slug, mirrors / repo):
        if candidate.is_dir():
            probe = subprocess.run(
                ["git", "--git-dir", str(candidate), "cat-file", "-e", f"{commit}^{{commit}}"],
                capture_output=True,
            )
            if probe.returncode == 0:
                return True
    return False


def parse_time(text):
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def releases(project, cache):
    if project not in cache:
        url = f"https://pypi.org/pypi/{project}/json"
        with urllib.request.urlopen(url, timeout=60) as response:
            found = json.load(response)["releases"]
        # Some PyPI mirrors answer with file URLs relative to the JSON document.
        for files in found.values():
            for file in files:
                file["url"] = urllib.parse.urljoin(url, file["url"])
        cache[project] = found
    return cache[project]


def choose(project, filed, cache):
    """The highest release with an sdist uploaded before `filed`."""
    best = None
    for version, files in releases(project, cache).items():
        key = version_key(version)
        if key is None:
            continue
        for file in files:
            if file["packagetype"] != "sdist" or file.get("yanked"):
                continue
            if parse_time(file["upload_time_iso_8601"]) >= filed:
                continue
            if best is None or key > best[0]:
                best = (key, version, file)
    if best is None:
        raise SystemExit(f"{project}: no sdist uploaded before {filed.isoformat()}")
    return best[1], best[2]


def unpack(archive, into):
    """Unpacks `archive` into `into`, dropping the archive's single top directory."""
    staging = into.with_name(into.name + ".partial")
    if staging.exists():  # left by an interrupted run
        shutil.rmtree(staging)
    staging.mkdir(parents=True)
    if archive.name.endswith(".zip"):
        with zipfile.ZipFile(archive) as bundle:
            for name in bundle.namelist():
                target = (staging / name).resolve()
                if not str(target).startswith(str(staging.resolve()) + os.sep):
                    raise SystemExit(f"{archive}: entry {name!r} escapes the archive")
            bundle.extractall(staging)
    else:
        with tarfile.open(archive) as bundle:
            bundle.extractall(staging, filter="data")
    tops = list(staging.iterdir())
    root = tops[0] if len(tops) == 1 and tops[0].is_dir() else staging
    root.rename(into)
    if root != staging:
        staging.rmdir()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dataset", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--repos", type=Path, help="git mirrors; instances they cover are left out")
    args = parser.parse_args()

    cache = {}
    (args.out / "releases").mkdir(parents=True, exist_ok=True)
    for line in args.dataset.read_text().splitlines():
        if not line.strip():
            continue
        instance = json.loads(line)
        repo, instance_id = instance["repo"], instance["instance_id"]
        if has_commit(args.repos, repo, instance["base_commit"]):
            continue
        project = PROJECTS.get(repo, repo.split("/")[-1])
        version, file = choose(project, parse_time(instance["created_at"]), cache)
        release = args.out / "releases" / f"{project}-{version}"
        if not release.is_dir():
            archive = args.out / "releases" / file["filename"]
            if not archive.is_file():
                with urllib.request.urlopen(file["url"], timeout=300) as response:
                    body = response.read()
                digest = hashlib.sha256(body).hexdigest()
                if digest != file["digests"]["sha256"]:
                    raise SystemExit(f"{file['filename']}: sha256 {digest} is not PyPI's")
                archive.write_bytes(body)
            unpack(archive, release)
            archive.unlink()
        link = args.out / instance_id
        if link.is_symlink() or link.exists():
            link.unlink()
        link.symlink_to(Path("releases") / release.name)
        print(f"{instance_id}: {release.name} (filed {instance['created_at']})", file=sys.stderr)


if __name__ == "__main__":
    main()
