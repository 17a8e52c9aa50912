#!/usr/bin/env python3
"""Regenerates the GitHub test data in this folder from the upstream npm packages.

    python3 testdata/update.py            # rewrite testdata/github/ from npm
    python3 testdata/update.py --check    # regenerate into a scratch folder, diff, exit 1 on change
    python3 testdata/update.py --landscape PATH/TO/landscape.yml
                                          # also re-cut catalog-sources/cncf-landscape.yml

What it writes (see README.md for origins and licences):

- github/rest-openapi-subset.json: from @octokit/openapi (generated/api.github.com.json), the
  operations in OPERATIONS below, every `components` entry they reference (transitively through
  `$ref`) plus EXTRA_COMPONENTS, and the top-level keys the testkit reads (`openapi`, `info`,
  `paths`, `components`).
- github/webhook-examples/<event>/<file>: from @octokit/webhooks-examples
  (api.github.com/index.json), the examples in WEBHOOK_EXAMPLES below. The package lists each
  event's examples in the order of their file names in octokit/webhooks' payload-examples folder
  but does not carry the names, so the table names them by position.
- catalog-sources/cncf-landscape.yml (only with --landscape): the items of cncf/landscape's
  landscape.yml that the recommend catalog names (`landscape:` in app/recommend/catalog), with
  only their name, homepage, repository and CNCF maturity.

Python 3 standard library only; fetches the packages with `npm pack` (the npm registry must be
reachable). Package tarballs are checked against the integrity npm published for them.
"""

import argparse
import base64
import filecmp
import hashlib
import io
import json
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent

OPENAPI_PACKAGE = "@octokit/openapi@23.0.2"
OPENAPI_INTEGRITY = (
    "sha512-pV8M7L9GY23AybNvTmo2nyjmpmnt6+2sRE/tqr0ZLQcPS4lnw7u5eZGNmwRNkBC3D7gZXbFx5AHzLUVRBXGDhg=="
)
OPENAPI_MEMBER = "package/generated/api.github.com.json"

WEBHOOKS_PACKAGE = "@octokit/webhooks-examples@7.6.1"
WEBHOOKS_INTEGRITY = (
    "sha512-De6U3XB6O3DtCa7bKgCMzTHdeopqqZ6SNivMYJnK65ierKL1AnNIA0tkRYCRS7lwGT792d+Ps1WbfHlso6MynQ=="
)
WEBHOOKS_MEMBER = "package/api.github.com/index.json"

