"""Lock a process out of the network: a seccomp filter, else a network namespace of its own.

The query workers (``store.workers``) call ``lock_network`` first thing, before they
load data or read a query, so that even a query that got past every check (a
SERVICE the parsers disagree on) cannot open a connection anywhere.

Mechanisms, in order:

1. **seccomp** (Linux on x86_64 or aarch64, no privilege needed): ``prctl(PR_SET_NO_NEW_PRIVS)``
   then ``seccomp(SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC)`` with a BPF
   program that makes ``socket()`` of every address family fail with ``EACCES`` (no
   TCP, UDP, raw, netlink or Unix socket can be created; the worker talks to the
   server over a pipe made before the filter), refuses ``io_uring_setup`` (whose
   operations would bypass the filter) and every system call of another ABI (the
   audit architecture must be the native one; x32 calls are refused too);
2. **a network namespace** (``unshare(CLONE_NEWNET)``, as root, or with
   ``CLONE_NEWUSER`` where unprivileged user namespaces are allowed): the process sees
   only a loopback interface that is down.

When neither can be installed ``lock_network`` raises, and the server refuses to
evaluate queries (it does not start) rather than run them unconfined.
"""

from __future__ import annotations

import ctypes
import errno
import os
import platform
import socket

# <linux/audit.h>, <linux/seccomp.h>, <linux/filter.h>, <linux/prctl.h>, <sched.h>
ARCHES = {  # machine: (audit arch, socket, io_uring_setup, seccomp)
    "x86_64": (0xC000003E, 41, 425, 317),
    "aarch64": (0xC00000B7, 198, 425, 277),
}
X32_BIT = 0x40000000
PR_SET_NO_NEW_PRIVS, PR_SET_SECCOMP = 38, 22
SECCOMP_MODE_FILTER, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC = 2, 1, 1
SECCOMP_RET_ALLOW, SECCOMP_RET_ERRNO = 0x7FFF0000, 0x00050000
BPF_LD_W_ABS, BPF_JEQ_K, BPF_JGE_K, BPF_RET_K = 0x20, 0x15, 0x35, 0x06
CLONE_NEWUSER, CLONE_NEWNET = 0x10000000, 0x40000000


class NetworkLockError(OSError):
    """Neither a seccomp filter nor a network namespace could be installed in this process."""


class SockFilter(ctypes.Structure):
    _fields_ = (("code", ctypes.c_ushort), ("jt", ctypes.c_ubyte), ("jf", ctypes.c_ubyte), ("k", ctypes.c_uint))


class SockFprog(ctypes.Structure):
    _fields_ = (("len", ctypes.c_ushort), ("filter", ctypes.POINTER(SockFilter)))


def filter_program(machine: str) -> list[tuple[int, int, int, int]]:
    """The BPF program (code, jump-if-true, jump-if-false, constant) for one machine.

    >>> len(filter_program("x86_64"))
    9

    Raises:
        NetworkLockError: a machine the filter does not know the system call numbers of.
    """
    if machine not in ARCHES:
        raise NetworkLockError(f"no seccomp filter for {machine}: only {', '.join(ARCHES)}")
    arch, socket_nr, io_uring_nr, _ = ARCHES[machine]
    deny = SECCOMP_RET_ERRNO | errno.EACCES
    return [
        (BPF_LD_W_ABS, 0, 0, 4),  # seccomp_data.arch
        (BPF_JEQ_K, 1, 0, arch),
        (BPF_RET_K, 0, 0, deny),  # a system call of another ABI
        (BPF_LD_W_ABS, 0, 0, 0),  # seccomp_data.nr
        (BPF_JGE_K, 3, 0, X32_BIT),  # -> deny
        (BPF_JEQ_K, 2, 0, socket_nr),  # -> deny
        (BPF_JEQ_K, 1, 0, io_uring_nr),  # -> deny
        (BPF_RET_K, 0, 0, SECCOMP_RET_ALLOW),
        (BPF_RET_K, 0, 0, deny),
    ]


def install_seccomp(libc: ctypes.CDLL, machine: str) -> None:
    """Install the filter on every thread of this process, for good.

    Raises:
        NetworkLockError: the kernel refused (no seccomp, or a machine the filter does not know).
    """
    program = filter_program(machine)
    instructions = (SockFilter * len(program))(*(SockFilter(*i) for i in program))
    fprog = SockFprog(len(program), instructions)
    if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise NetworkLockError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS) failed")
    seccomp_nr = ARCHES[machine][3]
    if libc.syscall(seccomp_nr, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, ctypes.byref(fprog)) == 0:
        return
    if libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(fprog), 0, 0) != 0:
        raise NetworkLockError(ctypes.get_errno(), "seccomp(SECCOMP_SET_MODE_FILTER) failed")


def enter_network_namespace(libc: ctypes.CDLL) -> None:
    """Move this process into a network namespace of its own (only a loopback that is down).

    Raises:
        NetworkLockError: unshare failed (not root, and no unprivileged user namespaces).
    """
    flags = CLONE_NEWNET if os.geteuid() == 0 else CLONE_NEWUSER | CLONE_NEWNET
    if libc.unshare(flags) != 0:
        raise NetworkLockError(ctypes.get_errno(), "unshare(CLONE_NEWNET) failed")


def socket_refused() -> bool:
    """Whether creating an IPv4 socket fails with EACCES, as the seccomp filter makes it."""
    try:
        socket.socket(socket.AF_INET, socket.SOCK_STREAM).close()
    except PermissionError:
        return True
    return False


def lock_network() -> str:
    """Lock this process out of the network for the rest of its life; the mechanism used.

    Call it in a process of its own: nothing in this process can open a socket afterwards.

    Returns:
        ``"seccomp"`` or ``"network namespace"``.

    Raises:
        NetworkLockError: neither mechanism could be installed (not Linux, no seccomp, no namespaces).
    """
    if platform.system() != "Linux":
        raise NetworkLockError(f"query workers can be locked out of the network on Linux only, not {platform.system()}")
    libc = ctypes.CDLL(None, use_errno=True)
    reasons = []
    try:
        install_seccomp(libc, platform.machine())
        if socket_refused():
            return "seccomp"
        reasons.append("seccomp: the filter was installed but a socket could still be made")
    except NetworkLockError as exc:
        reasons.append(f"seccomp: {exc}")
    try:
        enter_network_namespace(libc)
        return "network namespace"
    except NetworkLockError as exc:
        reasons.append(f"network namespace: {exc}")
    raise NetworkLockError("the query workers could not be locked out of the network (" + "; ".join(reasons) + ")")
