#!/usr/bin/env python3
"""Run a composite GitHub Action's steps locally, the way a runner does, for
tests/integration/action_steps.sh.

    run_action.py ACTION_DIR --workspace DIR --temp DIR [--event NAME]
        [--event-json FILE] [--input NAME=VALUE]... [--env NAME=VALUE]...
        [--cache-store DIR] [--result FILE]

Reads ACTION_DIR/action.yml and, in order, evaluates each step's `if:`
(default success()), then runs its `run:` script with `bash --noprofile
--norc -eo pipefail` in its working-directory, with the step's env and the
variables a runner sets (GITHUB_ACTION_PATH, GITHUB_WORKSPACE, GITHUB_EVENT_NAME,
GITHUB_EVENT_PATH, GITHUB_OUTPUT, GITHUB_ENV, GITHUB_PATH, GITHUB_STEP_SUMMARY,
RUNNER_TEMP, ...), and reads back its outputs, exported variables and PATH
additions. `uses:` steps are skipped, except actions/cache, which is emulated
with --cache-store (restore on an exact key, save after a successful job when
the key missed; actions/cache/restore also on a restore-keys prefix, the
newest entry, and actions/cache/save whenever its step runs), so that a
second run exercises the cached path.

Expressions (${{ }}) support what action.yml uses: the inputs, github,
runner, steps and env contexts, string literals, == != && || ! and
parentheses, and success() failure() always() cancelled() startsWith()
contains(). Anything else is an error, so a new construct in action.yml
fails the test until this runner understands it.

Writes a JSON result (steps with status and exit code, the action's outputs,
the job status) to --result; exits 0 when the job succeeded, 1 when a step
failed, 2 on a usage or expression error.
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

import yaml


class ExprError(Exception):
    pass


TOKEN = re.compile(r"""\s*(?:
    (?P<str>'(?:[^']|'')*')
  | (?P<num>\d+(?:\.\d+)?)
  | (?P<op>==|!=|&&|\|\||!|\(|\)|,)
  | (?P<id>[A-Za-z_][A-Za-z0-9_-]*(?:\.[A-Za-z_*][A-Za-z0-9_-]*)*)
)""", re.X)


def tokenize(text):
    pos, out = 0, []
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        m = TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise ExprError("cannot read expression at %r" % text[pos:])
        pos = m.end()
        kind = m.lastgroup
        out.append((kind, m.group(kind)))
    return out


def as_str(v):
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, (dict, list)):
        return json.dumps(v)
    return str(v)


def truthy(v):
    return v not in (None, "", 0, False)


def equal(a, b):
    # GitHub compares strings case-insensitively; null and '' both coerce to 0.
    if a is None:
        a = ""
    if b is None:
        b = ""
    if isinstance(a, str) and isinstance(b, str):
        return a.lower() == b.lower()
    return as_str(a).lower() == as_str(b).lower()


class Evaluator:
    def __init__(self, contexts, status):
        self.contexts = contexts
        self.status = status  # "success" or "failure"

    def eval(self, text):
        self.toks = tokenize(text)
        self.i = 0
        v = self.or_()
        if self.i != len(self.toks):
            raise ExprError("unexpected %r in %r" % (self.toks[self.i][1], text))
        return v

    def peek(self, value=None):
        if self.i < len(self.toks):
            t = self.toks[self.i]
            if value is None or t[1] == value:
                return t
        return None

    def take(self, value):
        if not self.peek(value):
            raise ExprError("expected %r" % value)
        self.i += 1

    def or_(self):
        v = self.and_()
        while self.peek("||"):
            self.i += 1
            rhs = self.and_()
            v = v if truthy(v) else rhs
        return v

    def and_(self):
        v = self.cmp()
        while self.peek("&&"):
            self.i += 1
            rhs = self.cmp()
            v = rhs if truthy(v) else v
        return v

    def cmp(self):
        v = self.unary()
        while self.peek("==") or self.peek("!="):
            op = self.toks[self.i][1]
            self.i += 1
            rhs = self.unary()
            v = equal(v, rhs) if op == "==" else not equal(v, rhs)
        return v

    def unary(self):
        if self.peek("!"):
            self.i += 1
            return not truthy(self.unary())
        return self.primary()

    def primary(self):
        t = self.peek()
        if t is None:
            raise ExprError("expression ends early")
        kind, val = t
        self.i += 1
        if val == "(":
            v = self.or_()
            self.take(")")
            return v
        if kind == "str":
            return val[1:-1].replace("''", "'")
        if kind == "num":
            return float(val)
        if kind != "id":
            raise ExprError("unexpected %r" % val)
        if val in ("true", "false"):
            return val == "true"
        if val == "null":
            return None
        if self.peek("("):
            self.i += 1
            args = []
            while not self.peek(")"):
                args.append(self.or_())
                if self.peek(","):
                    self.i += 1
            self.take(")")
            return self.call(val, args)
        return self.lookup(val)

    def call(self, name, args):
        name = name.lower()
        if name == "success":
            return self.status == "success"
        if name == "failure":
            return self.status == "failure"
        if name == "always":
            return True
        if name == "cancelled":
            return False
        if name == "startswith":
            return as_str(args[0]).lower().startswith(as_str(args[1]).lower())
        if name == "contains":
            return as_str(args[1]).lower() in as_str(args[0]).lower()
        raise ExprError("function %s() is not supported by run_action.py" % name)

    def lookup(self, path):
        parts = path.split(".")
        if parts[0] not in self.contexts:
            raise ExprError("unknown context %r" % parts[0])
        v = self.contexts[parts[0]]
        for p in parts[1:]:
            v = v.get(p) if isinstance(v, dict) else None
        return v


def is_status_call(text):
    return re.search(r"\b(success|failure|always|cancelled)\s*\(", text) is not None


def interpolate(text, ev):
    if not isinstance(text, str):
        return as_str(text)
    return re.sub(r"\$\{\{(.*?)\}\}", lambda m: as_str(ev.eval(m.group(1))), text)


def read_file_commands(path):
    """NAME=value and NAME<<DELIM ... DELIM lines, as runners read them."""
    out = {}
    if not os.path.exists(path):
        return out
    lines = open(path, encoding="utf-8").read().split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if not line:
            continue
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delim = line.split("<<", 1)
            value = []
            while i < len(lines) and lines[i] != delim:
                value.append(lines[i])
                i += 1
            i += 1
            out[name] = "\n".join(value)
        elif "=" in line:
            name, value = line.split("=", 1)
            out[name] = value
        else:
            raise ExprError("malformed file-command line %r" % line)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("action_dir")
    ap.add_argument("--workspace", required=True)
    ap.add_argument("--temp", required=True)
    ap.add_argument("--event", default="push")
    ap.add_argument("--event-json")
    ap.add_argument("--input", action="append", default=[])
    ap.add_argument("--env", action="append", default=[])
    ap.add_argument("--cache-store")
    ap.add_argument("--result")
    a = ap.parse_args()

    action_dir = os.path.abspath(a.action_dir)
    with open(os.path.join(action_dir, "action.yml")) as f:
        action = yaml.safe_load(f)
    if action["runs"]["using"] != "composite":
        sys.exit("run_action.py: not a composite action")
    workspace, temp = os.path.abspath(a.workspace), os.path.abspath(a.temp)
    os.makedirs(temp, exist_ok=True)

    event = {}
    if a.event_json:
        with open(a.event_json) as f:
            event = json.load(f)
    event_path = os.path.join(temp, "event.json")
    with open(event_path, "w") as f:
        json.dump(event, f)
    extra_env = dict(kv.split("=", 1) for kv in a.env)
    step_summary = os.path.join(temp, "step_summary.md")
    open(step_summary, "a").close()

    github = {
        "action_path": action_dir, "workspace": workspace, "event_name": a.event,
        "event": event, "event_path": event_path,
        "token": extra_env.get("GITHUB_TOKEN", ""),
        "sha": extra_env.get("GITHUB_SHA", ""), "ref": extra_env.get("GITHUB_REF", ""),
        "base_ref": extra_env.get("GITHUB_BASE_REF", ""),
        "head_ref": extra_env.get("GITHUB_HEAD_REF", ""),
        "repository": extra_env.get("GITHUB_REPOSITORY", "example/app"),
        "run_id": "1", "server_url": "https://github.com", "api_url": "https://api.github.com",
    }
    runner = {"temp": temp, "os": "Linux", "arch": "X64"}
    contexts = {"github": github, "runner": runner, "steps": {}, "env": {}, "inputs": {}}
    ev = Evaluator(contexts, "success")

    given = dict(kv.split("=", 1) for kv in a.input)
    declared = action.get("inputs") or {}
    for name in given:
        if name not in declared:
            sys.exit("run_action.py: action.yml has no input %r" % name)
    for name, spec in declared.items():
        contexts["inputs"][name] = given[name] if name in given else \
            interpolate(as_str((spec or {}).get("default", "")), ev)

    env = dict(os.environ)
    env.update({
        "CI": "true", "GITHUB_ACTIONS": "true", "GITHUB_ACTION_PATH": action_dir,
        "GITHUB_WORKSPACE": workspace, "GITHUB_EVENT_NAME": a.event,
        "GITHUB_EVENT_PATH": event_path, "GITHUB_STEP_SUMMARY": step_summary,
        "GITHUB_REPOSITORY": github["repository"], "GITHUB_RUN_ID": "1",
        "GITHUB_SERVER_URL": github["server_url"], "GITHUB_API_URL": github["api_url"],
        "RUNNER_TEMP": temp, "RUNNER_OS": "Linux", "RUNNER_ARCH": "X64",
    })
    env.update(extra_env)
    path_additions = []
    results, saves, status = [], [], "success"

    for n, step in enumerate(action["runs"]["steps"]):
        sid = step.get("id") or "__step%d" % n
        name = step.get("name") or step.get("uses") or "step %d" % n
        ev.status = status
        cond = step.get("if", "success()")
        cond = as_str(cond).strip()
        if cond.startswith("${{") and cond.endswith("}}"):
            cond = cond[3:-2]
        if not is_status_call(cond):
            cond = "success() && (%s)" % cond
        record = {"name": name, "id": step.get("id"), "kind": "uses" if "uses" in step else "run"}
        contexts["steps"][sid] = {"outputs": {}, "outcome": None}
        if not truthy(ev.eval(cond)):
            record["status"] = "skipped"
            results.append(record)
            contexts["steps"][sid]["outcome"] = "skipped"
            continue
        if "uses" in step:
            record["uses"] = step["uses"]
            with_ = {k: interpolate(v, ev) for k, v in (step.get("with") or {}).items()}
            if step["uses"].startswith("actions/cache@") and a.cache_store:
                key, path = with_["key"], with_["path"]
                stored = os.path.join(a.cache_store, re.sub(r"[^A-Za-z0-9._-]", "_", key))
                hit = os.path.isdir(stored)
                if hit:
                    shutil.rmtree(path, ignore_errors=True)
                    shutil.copytree(stored, path, symlinks=True)
                else:
                    saves.append((stored, path))
                contexts["steps"][sid]["outputs"]["cache-hit"] = "true" if hit else "false"
                record["status"] = "emulated"
                record["cache_hit"] = hit
            elif step["uses"].startswith("actions/cache/restore@") and a.cache_store:
                # An exact key hits; else the newest entry whose key starts
                # with a restore-keys prefix is restored (cache-hit false).
                key, path = with_["key"], with_["path"]
                safe = lambda k: re.sub(r"[^A-Za-z0-9._-]", "_", k)
                matched = key if os.path.isdir(os.path.join(a.cache_store, safe(key))) else ""
                if not matched and os.path.isdir(a.cache_store):
                    for prefix in [p.strip() for p in with_.get("restore-keys", "").splitlines()
                                   if p.strip()]:
                        cands = [e for e in os.listdir(a.cache_store) if e.startswith(safe(prefix))]
                        if cands:
                            matched = max(cands, key=lambda e: os.path.getmtime(
                                os.path.join(a.cache_store, e)))
                            break
                if matched:
                    shutil.rmtree(path, ignore_errors=True)
                    shutil.copytree(os.path.join(a.cache_store, safe(matched)), path, symlinks=True)
                outs = contexts["steps"][sid]["outputs"]
                outs["cache-hit"] = "true" if matched == key else "false"
                outs["cache-matched-key"] = matched
                record.update(status="emulated", cache_hit=matched == key, matched_key=matched)
            elif step["uses"].startswith("actions/cache/save@") and a.cache_store:
                key, path = with_["key"], with_["path"]
                stored = os.path.join(a.cache_store, re.sub(r"[^A-Za-z0-9._-]", "_", key))
                saved = os.path.isdir(path) and not os.path.isdir(stored)
                if saved:
                    shutil.copytree(path, stored, symlinks=True)
                record.update(status="emulated", saved=saved)
            else:
                record["status"] = "skipped-uses"
                record["with"] = with_
            results.append(record)
            continue
        if as_str(step.get("shell")) != "bash":
            sys.exit("run_action.py: step %r: only shell: bash is supported" % name)
        step_env = dict(env)
        step_env["PATH"] = ":".join(list(reversed(path_additions)) + [env.get("PATH", "")])
        for k, v in (step.get("env") or {}).items():
            step_env[k] = interpolate(v, ev)
        files = {}
        for var in ("GITHUB_OUTPUT", "GITHUB_ENV", "GITHUB_PATH"):
            fd, files[var] = tempfile.mkstemp(prefix=var.lower() + "-", dir=temp)
            os.close(fd)
            step_env[var] = files[var]
        fd, script = tempfile.mkstemp(prefix="step-", suffix=".sh", dir=temp)
        with os.fdopen(fd, "w") as f:
            f.write(step["run"])
        cwd = os.path.join(workspace, interpolate(step.get("working-directory", "."), ev))
        print("::group::%s" % name, flush=True)
        rc = subprocess.call(["bash", "--noprofile", "--norc", "-eo", "pipefail", script],
                             cwd=cwd, env=step_env)
        print("::endgroup:: %s: exit %d" % (name, rc), flush=True)
        contexts["steps"][sid]["outputs"] = read_file_commands(files["GITHUB_OUTPUT"])
        for k, v in read_file_commands(files["GITHUB_ENV"]).items():
            env[k] = v
            contexts["env"][k] = v
        with open(files["GITHUB_PATH"]) as f:
            path_additions += [line.strip() for line in f if line.strip()]
        record.update(status="success" if rc == 0 else "failure", exit_code=rc,
                      outputs=contexts["steps"][sid]["outputs"])
        contexts["steps"][sid]["outcome"] = record["status"]
        results.append(record)
        if rc != 0:
            status = "failure"

    if status == "success":  # actions/cache saves in its post step, on success
        for stored, path in saves:
            if os.path.isdir(path):
                shutil.rmtree(stored, ignore_errors=True)
                shutil.copytree(path, stored, symlinks=True)
    ev.status = status
    outputs = {k: interpolate(v.get("value", ""), ev)
               for k, v in (action.get("outputs") or {}).items()}
    result = {"status": status, "steps": results, "outputs": outputs,
              "step_summary": step_summary, "path_additions": path_additions}
    if a.result:
        with open(a.result, "w") as f:
            json.dump(result, f, indent=2)
    return 0 if status == "success" else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    except ExprError as e:
        print("run_action.py: %s" % e, file=sys.stderr)
        sys.exit(2)