# The GitHub REST operations redgreen calls or will call: (path template, methods).
OPERATIONS = [
    ("/app/installations/{installation_id}/access_tokens", ["post"]),
    ("/app", ["get"]),
    ("/repos/{owner}/{repo}/installation", ["get"]),
    ("/repos/{owner}/{repo}", ["get"]),
    ("/repos/{owner}/{repo}/git/ref/{ref}", ["get"]),
    ("/repos/{owner}/{repo}/git/refs", ["post"]),
    ("/repos/{owner}/{repo}/git/refs/{ref}", ["delete", "patch"]),
    ("/repos/{owner}/{repo}/contents/{path}", ["get", "put"]),
    ("/repos/{owner}/{repo}/branches/{branch}", ["get"]),
    ("/repos/{owner}/{repo}/pulls", ["get", "post"]),
    ("/repos/{owner}/{repo}/pulls/{pull_number}", ["get", "patch"]),
    ("/repos/{owner}/{repo}/pulls/{pull_number}/comments", ["get", "post"]),
    ("/repos/{owner}/{repo}/pulls/{pull_number}/comments/{comment_id}/replies", ["post"]),
    ("/repos/{owner}/{repo}/issues/{issue_number}/comments", ["get", "post"]),
    ("/repos/{owner}/{repo}/issues/comments/{comment_id}", ["get", "patch"]),
    ("/repos/{owner}/{repo}/issues/comments/{comment_id}/reactions", ["post"]),
    ("/repos/{owner}/{repo}/pulls/comments/{comment_id}/reactions", ["post"]),
    ("/repos/{owner}/{repo}/check-runs", ["post"]),
    ("/repos/{owner}/{repo}/check-runs/{check_run_id}", ["get", "patch"]),
    ("/repos/{owner}/{repo}/branches/{branch}/protection", ["get"]),
    ("/repos/{owner}/{repo}/rules/branches/{branch}", ["get"]),
    ("/repos/{owner}/{repo}/collaborators/{username}/permission", ["get"]),
    ("/rate_limit", ["get"]),
    ("/repos/{owner}/{repo}/issues", ["post"]),
    ("/repos/{owner}/{repo}/issues/{issue_number}", ["get", "patch"]),
    ("/repos/{owner}/{repo}/issues/{issue_number}/reactions", ["post"]),
    ("/repos/{owner}/{repo}/pulls/{pull_number}/files", ["get"]),
    ("/repos/{owner}/{repo}/pulls/{pull_number}/reviews", ["get", "post"]),
    ("/repos/{owner}/{repo}/commits/{ref}/check-runs", ["get"]),
    ("/repos/{owner}/{repo}/pulls/comments/{comment_id}", ["get"]),
    ("/app-manifests/{code}/conversions", ["post"]),
    ("/app/hook/config", ["get"]),
    ("/app/hook/deliveries", ["get"]),
    ("/app/hook/deliveries/{delivery_id}", ["get"]),
    ("/app/hook/deliveries/{delivery_id}/attempts", ["post"]),
    ("/app/installations", ["get"]),
    ("/installation/repositories", ["get"]),
    ("/repos/{owner}/{repo}/commits/{ref}/check-suites", ["get"]),
    ("/repos/{owner}/{repo}/check-suites/{check_suite_id}", ["get"]),
    ("/repos/{owner}/{repo}/check-suites/{check_suite_id}/rerequest", ["post"]),
    ("/repos/{owner}/{repo}/pulls/{pull_number}/commits", ["get"]),
    ("/user", ["get"]),
    ("/user/installations", ["get"]),
    ("/user/installations/{installation_id}/repositories", ["get"]),
    ("/repos/{owner}/{repo}/git/blobs", ["post"]),
    ("/repos/{owner}/{repo}/git/trees", ["post"]),
    ("/repos/{owner}/{repo}/git/commits", ["post"]),
    ("/repos/{owner}/{repo}/git/commits/{commit_sha}", ["get"]),
    ("/repos/{owner}/{repo}/compare/{basehead}", ["get"]),
    ("/repos/{owner}/{repo}/check-runs/{check_run_id}/rerequest", ["post"]),
    ("/repos/{owner}/{repo}/check-runs/{check_run_id}/annotations", ["get"]),
    ("/repos/{owner}/{repo}/collaborators", ["get"]),
    ("/repos/{owner}/{repo}/statuses/{sha}", ["post"]),
    ("/repos/{owner}/{repo}/commits/{ref}/status", ["get"]),
    ("/orgs/{org}/members/{username}", ["get"]),
]

# Components kept although no operation above refers to them: the answer of
# `GET /app/installations/{installation_id}`, which the testkit serves as a supplementary
# operation (app/testkit/src/openapi.rs).
EXTRA_COMPONENTS = ["#/components/examples/base-installation"]

# The top-level keys of the description that the testkit reads (plus `openapi` and `info`,
# which say what the file is).
TOP_LEVEL_KEYS = ["openapi", "info", "paths", "components"]

