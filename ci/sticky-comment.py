#!/usr/bin/env python3
"""Post perfgate's Markdown summary as one pull/merge request comment that is
updated in place on every run (a "sticky" comment).

    sticky-comment.py --summary FILE [--key NAME] [--body-out FILE]
                      [--platform github|gitlab]

The comment starts with a hidden marker, <!-- perfgate-sticky-comment:NAME -->
(NAME: --key, default "perfgate"; give each job of a matrix its own), by which
the next run finds and edits it instead of adding another. A summary longer
than the platform's limit (GitHub: 65,536 characters per comment) is cut at a
line boundary with a note saying so and where the full summary is; an open
code fence or <details> block is closed first.

GitHub: GITHUB_TOKEN (needs pull-requests: write), GITHUB_REPOSITORY,
GITHUB_API_URL, and the pull request number from GITHUB_EVENT_PATH (or
PR_NUMBER). GitLab: PERFGATE_GITLAB_TOKEN (scope api), CI_API_V4_URL,
CI_PROJECT_ID, CI_MERGE_REQUEST_IID.

Without a token, or outside a pull/merge request, the body is only written
(--body-out) and nothing is posted. A comment that cannot be posted (a fork's
read-only token, an API error) is a warning, never a failure: the gate's
verdict is the job's exit status, not the comment. Exit status: 0, or 2 for
bad usage (the summary file cannot be read).
"""
import argparse
import json
import os
import sys
import urllib.error
import urllib.parse
import urllib.request

LIMITS = {"github": 65536, "gitlab": 1000000}


def length(text):
    """Characters as the platforms count them, conservatively: UTF-16 code
    units (an emoji outside the BMP counts twice)."""
    return len(text.encode("utf-16-le")) // 2


def marker(key):
    return "<!-- perfgate-sticky-comment:%s -->" % key


def body_for(summary, key, limit, full_at):
    """The comment: marker, then the summary, cut to fit in limit."""
    head = marker(key) + "\n"
    if length(head) + length(summary) <= limit:
        return head + summary
    note = ("\n\n---\n> **Summary truncated**: it has %s characters and a comment holds "
            "%s. The full summary is in %s.\n" % (format(length(summary), ","),
                                                 format(limit, ","), full_at))
    # Room for the marker, the note and the closers added below.
    budget = limit - length(head) - length(note) - 64
    cut = summary[:budget]
    while length(cut) > budget:  # characters outside the BMP count twice
        cut = cut[:-(length(cut) - budget)]
    if "\n" in cut:
        cut = cut[:cut.rindex("\n")]
    closers = ""
    if sum(1 for line in cut.splitlines() if line.lstrip().startswith("```")) % 2:
        closers += "\n```"
    open_details = cut.count("<details") - cut.count("</details>")
    closers += "\n</details>" * max(open_details, 0)
    return head + cut + closers + note


def api(method, url, headers, data=None):
    body = json.dumps(data).encode() if data is not None else None
    req = urllib.request.Request(url, data=body, method=method, headers=dict(headers))
    if body is not None:
        req.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.loads(resp.read() or b"null")


def github_target():
    token = os.environ.get("GITHUB_TOKEN", "")
    repo = os.environ.get("GITHUB_REPOSITORY", "")
    number = os.environ.get("PR_NUMBER", "")
    event_path = os.environ.get("GITHUB_EVENT_PATH", "")
    if not number and event_path and os.path.isfile(event_path):
        with open(event_path) as f:
            event = json.load(f)
        number = str((event.get("pull_request") or {}).get("number") or "")
    if not (token and repo and number):
        return None
    base = os.environ.get("GITHUB_API_URL", "https://api.github.com").rstrip("/")
    headers = {"Authorization": "Bearer " + token, "Accept": "application/vnd.github+json",
               "X-GitHub-Api-Version": "2022-11-28", "User-Agent": "perfgate-sticky-comment"}
    return {
        "headers": headers,
        "list": lambda page: "%s/repos/%s/issues/%s/comments?per_page=100&page=%d"
                             % (base, repo, number, page),
        "create": ("POST", "%s/repos/%s/issues/%s/comments" % (base, repo, number)),
        "update": lambda cid: ("PATCH", "%s/repos/%s/issues/comments/%s" % (base, repo, cid)),
        "where": "%s#%s" % (repo, number),
    }


