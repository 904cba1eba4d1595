"""tests/dsalan.py — the simulated DSA board's network (sim-dsa: conduit eth0, LAN ports lan1 and lan2) in namespaces
of its own: the board's, one behind the conduit, one PC per LAN port; removed on exit (tests/netns.py)."""
import json
import os

from netns import add, remove, sh


class DsaLan:
    """The board's namespace with eth0 (the conduit: a veth whose far end is in a namespace of its own) and lan1,
    lan2 (veths to one PC namespace each: 'pc0' there, no address)."""

    count = 0

    def __init__(self):
        DsaLan.count += 1
        tag = "%x%d" % (os.getpid(), DsaLan.count)
        self.board = add("fsd-dsa-" + tag)
        self.cpu = add("fsd-cpu-" + tag)
        self.pcs = {}
        self.veth(self.cpu, "eth0", "cpu0")
        for port in ("lan1", "lan2"):
            self.pcs[port] = add("fsd-%s-%s" % (port, tag))
            self.veth(self.pcs[port], port, "pc0")
            sh("ip", "-n", self.pcs[port], "link", "set", "pc0", "up")

    def veth(self, far_ns, name, far_name):
        sh("ip", "-n", far_ns, "link", "add", "x0", "type", "veth", "peer", "name", "x1")
        sh("ip", "-n", far_ns, "link", "set", "x1", "netns", self.board)
        sh("ip", "-n", self.board, "link", "set", "x1", "name", name)
        sh("ip", "-n", far_ns, "link", "set", "x0", "name", far_name)
        sh("ip", "-n", far_ns, "link", "set", far_name, "up")

    def link(self, dev):
        r = sh("ip", "-n", self.board, "-j", "-d", "link", "show", "dev", dev, check=False)
        return json.loads(r.stdout)[0] if r.returncode == 0 else None

    def links(self):
        """What the normal path must leave as found: per link, up or not, its master, and br-lan's existence."""
        out = {}
        for dev in ("eth0", "lan1", "lan2", "br-lan"):
            l = self.link(dev)
            out[dev] = None if l is None else ("UP" in l["flags"], l.get("master"))
        return out

    def close(self):
        for ns in list(self.pcs.values()) + [self.cpu, self.board]:
            remove(ns)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def addrs(self, dev):
        """The IPv4 addresses on dev ("a.b.c.d/n"), [] without, None when dev does not exist."""
        r = sh("ip", "-n", self.board, "-j", "addr", "show", "dev", dev, check=False)
        if r.returncode != 0:
            return None
        link = json.loads(r.stdout)[0]
        return ["%s/%d" % (a["local"], a["prefixlen"]) for a in link.get("addr_info", []) if a["family"] == "inet"]
