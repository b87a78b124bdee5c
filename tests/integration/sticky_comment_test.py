#!/usr/bin/env python3
"""ci/sticky-comment.py on its own (run by action_steps.sh):

  - a summary beyond GitHub's 65,536-character comment limit (with characters
    that count twice, an open code fence and <details>) is cut to fit, at a
    line boundary, with the note and the blocks closed;
  - a short summary is posted as it is, after the marker;
  - against a fake GitHub API: the first run creates the comment, the second
    edits that one (found by its marker, past a first page of 100 other
    comments) instead of adding one; another key gets its own comment; a
    403 (a fork's read-only token) is a warning and exit status 0;
  - against a fake GitLab API: the same on merge request notes.

    sticky_comment_test.py PATH/TO/sticky-comment.py
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

SCRIPT = sys.argv[1]
TMP = tempfile.mkdtemp(prefix="pf-sticky-")
MARK = "<!-- perfgate-sticky-comment:perfgate -->"


def utf16_len(s):
    return len(s.encode("utf-16-le")) // 2


def write(name, text):
    path = os.path.join(TMP, name)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    return path


def run(summary_path, env=None, extra=()):
    full_env = {k: v for k, v in os.environ.items()
                if not k.startswith(("GITHUB_", "CI_", "PERFGATE_GITLAB"))}
    full_env.update(env or {})
    body = os.path.join(TMP, "body.md")
    r = subprocess.run([sys.executable, SCRIPT, "--summary", summary_path, "--body-out", body]
                       + list(extra), env=full_env, capture_output=True, text=True, timeout=60)
    with open(body, encoding="utf-8") as f:
        return r, f.read()


def test_truncation():
    rows = ["| \u2705 | `group/case_%05d` | 0.123 ms | 0.456 ms | +3%% | 28 | = | **pass** |" % i
            for i in range(3000)]
    big = ("## perfgate: 3000 cases \U0001F418\n\n<details><summary>all</summary>\n\n"
           "| | case | median | p95 | \u0394 latency | buffers | \u0394 work | verdict |\n"
           "|---|---|---:|---:|---:|---:|---:|---|\n" + "\n".join(rows) + "\n\n```\n"
           + "\U0001F418 plan line\n" * 5000 + "```\n</details>\n")
    assert utf16_len(big) > 200000
    r, body = run(write("big.md", big))
    assert r.returncode == 0, r.stderr
    assert "comment not posted" in r.stdout, r.stdout
    assert utf16_len(body) <= 65536, utf16_len(body)
    assert utf16_len(body) > 60000, utf16_len(body)  # uses the room it has
    assert body.startswith(MARK + "\n")
    assert "Summary truncated" in body and format(utf16_len(big), ",") in body
    head = body[len(MARK) + 1:body.index("\n\n---\n> **Summary truncated**")]
    kept = head.rstrip("\n`/<>detailsu").rstrip()
    assert big.startswith(kept), "the kept part is not the summary's beginning"
    assert body.count("<details") == body.count("</details>")
    fences = [l for l in body.splitlines() if l.lstrip().startswith("```")]
    assert len(fences) % 2 == 0, "unclosed code fence"
    print("sticky_comment_test: %d-character summary cut to %d" % (utf16_len(big), utf16_len(body)))


def test_short_summary_unchanged():
    small = "## perfgate: 2 cases, no regression\n\n2 pass.\n"
    r, body = run(write("small.md", small))
    assert r.returncode == 0, r.stderr
    assert body == MARK + "\n" + small, body


class FakeApi(BaseHTTPRequestHandler):
    comments = []
    calls = []
    deny = False

    def log_message(self, *args):
        pass

    def reply(self, code, obj):
        data = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return json.loads(self.rfile.read(n) or b"{}")

    def authorized(self):
        return self.headers.get("Authorization") == "Bearer t0ken" or \
            self.headers.get("PRIVATE-TOKEN") == "gl-t0ken"

    def handle_any(self, method):
        FakeApi.calls.append((method, self.path))
        if FakeApi.deny or not self.authorized():
            return self.reply(403, {"message": "Resource not accessible by integration"})
        path, _, query = self.path.partition("?")
        page = int(dict(p.split("=") for p in query.split("&") if p).get("page", "1"))
        if method == "GET" and re.fullmatch(r"/(repos/o/r/issues/7/comments|"
                                             r"projects/42/merge_requests/3/notes)", path):
            return self.reply(200, FakeApi.comments[(page - 1) * 100:page * 100])
        if method == "POST" and path in ("/repos/o/r/issues/7/comments",
                                         "/projects/42/merge_requests/3/notes"):
            c = {"id": 1000 + len(FakeApi.comments), "body": self.body()["body"]}
            FakeApi.comments.append(c)
            return self.reply(201, c)
        m = re.fullmatch(r"/(?:repos/o/r/issues/comments|projects/42/merge_requests/3/notes)/(\d+)",
                         path)
        if method in ("PATCH", "PUT") and m:
            for c in FakeApi.comments:
                if c["id"] == int(m.group(1)):
                    c["body"] = self.body()["body"]
                    return self.reply(200, c)
        return self.reply(404, {"message": "Not Found"})

    def do_GET(self):
        self.handle_any("GET")

    def do_POST(self):
        self.handle_any("POST")

    def do_PATCH(self):
        self.handle_any("PATCH")

    def do_PUT(self):
        self.handle_any("PUT")


def test_fake_apis():
    server = HTTPServer(("127.0.0.1", 0), FakeApi)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = "http://127.0.0.1:%d" % server.server_port
    gh = {"GITHUB_TOKEN": "t0ken", "GITHUB_API_URL": url, "GITHUB_REPOSITORY": "o/r",
          "PR_NUMBER": "7"}
    FakeApi.comments[:] = [{"id": i, "body": "someone else's comment %d" % i} for i in range(100)]

    r, _ = run(write("s1.md", "first run\n"), gh)
    assert r.returncode == 0 and "created comment" in r.stdout, (r.stdout, r.stderr)
    r, _ = run(write("s2.md", "second run\n"), gh)
    assert r.returncode == 0 and "updated comment" in r.stdout, (r.stdout, r.stderr)
    ours = [c for c in FakeApi.comments if MARK in c["body"]]
    assert len(ours) == 1 and ours[0]["body"] == MARK + "\nsecond run\n", ours
    assert len(FakeApi.comments) == 101
    assert all(c["body"] == "someone else's comment %d" % c["id"] for c in FakeApi.comments[:100])

    r, _ = run(write("s3.md", "shard\n"), gh, ["--key", "perfgate-rls"])
    assert "created comment" in r.stdout, r.stdout
    assert len(FakeApi.comments) == 102

    FakeApi.deny = True
    r, _ = run(write("s4.md", "fork\n"), gh)
    assert r.returncode == 0, r.returncode
    assert "::warning title=perfgate::could not post" in r.stdout, r.stdout
    FakeApi.deny = False

    gl = {"PERFGATE_GITLAB_TOKEN": "gl-t0ken", "CI_API_V4_URL": url, "CI_PROJECT_ID": "42",
          "CI_MERGE_REQUEST_IID": "3"}
    FakeApi.comments[:] = []
    r, _ = run(write("g1.md", "mr one\n"), gl, ["--platform", "gitlab"])
    assert "created comment" in r.stdout, (r.stdout, r.stderr)
    r, _ = run(write("g2.md", "mr two\n"), gl, ["--platform", "gitlab"])
    assert "updated comment" in r.stdout, (r.stdout, r.stderr)
    assert [c["body"] for c in FakeApi.comments] == [MARK + "\nmr two\n"], FakeApi.comments
    assert ("PUT", "/projects/42/merge_requests/3/notes/1000") in FakeApi.calls
    server.shutdown()
    print("sticky_comment_test: one comment per key, edited in place (GitHub and GitLab); "
          "a 403 is a warning")


if __name__ == "__main__":
    try:
        test_truncation()
        test_short_summary_unchanged()
        test_fake_apis()
    finally:
        shutil.rmtree(TMP, ignore_errors=True)
    print("sticky_comment_test: ok")
