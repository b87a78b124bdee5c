#!/usr/bin/env python3
"""Run the job of a GitLab CI/CD component locally, the way a runner's shell
does, for tests/integration/action_steps.sh.

    run_gitlab_job.py COMPONENT.yml --project-dir DIR [--input NAME=VALUE]...
        [--env NAME=VALUE]... [--result FILE]

Reads the component's `spec:inputs` (first YAML document), checks that every
$[[ inputs.NAME ]] in the job is declared and every given input exists,
interpolates them, and runs the one job's `script:` entries in one
`bash -eo pipefail` session in DIR with its `variables:` and the CI_*
variables given. `rules:`, `cache:` (the cached paths simply stay in DIR) and
`image:` are not evaluated. Writes a JSON result (exit status, the job as
interpolated) to --result and exits with the job's status.
"""
import argparse
import json
import os
import re
import subprocess
import sys

import yaml


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("component")
    ap.add_argument("--project-dir", required=True)
    ap.add_argument("--input", action="append", default=[])
    ap.add_argument("--env", action="append", default=[])
    ap.add_argument("--result")
    a = ap.parse_args()

    with open(a.component) as f:
        text = f.read()
    head, sep, body = text.partition("\n---\n")
    if not sep:
        sys.exit("run_gitlab_job.py: no spec header (spec: ... ---)")
    spec = yaml.safe_load(head)["spec"]["inputs"]
    given = dict(kv.split("=", 1) for kv in a.input)
    for name in given:
        if name not in spec:
            sys.exit("run_gitlab_job.py: the component has no input %r" % name)
    values = {n: given.get(n, str((s or {}).get("default", ""))) for n, s in spec.items()}
    for n, s in spec.items():
        options = (s or {}).get("options")
        if options and values[n] not in options:
            sys.exit("run_gitlab_job.py: input %s=%r is not one of %s" % (n, values[n], options))

    def interpolate(m):
        name = m.group(1)
        if name not in values:
            sys.exit("run_gitlab_job.py: $[[ inputs.%s ]] is not declared in spec:inputs" % name)
        return values[name]

    body = re.sub(r"\$\[\[\s*inputs\.([A-Za-z0-9_-]+)\s*\]\]", interpolate, body)
    if "$[[" in body:
        sys.exit("run_gitlab_job.py: an interpolation it does not understand is left")
    jobs = {k: v for k, v in yaml.safe_load(body).items() if not k.startswith(".")}
    if len(jobs) != 1:
        sys.exit("run_gitlab_job.py: expected one job, found %s" % sorted(jobs))
    name, job = next(iter(jobs.items()))

    project = os.path.abspath(a.project_dir)
    env = dict(os.environ)
    env.update({"CI": "true", "GITLAB_CI": "true", "CI_PROJECT_DIR": project,
                "CI_JOB_NAME": name})
    env.update(dict(kv.split("=", 1) for kv in a.env))
    for k, v in (job.get("variables") or {}).items():
        # GitLab takes strings and numbers; a YAML true/false or null (an
        # unquoted interpolation) is an error there.
        if isinstance(v, bool) or not isinstance(v, (str, int, float)):
            sys.exit("run_gitlab_job.py: variable %s is %r, not a string: quote it" % (k, v))
        env[k] = str(v)
    script = "\n".join(job["script"])
    print("run_gitlab_job.py: job %s" % name, flush=True)
    rc = subprocess.call(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
                         cwd=project, env=env)
    if a.result:
        with open(a.result, "w") as f:
            json.dump({"exit_code": rc, "job_name": name, "job": job}, f, indent=2)
    return rc


if __name__ == "__main__":
    sys.exit(main())
