"""Linux network namespaces for the fleet test: several "machines" on one test machine.

``network(names)`` makes a bridge in the root namespace (``10.<a>.<b>.1/24``, a random /24 of
10.0.0.0/8 not already routed here) and one namespace per name, each joined to the bridge by a
veth pair, with its own address (``.11``, ``.12`` …), its loopback up and a default route
through the bridge. Processes in the root namespace (the test, PgBouncer, the mail and webhook
receivers) listen on the bridge's address, which every namespace reaches; the namespaces reach
nothing else. Everything made is removed on the way out, also when the test fails: every
process still in a namespace is killed, the namespaces and the bridge are deleted.

``Network.popen`` starts a command inside a namespace (``ip netns exec``, which runs the
command itself, so the Popen's pid is the process), ``Network.kill_all`` SIGKILLs every process
of a namespace at once: a machine losing power. Needs root and iproute2 (``available()``).
Every ``ip`` call is bounded in time.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

IP = shutil.which("ip") or "/usr/sbin/ip"
IP_TIMEOUT = 10


def available() -> bool:
    """Root, iproute2, and network namespaces that can be made here."""
    return os.geteuid() == 0 and Path(IP).exists() and Path("/proc/self/ns/net").exists()


def ip(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    """``ip args…``, bounded in time; raises CalledProcessError (with its message) if ``check``."""
    return subprocess.run([IP, *args], check=check, capture_output=True, text=True, timeout=IP_TIMEOUT)


def _free_subnet() -> ipaddress.IPv4Network:
    """A /24 of 10.0.0.0/8 that no route of this machine touches (ten tries, then an error)."""
    routed = [
        ipaddress.ip_network(word, strict=False)
        for line in ip("-4", "route", "show", "table", "all").stdout.splitlines()
        for word in line.split()[:1]
        if word[0].isdigit()
    ]
    for _ in range(10):
        candidate = ipaddress.ip_network(f"10.{secrets.randbelow(200) + 20}.{secrets.randbelow(250) + 1}.0/24")
        if not any(candidate.overlaps(other) for other in routed):
            return candidate
    raise RuntimeError("no free 10.x.y.0/24 for the test network")


@dataclass
class Network:
    """A bridge and its namespaces. ``gateway``: the bridge's address in the root namespace;
    ``address[name]``: each namespace's address; ``namespace[name]``: its ``ip netns`` name."""

    tag: str
    bridge: str
    gateway: str
    address: dict[str, str] = field(default_factory=dict)
    namespace: dict[str, str] = field(default_factory=dict)
    links: list[str] = field(default_factory=list)

    def popen(self, name: str, argv: list[str], **kwargs) -> subprocess.Popen:
        """``argv`` inside namespace ``name`` (keyword arguments as for ``subprocess.Popen``)."""
        return subprocess.Popen([IP, "netns", "exec", self.namespace[name], *argv], **kwargs)

    def pids(self, name: str) -> set[int]:
        """Every process in namespace ``name``."""
        found = ip("netns", "pids", self.namespace[name], check=False).stdout.split()
        return {int(p) for p in found if p.isdigit()}

    def kill_all(self, name: str, timeout: float = 10) -> int:
        """SIGKILL every process of namespace ``name`` and wait (at most ``timeout`` s) until none
        is left; returns how many were killed. Raises RuntimeError if some survive."""
        killed = 0
        deadline = time.monotonic() + timeout
        while True:
            pids = self.pids(name)
            if not pids:
                return killed
            if time.monotonic() > deadline:
                raise RuntimeError(f"processes of {name} still alive: {sorted(pids)}")
            for pid in pids:
                with suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
                    killed += 1
            time.sleep(0.1)


@contextmanager
def network(names: list[str]) -> Iterator[Network]:
    """The bridge and one namespace per name (at most 200); removed afterwards whatever happens."""
    tag = secrets.token_hex(3)
    subnet = _free_subnet()
    hosts = list(subnet.hosts())
    net = Network(tag=tag, bridge=f"umbr{tag}", gateway=str(hosts[0]))
    try:
        ip("link", "add", net.bridge, "type", "bridge")
        ip("addr", "add", f"{net.gateway}/{subnet.prefixlen}", "dev", net.bridge)
        ip("link", "set", net.bridge, "up")
        for i, name in enumerate(names):
            ns = f"um-{tag}-{name}"
            outside, inside = f"umv{tag}{i}", f"umi{tag}{i}"
            address = str(hosts[10 + i])
            ip("netns", "add", ns)
            net.namespace[name] = ns
            ip("link", "add", outside, "type", "veth", "peer", "name", inside)
            net.links.append(outside)
            ip("link", "set", inside, "netns", ns)
            ip("link", "set", outside, "master", net.bridge)
            ip("link", "set", outside, "up")
            ip("-n", ns, "link", "set", "lo", "up")
            ip("-n", ns, "addr", "add", f"{address}/{subnet.prefixlen}", "dev", inside)
            ip("-n", ns, "link", "set", inside, "up")
            ip("-n", ns, "route", "add", "default", "via", net.gateway)
            net.address[name] = address
        yield net
    finally:
        for name, ns in net.namespace.items():
            with suppress(RuntimeError, subprocess.SubprocessError, OSError):
                net.kill_all(name)
            ip("netns", "delete", ns, check=False)  # its end of the veth pair goes with it
        for link in net.links:
            ip("link", "delete", link, check=False)  # already gone unless a step failed half-way
        ip("link", "delete", net.bridge, check=False)
