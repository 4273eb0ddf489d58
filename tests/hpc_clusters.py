"""Real single-node Slurm and Grid Engine clusters for the HPC tests.

Each installs Debian's packages when missing (``apt-get``; the tests are skipped only
when apt-get itself is unavailable), starts its daemons with state in a temporary folder
(Grid Engine's state lives under /var/lib/gridengine: one cluster per machine), and
stops exactly the processes it started, by PID.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest

SLURM_PACKAGES = ("slurmctld", "slurmd", "slurm-client", "munge")
SGE_PACKAGES = ("gridengine-master", "gridengine-exec", "gridengine-client")


def apt_install(packages: tuple[str, ...], binaries: tuple[str, ...], preseed: str = "") -> None:
    if all(shutil.which(b) for b in binaries):
        return
    if shutil.which("apt-get") is None:
        pytest.skip(f"apt-get is unavailable: cannot install {', '.join(packages)}")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    lock = ["-o", "DPkg::Lock::Timeout=600"]
    if preseed:
        subprocess.run(["debconf-set-selections"], input=preseed, text=True, check=True)
    subprocess.run(["apt-get", "update", "-qq", *lock], check=True, env=env, capture_output=True)
    r = subprocess.run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", *lock, *packages], env=env,
                       capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"apt-get install {' '.join(packages)} failed: {r.stderr[-2000:]}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _stop(procs: list[subprocess.Popen], pids: list[int]) -> None:
    for p in procs:
        if p.poll() is None:
            p.terminate()
    for pid in pids:
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + 10
    for p in procs:
        try:
            p.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def _wait(cond, what: str, timeout: float = 60.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return
        time.sleep(0.2)
    raise RuntimeError(f"timed out waiting for {what}")


SLURM_CONF = """ClusterName=cftest
SlurmctldHost=localhost
SlurmctldPort={ctld_port}
SlurmdPort={d_port}
SlurmUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket={sock}/munge.sock
StateSaveLocation={b}/state
SlurmdSpoolDir={b}/spool
SlurmctldPidFile={b}/slurmctld.pid
SlurmdPidFile={b}/slurmd.pid
SlurmctldLogFile={b}/slurmctld.log
SlurmdLogFile={b}/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc={b}/jobcomp.txt
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
DefMemPerCPU=100
MpiDefault=none
CommunicationParameters=NoInAddrAny
MailProg=/bin/true
ReturnToService=2
MaxArraySize={max_array_size}
MinJobAge=600
SchedulerParameters=sched_interval=1,bf_interval=1,batch_sched_delay=0,sched_min_interval=0
SlurmdParameters=config_overrides
NodeName=localhost CPUs=16 RealMemory=8000
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
"""


@contextmanager
def slurm_cluster(base: Path, max_array_size: int = 1001) -> Iterator[dict[str, str]]:
    """munged + slurmctld + slurmd on localhost; yields the environment for the clients."""
    apt_install(SLURM_PACKAGES, ("slurmctld", "slurmd", "sbatch", "munged"))
    b = base
    for d in ("state", "spool"):
        (b / d).mkdir(parents=True)
    sock = Path(tempfile.mkdtemp(prefix="cf-munge-"))  # munged wants o+x on every folder above its socket
    sock.chmod(0o755)
    key = b / "munge.key"
    key.write_bytes(os.urandom(1024))
    key.chmod(0o400)
    subprocess.run(["munged", f"--socket={sock}/munge.sock", f"--key-file={key}", f"--pid-file={b}/munged.pid",
                    f"--log-file={b}/munged.log", f"--seed-file={b}/munged.seed"], check=True)
    munge_pid = int((b / "munged.pid").read_text().strip())
    conf = b / "slurm.conf"
    conf.write_text(SLURM_CONF.format(b=b, sock=sock, ctld_port=free_port(), d_port=free_port(),
                                      max_array_size=max_array_size))
    env = {**os.environ, "SLURM_CONF": str(conf)}
    procs: list[subprocess.Popen] = []
    try:
        with open(b / "slurmctld.out", "wb") as o1, open(b / "slurmd.out", "wb") as o2:
            procs.append(subprocess.Popen(["slurmctld", "-D", "-f", str(conf)], env=env, stdout=o1, stderr=o1))
            procs.append(subprocess.Popen(["slurmd", "-D", "-N", "localhost", "-f", str(conf)], env=env, stdout=o2,
                                          stderr=o2))

        def idle() -> bool:
            r = subprocess.run(["sinfo", "-h", "-o", "%T"], env=env, capture_output=True, text=True)
            return r.stdout.strip() == "idle"

        _wait(idle, "the Slurm node to be idle")
        yield env
    finally:
        _stop(procs, [munge_pid])
        shutil.rmtree(sock, ignore_errors=True)


SGE_ROOT = Path("/var/lib/gridengine")
SGE_PRESEED = """gridengine-common shared/gridenginemaster string localhost
gridengine-common shared/gridenginecell string default
gridengine-common shared/gridengineconfig boolean true
gridengine-client shared/gridenginemaster string localhost
gridengine-client shared/gridenginecell string default
gridengine-client shared/gridengineconfig boolean true
gridengine-master shared/gridenginemaster string localhost
gridengine-master shared/gridenginecell string default
gridengine-master shared/gridengineconfig boolean true
"""


@contextmanager
def sge_cluster(base: Path) -> Iterator[dict[str, str]]:
    """sge_qmaster + sge_execd on localhost with an ``all.q`` queue; yields the client environment."""
    apt_install(SGE_PACKAGES, ("qsub", "qconf"), preseed=SGE_PRESEED)
    qmaster = shutil.which("sge_qmaster") or "/usr/lib/gridengine/sge_qmaster"
    execd = shutil.which("sge_execd") or "/usr/lib/gridengine/sge_execd"
    host = socket.gethostname()
    env = {**os.environ, "SGE_ROOT": str(SGE_ROOT), "SGE_CELL": "default", "SGE_ND": "1"}
    (SGE_ROOT / "default" / "common" / "host_aliases").write_text(f"localhost {host}\n")
    procs: list[subprocess.Popen] = []
    base.mkdir(parents=True, exist_ok=True)

    def q(*args: str, check: bool = True) -> str:
        r = subprocess.run(["qconf", *args], env=env, capture_output=True, text=True)
        if check and r.returncode != 0:
            raise RuntimeError(f"qconf {' '.join(args)}: {r.stderr or r.stdout}")
        return r.stdout

    try:
        with open(base / "qmaster.out", "wb") as o:
            procs.append(subprocess.Popen([qmaster], env=env, stdout=o, stderr=o))
        _wait(lambda: subprocess.run(["qconf", "-sh"], env=env, capture_output=True).returncode == 0,
              "sge_qmaster to answer")
        glob = base / "global"
        glob.write_text("\n".join(
            ("min_uid                      0" if line.startswith("min_uid") else
             "min_gid                      0" if line.startswith("min_gid") else line)
            for line in q("-sconf", "global").splitlines()) + "\n")
        q("-Mconf", str(glob))
        q("-as", "localhost", check=False)
        sched = base / "sched"
        sched.write_text("\n".join(
            ("schedule_interval                 0:0:1" if line.startswith("schedule_interval") else line)
            for line in q("-ssconf").splitlines()) + "\n")
        q("-Msconf", str(sched))
        if "localhost" not in q("-sel", check=False):
            eh = base / "exechost"
            eh.write_text("hostname localhost\nload_scaling NONE\ncomplex_values NONE\nuser_lists NONE\n"
                          "xuser_lists NONE\nprojects NONE\nxprojects NONE\nusage_scaling NONE\n"
                          "report_variables NONE\n")
            q("-Ae", str(eh))
        if "all.q" not in q("-sql", check=False):
            qf = base / "all.q"
            qf.write_text(QUEUE)
            q("-Aq", str(qf))
        with open(base / "execd.out", "wb") as o:
            procs.append(subprocess.Popen([execd], env=env, stdout=o, stderr=o))

        def ready() -> bool:
            r = subprocess.run(["qstat", "-f"], env=env, capture_output=True, text=True)
            return "all.q@localhost" in r.stdout and "-NA-" not in r.stdout and " au" not in r.stdout

        _wait(ready, "the Grid Engine exec host", timeout=90)
        subprocess.run(["qmod", "-c", "all.q@localhost"], env=env, capture_output=True)
        yield {k: v for k, v in env.items() if k != "SGE_ND"}
    finally:
        _stop(procs, [])


QUEUE = """qname                 all.q
hostlist              localhost
seq_no                0
load_thresholds       NONE
suspend_thresholds    NONE
nsuspend              1
suspend_interval      00:05:00
priority              0
min_cpu_interval      00:05:00
processors            UNDEFINED
qtype                 BATCH INTERACTIVE
ckpt_list             NONE
pe_list               make
rerun                 FALSE
slots                 8
tmpdir                /tmp
shell                 /bin/bash
prolog                NONE
epilog                NONE
shell_start_mode      unix_behavior
starter_method        NONE
suspend_method        NONE
resume_method         NONE
terminate_method      NONE
notify                00:00:60
owner_list            NONE
user_lists            NONE
xuser_lists           NONE
subordinate_list      NONE
complex_values        NONE
projects              NONE
xprojects             NONE
calendar              NONE
initial_state         default
s_rt                  INFINITY
h_rt                  INFINITY
s_cpu                 INFINITY
h_cpu                 INFINITY
s_fsize               INFINITY
h_fsize               INFINITY
s_data                INFINITY
h_data                INFINITY
s_stack               INFINITY
h_stack               INFINITY
s_core                INFINITY
h_core                INFINITY
s_rss                 INFINITY
h_rss                 INFINITY
s_vmem                INFINITY
h_vmem                INFINITY
"""