# Per event, the file name of each example in the package's order; None skips one. The
# first example of each event (in octokit/webhooks a file whose name sorts first, such as
# `*.payload.json` variants with masked URLs) is not one the tests use.
WEBHOOK_EXAMPLES = {
    "check_run": [
        None,
        "completed.1.payload.json",
        "completed.payload.json",
        "completed.with-organization.payload.json",
        "created.payload.json",
        "created.with-organization.payload.json",
        "requested_action.payload.json",
        "rerequested.payload.json",
        "rerequested.with-organization.payload.json",
    ],
    "check_suite": [
        None,
        "completed.1.payload.json",
        "completed.payload.json",
        "completed.with-organization.payload.json",
        "requested.payload.json",
        "requested.payload.with-email-with-special-characters.json",
        "requested.with-organization.payload.json",
        "rerequested.payload.json",
        "rerequested.with-organization.payload.json",
    ],
    "installation": [
        None,
        "created.payload.json",
        "created.with-requester.payload.json",
        "deleted.payload.json",
        "new_permissions_accepted.payload.json",
        "suspend.payload.json",
        "unsuspend.payload.json",
    ],
    "installation_repositories": [
        None,
        "added.payload.json",
        "removed.payload.json",
    ],
    "issue_comment": [
        None,
        "created.1.payload.json",
        "created.payload.json",
        "created.with-installation.payload.json",
        "created.with-organization.payload.json",
        "deleted.payload.json",
        "deleted.with-organization.payload.json",
        "edited.payload.json",
        "edited.with-organization.payload.json",
    ],
    "issues": [
        None,
        "assigned.payload.json",
        "assigned.with-installation.payload.json",
        "assigned.with-organization.payload.json",
        "deleted.payload.json",
        "demilestoned.payload.json",
        "demilestoned.with-organization.payload.json",
        "edited.payload.json",
        "edited.with-organization.payload.json",
        "labeled.payload.json",
        "labeled.with-organization.payload.json",
        "locked.payload.json",
        "locked.with-organization.payload.json",
        "milestoned.payload.json",
        "milestoned.with-organization.payload.json",
        "opened.payload.json",
        "opened.with-empty-body.payload.json",
        "opened.with-organization.payload.json",
        "opened.with-transfer.payload.json",
        "pinned.payload.json",
        "reopened.payload.json",
        "transferred.payload.json",
        "unassigned.payload.json",
        "unassigned.with-organization.payload.json",
        "unlabeled.payload.json",
        "unlabeled.with-organization.payload.json",
        "unlocked.payload.json",
        "unlocked.with-organization.payload.json",
        "unpinned.payload.json",
    ],
    "ping": [
        None,
        "payload.json",
        "with-app_id.payload.json",
        "with-organization.payload.json",
    ],
    "pull_request": [
        None,
        "assigned.payload.json",
        "assigned.with-organization.payload.json",
        "closed.payload.json",
        "closed.with-organization.payload.json",
        "converted_to_draft.payload.json",
        "converted_to_draft.with-installation.payload.json",
        "converted_to_draft.with-organization.payload.json",
        "labeled.payload.json",
        "labeled.with-organization.payload.json",
        "locked.payload.json",
        "locked.with-organization.payload.json",
        "opened.payload.json",
        "opened.with-null-body.json",
        "opened.with-organization.payload.json",
        "ready_for_review.payload.json",
        "ready_for_review.with-installation.payload.json",
        "ready_for_review.with-organization.payload.json",
        "reopened.payload.json",
        "reopened.with-organization.payload.json",
        "review_request_removed.payload.json",
        "review_requested.payload.json",
        "synchronize.payload.json",
        "unassigned.payload.json",
        "unassigned.with-organization.payload.json",
        "unlabeled.payload.json",
        "unlabeled.with-organization.payload.json",
        "unlocked.payload.json",
        "unlocked.with-organization.payload.json",
    ],
    "pull_request_review": [
        None,
        "dismissed.payload.json",
        "submitted.payload.json",
        "submitted.with-organization.payload.json",
    ],
    "pull_request_review_comment": [
        None,
        "created.payload.json",
        "created.with-organization.payload.json",
        "deleted.payload.json",
        "edited.payload.json",
    ],
}

# octokit/webhooks' LICENSE (the npm package has none of its own; its package.json says MIT).
WEBHOOKS_LICENSE = """The MIT License

Copyright (c) 2018 Gregor Martynus

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in
all copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN
THE SOFTWARE.
"""

# Per landscape item, the fields kept (Crunchbase-derived fields may not be reused).
LANDSCAPE_ITEM_FIELDS = ["name", "homepage_url", "repo_url", "project"]


def fail(message):
    print(f"update.py: {message}", file=sys.stderr)
    sys.exit(1)