def gitlab_target():
    token = os.environ.get("PERFGATE_GITLAB_TOKEN", "")
    api_url = os.environ.get("CI_API_V4_URL", "").rstrip("/")
    project = os.environ.get("CI_PROJECT_ID", "")
    iid = os.environ.get("CI_MERGE_REQUEST_IID", "")
    if not (token and api_url and project and iid):
        return None
    notes = "%s/projects/%s/merge_requests/%s/notes" % (api_url, urllib.parse.quote(project, ""),
                                                       iid)
    return {
        "headers": {"PRIVATE-TOKEN": token, "User-Agent": "perfgate-sticky-comment"},
        "list": lambda page: "%s?per_page=100&page=%d&sort=asc" % (notes, page),
        "create": ("POST", notes),
        "update": lambda nid: ("PUT", "%s/%s" % (notes, nid)),
        "where": "merge request !%s" % iid,
    }


def post(target, body, key):
    """Edit the comment carrying the marker, or add one. Returns its id."""
    mark = marker(key)
    found = None
    for page in range(1, 51):  # 5,000 comments
        comments = api("GET", target["list"](page), target["headers"])
        for c in comments or []:
            if mark in (c.get("body") or ""):
                found = c["id"]
                break
        if found is not None or not comments or len(comments) < 100:
            break
    if found is not None:
        method, url = target["update"](found)
        api(method, url, target["headers"], {"body": body})
        return found, "updated"
    method, url = target["create"]
    made = api(method, url, target["headers"], {"body": body})
    return made.get("id"), "created"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--summary", required=True)
    ap.add_argument("--key", default="perfgate")
    ap.add_argument("--body-out")
    ap.add_argument("--platform", choices=sorted(LIMITS), default="github")
    args = ap.parse_args()
    try:
        with open(args.summary, encoding="utf-8", errors="replace") as f:
            summary = f.read()
    except OSError as e:
        print("sticky-comment: %s" % e, file=sys.stderr)
        return 2

    if args.platform == "github":
        server = os.environ.get("GITHUB_SERVER_URL", "https://github.com")
        run = os.environ.get("GITHUB_RUN_ID")
        repo = os.environ.get("GITHUB_REPOSITORY")
        full_at = ("the job summary of [the workflow run](%s/%s/actions/runs/%s)"
                   % (server, repo, run)) if run and repo else "the job summary"
        target = github_target()
    else:
        job = os.environ.get("CI_JOB_URL")
        full_at = ("the artifacts of [the job](%s)" % job) if job else "the job's artifacts"
        target = gitlab_target()

    body = body_for(summary, args.key, LIMITS[args.platform], full_at)
    if args.body_out:
        with open(args.body_out, "w", encoding="utf-8") as f:
            f.write(body)
    if target is None:
        print("sticky-comment: no token or no pull/merge request: comment not posted "
              "(%d characters written%s)" % (length(body),
                                            " to " + args.body_out if args.body_out else ""))
        return 0
    try:
        cid, what = post(target, body, args.key)
    except (urllib.error.URLError, OSError, ValueError, KeyError) as e:
        detail = e.read().decode(errors="replace")[:300] if hasattr(e, "read") else ""
        # GitHub's annotation syntax; plain text on GitLab.
        prefix = "::warning title=perfgate::" if args.platform == "github" else "warning: "
        print("%scould not post the summary comment on %s: %s %s"
              % (prefix, target["where"], e, detail))
        return 0
    print("sticky-comment: %s comment %s on %s (%d characters)"
          % (what, cid, target["where"], length(body)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
