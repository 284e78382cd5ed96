#!/usr/bin/env python3
"""Mutation testing of Keel's security checks.

Each mutation (tests/mutations/<area>.toml) deletes or inverts one check:
the file, its exact original text, the replacement, the CMake targets to
rebuild and the CTest tests (a regex) that must fail once it is in. The
harness copies the tree into a scratch directory of its own (never the
developer's tree), configures one build there and keeps it between runs,
checks that the named tests pass on the unchanged tree, then applies one
mutation at a time: rebuild the named targets, run the named tests, revert.

    killed    a named test failed: the check is tested
    survived  every named test passed: nothing would notice the check gone
    invalid   the mutated tree did not build: the mutation tests nothing

Exit status: 0 when every mutation was killed, 1 when one survived or was
invalid, 2 when the harness could not run (a mutation's original text is
not in its file exactly once, a named test fails on the unchanged tree,
a regex names no test).

The build lock (flock on /tmp/keel-build.lock, or $KEEL_BUILD_LOCK) is
held for one step at a time: the first build, the unmutated tests, each
mutation's build and tests; --no-lock when the caller already holds it
(the CTest test mutation.host does).
"""

import argparse
import fcntl
import hashlib
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import tomllib
from contextlib import contextmanager, nullcontext
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
MUTATIONS = REPO / "tests" / "mutations"
AREAS = ("verifier", "parsers", "enrolment", "slb", "kernel", "vmm")
FIELDS = {"id", "area", "file", "original", "replacement", "tests", "targets", "qemu", "why", "also"}
EDIT_FIELDS = {"file", "original", "replacement"}


class HarnessError(Exception):
    pass


def load_mutations(directory):
    mutations, seen = [], set()
    for path in sorted(directory.glob("*.toml")):
        with open(path, "rb") as f:
            doc = tomllib.load(f)
        area = doc.get("area")
        for m in doc.get("mutation", []):
            m = dict(m)
            m.setdefault("area", area)
            m.setdefault("qemu", False)
            where = f"{path.name}: mutation {m.get('id', '?')}"
            missing = {"id", "file", "original", "replacement", "tests", "targets", "why"} - m.keys()
            if missing:
                raise HarnessError(f"{where}: missing {', '.join(sorted(missing))}")
            if set(m) - FIELDS:
                raise HarnessError(f"{where}: unknown fields {', '.join(sorted(set(m) - FIELDS))}")
            if m["area"] not in AREAS:
                raise HarnessError(f"{where}: area {m['area']!r} is not one of {', '.join(AREAS)}")
            if m["id"] in seen:
                raise HarnessError(f"{where}: id used twice")
            if m["original"] == m["replacement"]:
                raise HarnessError(f"{where}: the replacement equals the original")
            if not m["targets"]:
                raise HarnessError(f"{where}: no targets to build")
            # More edits that belong to the same deletion (a check and the
            # assertion behind it): applied and reverted together.
            for also in m.get("also", []):
                if set(also) != EDIT_FIELDS:
                    raise HarnessError(f"{where}: each 'also' edit has exactly file, original, replacement")
            m["edits"] = [{k: m[k] for k in EDIT_FIELDS}] + list(m.get("also", []))
            seen.add(m["id"])
            mutations.append(m)
    return mutations


def check_applicable(tree, mutations):
    for m in mutations:
        for e in m["edits"]:
            path = tree / e["file"]
            n = path.read_text().count(e["original"]) if path.exists() else 0
            if n != 1:
                raise HarnessError(f"{m['id']}: its original text occurs {n} times in {e['file']}, not once: "
                                   "the code moved; update tests/mutations/")


class Lock:
    """The shared build lock, held for one build or test step at a time."""

    def __init__(self, path):
        self.path = path
        self.waited = 0.0  # seconds spent waiting for others' builds and tests

    @contextmanager
    def held(self):
        if not self.path:
            yield
            return
        with open(self.path, "a") as f:
            started = time.monotonic()
            fcntl.flock(f, fcntl.LOCK_EX)
            self.waited += time.monotonic() - started
            try:
                yield
            finally:
                fcntl.flock(f, fcntl.LOCK_UN)