def npm_pack(spec, integrity, scratch):
    """Fetches `spec` with `npm pack` into `scratch` and returns the tarball's bytes."""
    result = subprocess.run(
        ["npm", "pack", spec, "--json", "--pack-destination", str(scratch)],
        cwd=scratch,
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        fail(f"npm pack {spec} failed:\n{result.stderr}")
    filename = json.loads(result.stdout)[0]["filename"]
    data = (scratch / filename).read_bytes()
    actual = "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()
    if actual != integrity:
        fail(f"{spec}: integrity {actual} is not the pinned {integrity}")
    return data


def member_json(tarball, member):
    with tarfile.open(fileobj=io.BytesIO(tarball), mode="r:gz") as archive:
        return json.load(archive.extractfile(member))


def member_bytes(tarball, member):
    with tarfile.open(fileobj=io.BytesIO(tarball), mode="r:gz") as archive:
        return archive.extractfile(member).read()


def write_json(path, value):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(value, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def references(node, found):
    if isinstance(node, dict):
        reference = node.get("$ref")
        if isinstance(reference, str):
            found.add(reference)
        for value in node.values():
            references(value, found)
    elif isinstance(node, list):
        for value in node:
            references(value, found)


def openapi_subset(full):
    paths = {}
    for template, methods in OPERATIONS:
        item = full["paths"].get(template)
        if item is None:
            fail(f"{OPENAPI_PACKAGE} has no path {template}")
        missing = [method for method in methods if method not in item]
        if missing:
            fail(f"{OPENAPI_PACKAGE}: {template} lacks {missing}")
        paths[template] = {key: value for key, value in item.items() if key in methods}

    pending = set(EXTRA_COMPONENTS)
    references(paths, pending)
    kept = set()
    while pending:
        reference = pending.pop()
        if reference in kept:
            continue
        parts = reference.split("/")
        if len(parts) != 4 or parts[:2] != ["#", "components"]:
            fail(f"unexpected $ref {reference}")
        target = full["components"].get(parts[2], {}).get(parts[3])
        if target is None:
            fail(f"{OPENAPI_PACKAGE}: {reference} does not resolve")
        kept.add(reference)
        references(target, pending)

    components = {}
    for kind, entries in full["components"].items():
        chosen = {
            name: value
            for name, value in entries.items()
            if f"#/components/{kind}/{name}" in kept
        }
        if chosen:
            components[kind] = chosen

    chosen = {"paths": paths, "components": components}
    return {key: chosen[key] if key in chosen else full[key] for key in TOP_LEVEL_KEYS}


def write_webhook_examples(index, destination):
    by_event = {entry["name"]: entry["examples"] for entry in index}
    for event, names in WEBHOOK_EXAMPLES.items():
        examples = by_event.get(event)
        if examples is None:
            fail(f"{WEBHOOKS_PACKAGE} has no event {event}")
        if len(examples) != len(names):
            fail(
                f"{WEBHOOKS_PACKAGE}: {event} has {len(examples)} examples, the table names "
                f"{len(names)}; the package is not the pinned one"
            )
        for name, example in zip(names, examples):
            if name is None:
                continue
            action = example.get("action")
            if action is not None and not name.startswith(f"{action}."):
                fail(f"{event}/{name}: the example's action is {action!r}")
            write_json(destination / event / name, example)


def landscape_names():
    names = set()
    for path in sorted((REPO / "app/recommend/catalog").rglob("*.yaml")):
        for line in path.read_text(encoding="utf-8").splitlines():
            match = re.match(r"^\s+landscape:\s*(.+?)\s*$", line)
            if match:
                names.add(match.group(1).strip("\"'"))
    return names


def cut_landscape(source, names):
    """Keeps the items of `source` (cncf/landscape's landscape.yml, a regular layout of
    `- category:`, `- subcategory:` and `- item:` blocks, each key on its own line) whose name
    is in `names`, each with LANDSCAPE_ITEM_FIELDS only, under their category and subcategory."""
    tree = []  # [(category, [(subcategory, [item fields])])]
    item_indent = None
    for line in source.splitlines():
        stripped = line.strip()
        indent = len(line) - len(line.lstrip())
        if stripped == "- category:":
            tree.append([None, []])
            item_indent = None
        elif stripped == "- subcategory:":
            tree[-1][1].append([None, []])
            item_indent = None
        elif stripped == "- item:":
            tree[-1][1][-1][1].append({})
            item_indent = indent + 2
        elif stripped.startswith("name:") and item_indent is None and tree:
            value = stripped.partition(":")[2].strip()
            if tree[-1][1]:
                tree[-1][1][-1][0] = value
            else:
                tree[-1][0] = value
        elif item_indent is not None and stripped and indent < item_indent:
            item_indent = None
        elif item_indent is not None and indent == item_indent and ":" in stripped:
            key, _, value = stripped.partition(":")
            tree[-1][1][-1][1][-1][key] = value.strip()

    lines = ["landscape:"]
    found = set()
    for category, subcategories in tree:
        kept_subcategories = []
        for subcategory, items in subcategories:
            kept = [item for item in items if item.get("name", "").strip("\"'") in names]
            if kept:
                kept_subcategories.append((subcategory, kept))
        if not kept_subcategories:
            continue
        lines += ["  - category:", f"    name: {category}", "    subcategories:"]
        for subcategory, items in kept_subcategories:
            lines += ["      - subcategory:", f"        name: {subcategory}", "        items:"]
            for item in items:
                found.add(item["name"].strip("\"'"))
                lines.append("          - item:")
                for key in LANDSCAPE_ITEM_FIELDS:
                    if key in item:
                        lines.append(f"            {key}: {item[key]}")
    missing = sorted(names - found)
    if missing:
        fail(f"not in the landscape: {missing}")
    header = [
        "# Cut from cncf/landscape's landscape.yml (Apache-2.0) by testdata/update.py",
        "# --landscape: the items the recommend catalog names, with name, homepage,",
        "# repository and CNCF maturity only.",
    ]
    return "\n".join(header + lines) + "\n"


def generate(target, landscape):
    with tempfile.TemporaryDirectory() as scratch_name:
        scratch = Path(scratch_name)
        openapi = npm_pack(OPENAPI_PACKAGE, OPENAPI_INTEGRITY, scratch)
        webhooks = npm_pack(WEBHOOKS_PACKAGE, WEBHOOKS_INTEGRITY, scratch)

        github = target / "github"
        subset = openapi_subset(member_json(openapi, OPENAPI_MEMBER))
        write_json(github / "rest-openapi-subset.json", subset)
        license_text = member_bytes(openapi, "package/LICENSE")
        (github / "rest-openapi-subset.LICENSE").write_bytes(license_text)

        examples = github / "webhook-examples"
        for event in WEBHOOK_EXAMPLES:
            shutil.rmtree(examples / event, ignore_errors=True)
        write_webhook_examples(member_json(webhooks, WEBHOOKS_MEMBER), examples)
        (examples / "LICENSE").write_text(WEBHOOKS_LICENSE, encoding="utf-8")

    if landscape is not None:
        text = cut_landscape(Path(landscape).read_text(encoding="utf-8"), landscape_names())
        path = target / "catalog-sources" / "cncf-landscape.yml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def differences(left, right):
    comparison = filecmp.dircmp(left, right)
    found = [f"{left}/{name}" for name in comparison.left_only + comparison.diff_files]
    found += [f"{right}/{name}" for name in comparison.right_only]
    for name in comparison.common_dirs:
        found += differences(left / name, right / name)
    return found


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="regenerate elsewhere and compare")
    parser.add_argument("--landscape", metavar="PATH", help="cncf/landscape's landscape.yml to cut")
    arguments = parser.parse_args()

    if not arguments.check:
        generate(HERE, arguments.landscape)
        return
    with tempfile.TemporaryDirectory() as scratch_name:
        scratch = Path(scratch_name)
        shutil.copytree(HERE / "github", scratch / "github")
        if arguments.landscape is not None:
            shutil.copytree(HERE / "catalog-sources", scratch / "catalog-sources")
        generate(scratch, arguments.landscape)
        changed = differences(HERE / "github", scratch / "github")
        if arguments.landscape is not None:
            changed += differences(HERE / "catalog-sources", scratch / "catalog-sources")
        if changed:
            fail("regenerated files differ:\n  " + "\n  ".join(changed))
    print("update.py: testdata matches the pinned upstream packages")


if __name__ == "__main__":
    main()
