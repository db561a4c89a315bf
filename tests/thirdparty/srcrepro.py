# SPDX-License-Identifier: MIT
"""Minimal reproductions of known shim/kernel disagreements, one per argv[1].

Run under `unixtrace run --kernel -o FILE`; `view --check-sources FILE` must agree
once the bug is fixed.  Each case does one thing and exits 0.
"""
import array
import os
import socket
import sys


def fds(*nums):
    return array.array("i", nums).tobytes()


def close_inherited():
    # A forked child closes a socket it inherited and never used.
    a, b = socket.socketpair()
    pid = os.fork()
    if pid == 0:
        a.close()
        os._exit(0)
    os.waitpid(pid, 0)


def close_dup():
    # close() of a number made by dup(): the kernel side does not know it.
    a, b = socket.socketpair()
    os.close(os.dup(a.fileno()))


def dup2_onto():
    # dup2() onto a socket's fd closes that socket (the shim reports it, call dup2),
    # and the copy is then closed by its new number.
    a, b = socket.socketpair()
    c, d = socket.socketpair()
    os.dup2(a.fileno(), c.fileno())
    os.close(c.detach())


def close_range_socks():
    # close_range() over fds that hold sockets (os.closerange uses it).
    a, b = socket.socketpair()
    lo = os.dup(a.fileno())
    hi = os.dup(b.fileno())
    os.closerange(min(lo, hi), max(lo, hi) + 1)


def two_rights():
    # One sendmsg, two SCM_RIGHTS control messages: the kernel passes both fds.
    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
    r, w = os.pipe()
    a.sendmsg([b"x"], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, fds(r)),
                       (socket.SOL_SOCKET, socket.SCM_RIGHTS, fds(w))])
    b.recvmsg(1, socket.CMSG_SPACE(8))


def empty_rights():
    # An SCM_RIGHTS control message with no fd in it: nothing is passed.
    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
    a.sendmsg([b"x"], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, b"")])
    b.recvmsg(1, socket.CMSG_SPACE(4))


def peek_fds():
    # A MSG_PEEK without a control buffer drops nothing: the next recvmsg gets the fd.
    a, b = socket.socketpair()
    r, w = os.pipe()
    a.sendmsg([b"x"], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, fds(r))])
    b.recv(1, socket.MSG_PEEK)
    b.recvmsg(1, socket.CMSG_SPACE(4))


def ctrunc_recv():
    # Two fds, room for one: fd_recv of one fd, and MSG_CTRUNC on the same receive.
    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
    r, w = os.pipe()
    a.sendmsg([b"x"], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, fds(r, w))])
    # CMSG_LEN, not CMSG_SPACE: the padding of CMSG_SPACE(4) holds the second fd
    b.recvmsg(1, socket.CMSG_LEN(4))


def peerpidfd():
    # getsockopt(SO_PEERPIDFD): a pidfd for the peer's process.
    a, b = socket.socketpair()
    try:
        a.getsockopt(socket.SOL_SOCKET, 77, 4)
    except OSError:
        pass


def passed_accepted():
    # multiprocessing's case: the accepted end of a listener bound to a path (its
    # peer unnamed) passed over a socketpair, once live and once after its peer closed.
    import tempfile
    path = os.path.join(tempfile.mkdtemp(prefix="utsr"), "l")
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    srv.listen()
    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
    for peer_closes in (False, True):
        cli = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        cli.connect(path)
        conn, _ = srv.accept()
        if peer_closes:
            cli.close()
        a.sendmsg([b"x"], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, fds(conn.fileno()))])
        b.recvmsg(1, socket.CMSG_SPACE(4))
        conn.close()
        cli.close()
    os.unlink(path)
    os.rmdir(os.path.dirname(path))


def cloexec_exec():
    # exec closes a child's close-on-exec sockets (Python makes them so): the new
    # program's later close() and dup2() at those numbers are of files, not the
    # sockets its parent still holds there
    a, b = socket.socketpair()
    pid = os.fork()
    if pid == 0:
        n = a.fileno()
        os.execv(sys.executable, [sys.executable, "-c",
                 f"import os; f = os.open('/etc/hostname', os.O_RDONLY); os.dup2(f, {n}); "
                 f"os.close({n}); os.dup2(f, {n + 1}); os.close({n + 1})"])
    os.waitpid(pid, 0)


def exec_keeps_socket():
    # a socket made inheritable survives exec; the new program closes it unused
    # (a server re-executing itself on reload): both sides see that close
    a, b = socket.socketpair()
    os.set_inheritable(a.fileno(), True)
    pid = os.fork()
    if pid == 0:
        os.execv(sys.executable, [sys.executable, "-c", f"import os; os.close({a.fileno()})"])
    os.waitpid(pid, 0)


def exec_after_fork():
    # the parent execs keeping an inheritable socket; a child forked before that
    # closes its copy with dup2(): it held it since before the exec
    a, b = socket.socketpair()
    os.set_inheritable(a.fileno(), True)
    r, w = os.pipe()
    child = os.fork()
    if child == 0:
        os.close(w)
        os.read(r, 1)  # the parent has exec'd
        os.dup2(os.open("/dev/null", os.O_RDONLY), a.fileno())
        os._exit(0)
    os.close(r)
    os.set_inheritable(w, True)
    os.execv(sys.executable, [sys.executable, "-c",
             f"import os; os.write({w}, b'x'); os.waitpid({child}, 0)"])


def exec_in_middle():
    # a grandchild closes (dup2 onto it) a socket its grandparent made; the middle
    # process, which never touched it, forked the grandchild and then exec'd
    a, b = socket.socketpair()
    r, w = os.pipe()
    middle = os.fork()
    if middle == 0:
        child = os.fork()
        if child == 0:
            os.close(w)
            os.read(r, 1)  # the middle process has exec'd
            os.dup2(os.open("/dev/null", os.O_RDONLY), a.fileno())
            os._exit(0)
        os.close(r)
        os.set_inheritable(w, True)
        os.execv(sys.executable, [sys.executable, "-c",
                 f"import os; os.write({w}, b'x'); os.waitpid({child}, 0)"])
    os.close(r)
    os.close(w)
    os.waitpid(middle, 0)


def cut_with_creds():
    # a datagram cut short that also brings credentials (SO_PASSCRED), then one that
    # brings fds into a control buffer with room for one of two
    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
    b.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
    a.send(b"y" * 500)
    b.recvmsg(100, 256)
    b.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 0)
    r, w = os.pipe()
    a.sendmsg([b"z" * 500], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, fds(r, w))])
    b.recvmsg(100, socket.CMSG_LEN(4))


def peek_creds():
    # A MSG_PEEK that brings credentials (SO_PASSCRED), then the receive that takes them.
    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
    b.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
    a.send(b"x")
    b.recvmsg(1, 64, socket.MSG_PEEK)
    b.recvmsg(1, 64)


def watched_read_cut():
    # fds received on a socket make its reads watched; a later read() of a datagram that
    # brings fds and is cut: trunc and fd_lost, as the shim's recvmsg saw them
    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
    r, w = os.pipe()
    a.sendmsg([b"x"], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, fds(r))])
    got = b.recvmsg(1, socket.CMSG_SPACE(4))
    a.sendmsg([b"y" * 40], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, fds(r, w))])
    os.read(b.fileno(), 10)


def agree():
    # What both sides see the same: the control case.
    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
    r, w = os.pipe()
    a.sendmsg([b"x"], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, fds(r))])
    b.recvmsg(1, socket.CMSG_SPACE(4))
    a.close()
    b.close()


if __name__ == "__main__":
    globals()[sys.argv[1]]()