def tree_files(repo):
    """The developer's tree as git sees it: tracked and untracked, not ignored."""
    out = subprocess.run(["git", "-C", str(repo), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                         check=True, capture_output=True).stdout
    return sorted({p for p in out.decode().split("\0") if p and (repo / p).is_file()})


def sync_tree(repo, src):
    """Copies the tree into src, writing only files whose bytes differ, so
    that a build kept from an earlier run stays incremental."""
    src.mkdir(parents=True, exist_ok=True)
    manifest = src / ".keel-mutate-files"
    old = set(manifest.read_text().split("\0")) if manifest.exists() else set()
    files = tree_files(repo)
    changed = 0
    for rel in files:
        a, b = repo / rel, src / rel
        data = a.read_bytes()
        if not b.exists() or b.read_bytes() != data:
            b.parent.mkdir(parents=True, exist_ok=True)
            b.write_bytes(data)
            shutil.copymode(a, b)
            changed += 1
    for rel in old - set(files) - {""}:
        (src / rel).unlink(missing_ok=True)
    manifest.write_text("\0".join(files))
    return changed


def run(cmd, log, capture=False):
    """Runs cmd in a process group of its own, output appended to log (and
    returned when capture); an interrupt ends the whole group (make's
    children too), not only cmd."""
    with open(log, "a") as f:
        f.write(f"\n$ {' '.join(cmd)}\n")
        f.flush()
        p = subprocess.Popen(cmd, stdout=subprocess.PIPE if capture else f, stderr=subprocess.STDOUT, text=True,
                             start_new_session=True)
        try:
            out, _ = p.communicate()
        except BaseException:
            os.killpg(p.pid, signal.SIGTERM)
            p.wait()
            raise
        if capture:
            f.write(out)
        return p.returncode, out or ""


class Harness:
    def __init__(self, args):
        self.args = args
        self.lock = Lock(None if args.no_lock else os.environ.get("KEEL_BUILD_LOCK", "/tmp/keel-build.lock"))
        default = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "keel-mutate" / (
            REPO.name + "-" + hashlib.sha256(str(REPO).encode()).hexdigest()[:8])
        self.scratch = Path(args.scratch).resolve() if args.scratch else default
        if self.scratch == REPO or (REPO in self.scratch.parents and subprocess.run(
                ["git", "-C", str(REPO), "check-ignore", "-q", str(self.scratch)]).returncode != 0):
            raise HarnessError(f"the scratch directory {self.scratch} is inside the tree and not ignored by git; "
                               "give one outside it (or under build/)")
        self.src, self.build = self.scratch / "src", self.scratch / "build"
        self.log = self.scratch / "mutate.log"

    def clock(self):
        """Seconds, less those spent waiting for the build lock."""
        return time.monotonic() - self.lock.waited

    def say(self, text):
        print(text, flush=True)

    def prepare(self):
        self.scratch.mkdir(parents=True, exist_ok=True)
        self.log.write_text("")
        changed = sync_tree(REPO, self.src)
        self.say(f"mutate: scratch tree {self.src} ({changed} files copied or updated), build {self.build}, "
                 f"log {self.log}")
        # Configured again whenever the sources changed: a target added
        # since the last run is otherwise unknown to the scratch build.
        if changed or not (self.build / "CMakeCache.txt").exists():
            testdata = (REPO / ".." / "shared" / "testdata").resolve()
            with self.lock.held():
                if run(["cmake", "-S", str(self.src), "-B", str(self.build),
                        f"-DCMAKE_BUILD_TYPE={self.args.build_type}", f"-DKEEL_TESTDATA_DIR={testdata}"],
                       self.log)[0] != 0:
                    raise HarnessError(f"configuring the scratch build failed (see {self.log})")

    def build_targets(self, targets, lock=True):
        with self.lock.held() if lock else nullcontext():
            return run(["cmake", "--build", str(self.build), f"-j{self.args.jobs}", "--target", *targets],
                       self.log)[0] == 0

    def ctest(self, selection, stop_on_failure, lock=True):
        cmd = ["ctest", "--test-dir", str(self.build), f"-j{self.args.jobs}", *selection, "--output-on-failure"]
        if stop_on_failure:
            cmd.append("--stop-on-failure")
        with self.lock.held() if lock else nullcontext():
            status, out = run(cmd, self.log, capture=True)
        tail = out.split("The following tests FAILED:", 1)
        failed = re.findall(r"^\s*\d+ - (\S+)", tail[1], re.M) if len(tail) == 2 else []
        ran = re.search(r"tests passed, (\d+) tests failed out of (\d+)", out)
        return status, failed, int(ran.group(2)) if ran else 0

    def test_numbers(self, regex):
        p = subprocess.run(["ctest", "--test-dir", str(self.build), "-N", "-R", regex], capture_output=True,
                           text=True)
        return [int(n) for n in re.findall(r"^\s*Test\s+#(\d+):", p.stdout, re.M)]


    def baseline(self, mutations):
        targets = sorted({t for m in mutations for t in m["targets"]})
        self.say(f"mutate: building {len(targets)} targets on the unchanged tree")
        with self.lock.held():  # one hold: the build, the test lists, the unmutated tests
            started = time.monotonic()
            if not self.build_targets(targets, lock=False):
                raise HarnessError(f"the unchanged tree does not build (see {self.log})")
            built = time.monotonic()
            numbers = set()
            for m in mutations:
                found = self.test_numbers(m["tests"])
                if not found:
                    raise HarnessError(f"{m['id']}: no test matches {m['tests']!r}")
                numbers.update(found)
            # One run of every named test (CMake's regular expressions take
            # too few groups for one regex of them all): by test number.
            status, failed, ran = self.ctest(["-I", "0,0,0," + ",".join(map(str, sorted(numbers)))],
                                             stop_on_failure=False, lock=False)
        if status != 0:
            raise HarnessError(f"the named tests fail on the unchanged tree: {', '.join(failed) or '?'} "
                               f"(see {self.log})")
        if ran != len(numbers):
            raise HarnessError(f"ctest ran {ran} of the {len(numbers)} named tests on the unchanged tree "
                               f"(see {self.log})")
        self.say(f"mutate: built in {built - started:.0f} s; all {ran} named tests pass on the unchanged tree "
                 f"({time.monotonic() - built:.0f} s)")

    def apply_one(self, m):
        started = self.clock()
        saved = {}
        try:
            for e in m["edits"]:
                path = self.src / e["file"]
                if path not in saved:
                    saved[path] = path.read_text()
                text = path.read_text()
                path.write_text(text.replace(e["original"], e["replacement"], 1))
            # One hold of the lock per mutation: its build and its tests.
            with self.lock.held():
                if not self.build_targets(m["targets"], lock=False):
                    return "invalid", [], self.clock() - started
                status, failed, ran = self.ctest(["-R", m["tests"]], stop_on_failure=True, lock=False)
            if ran == 0:
                raise HarnessError(f"{m['id']}: ctest ran no test for {m['tests']!r}")
            return ("killed" if status != 0 else "survived"), failed, self.clock() - started
        finally:
            for path, text in saved.items():
                path.write_text(text)

    def run(self, mutations):
        started = time.monotonic()
        self.prepare()
        check_applicable(self.src, mutations)
        self.baseline(mutations)
        results = []
        for i, m in enumerate(mutations, 1):
            verdict, failed, seconds = self.apply_one(m)
            by = f"  by {', '.join(failed[:3])}{' …' if len(failed) > 3 else ''}" if failed else ""
            self.say(f"[{i:>2}/{len(mutations)}] {verdict:<8} {m['id']:<44} {seconds:6.1f} s{by}")
            if verdict != "killed":
                self.say(f"         {m['file']}: {m['why']}")
            results.append((m, verdict))
        self.report(results, time.monotonic() - started)
        return 0 if all(v == "killed" for _, v in results) else 1

    def report(self, results, seconds):
        self.say("\narea        killed  survived  invalid  score")
        for area in AREAS + ("all",):
            rs = [v for m, v in results if area in ("all", m["area"])]
            if not rs:
                continue
            k, s, i = rs.count("killed"), rs.count("survived"), rs.count("invalid")
            self.say(f"{area:<10} {k:>7} {s:>9} {i:>8}  {k}/{len(rs)}")
        waited = f" ({self.lock.waited / 60:.1f} min of it waiting for the build lock)" if self.lock.waited >= 1 else ""
        self.say(f"mutate: {len(results)} mutations in {seconds / 60:.1f} min{waited}")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--host-only", action="store_true", help="skip the mutations whose tests boot QEMU")
    p.add_argument("--only", action="append", metavar="ID", help="run this mutation (repeatable; a prefix of ids "
                   "ending in '.' selects an area's group)")
    p.add_argument("--area", action="append", choices=AREAS, help="run this area's mutations (repeatable)")
    p.add_argument("--list", action="store_true", help="list the mutations and exit")
    p.add_argument("--check", action="store_true", help="check that every mutation applies to the tree (each "
                   "original text occurs exactly once) and exit; builds nothing")
    p.add_argument("--scratch", help="the scratch directory (default ~/.cache/keel-mutate/<tree>); kept between runs")
    p.add_argument("--no-lock", action="store_true", help="take no build lock (the caller holds it)")
    p.add_argument("--build-type", default="RelWithDebInfo", help="CMAKE_BUILD_TYPE of a new scratch build "
                   "(default RelWithDebInfo, as tools/build.sh; None compiles fastest, without optimisation or "
                   "debug information, but the measured images need RelWithDebInfo)")
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 2, help="build and ctest parallelism")
    p.add_argument("--mutations", default=str(MUTATIONS), help=argparse.SUPPRESS)
    args = p.parse_args()
    try:
        mutations = load_mutations(Path(args.mutations))
        if args.host_only:
            mutations = [m for m in mutations if not m["qemu"]]
        if args.area:
            mutations = [m for m in mutations if m["area"] in args.area]
        if args.only:
            wanted = args.only
            unknown = [w for w in wanted if not any(m["id"] == w or (w.endswith(".") and m["id"].startswith(w))
                                                    for m in mutations)]
            if unknown:
                raise HarnessError(f"no such mutation: {', '.join(unknown)}")
            mutations = [m for m in mutations if any(m["id"] == w or (w.endswith(".") and m["id"].startswith(w))
                                                     for w in wanted)]
        if args.list:
            for m in mutations:
                print(f"{m['id']:<44} {m['area']:<9} {'qemu' if m['qemu'] else 'host':<4} {m['file']}\n"
                      f"{'':<44} tests: {m['tests']}\n{'':<44} {m['why']}")
            print(f"{len(mutations)} mutations")
            return 0
        if not mutations:
            raise HarnessError("no mutation selected")
        if args.check:
            check_applicable(REPO, mutations)
            print(f"mutate: all {len(mutations)} mutations apply to {REPO}")
            return 0
        return Harness(args).run(mutations)
    except HarnessError as e:
        print(f"mutate: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("mutate: interrupted (the scratch tree was reverted)", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
