"""tests/dhcpclients.py — real DHCP clients in a host namespace of a test LAN: Debian's dhclient, BusyBox udhcpc,
dhcpcd and systemd-networkd, each behind one small interface (start, bound, renewed, release, stop).

Each runs inside its own namespace (ip netns exec), and every file it would write outside its scratch
directory (/run, /var/lib/dhcpcd, networkd's /run/systemd) is a tmpfs in a mount namespace of its own, so
nothing of the host is touched. The hook each client runs appends one line per event to events.log."""
import os
import shutil
import signal
import subprocess
import tempfile
import time

from fsd import now_ms


def wait_for(pred, timeout_s, what, seen=lambda: ""):
    """Poll pred until it returns something true; fail naming what was awaited and what was seen."""
    end = time.monotonic() + timeout_s
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() > end:
            raise AssertionError("timed out after %.0f s waiting for %s; seen:\n%s" % (timeout_s, what, seen()))
        time.sleep(0.05)


class Client:
    name = "?"

    def __init__(self, ns, dev="pc0", hostname=None):
        self.ns = ns
        self.dev = dev
        self.hostname = hostname or "laptop-" + self.name
        self.dir = tempfile.mkdtemp(prefix="fsd-%s." % self.name)
        self.events_path = os.path.join(self.dir, "events.log")
        self.out_path = os.path.join(self.dir, "out.log")
        self.proc = None

    def _run(self, argv, mount_script=None, hold=False):
        """Start argv in the namespace; with mount_script, first run it in a private mount namespace. With hold, the
        shell stays as argv's parent (self.proc; SIGTERM to it ends argv and then the shell): a process of that
        mount namespace whose root is the machine's, for nsenter -r when argv itself chroots (dhcpcd's privilege
        separation does)."""
        out = open(self.out_path, "ab")
        if mount_script and hold:
            argv = ["unshare", "-m", "--propagation", "private", "sh", "-c",
                    mount_script + ' || exit 1; "$0" "$@" & p=$!; trap \'kill -TERM $p\' TERM; wait $p; s=$?; '
                    'while kill -0 $p 2>/dev/null; do wait $p; s=$?; done; exit $s'] + argv
        elif mount_script:
            argv = ["unshare", "-m", "--propagation", "private", "sh", "-c",
                    mount_script + " && exec \"$0\" \"$@\""] + argv
        self.proc = subprocess.Popen(["ip", "netns", "exec", self.ns] + argv, stdout=out, stderr=out,
                                     stdin=subprocess.DEVNULL, env=dict(os.environ, EVENTS=self.events_path))
        out.close()

    def _hook(self, body):
        """A hook script; clients clear the environment for it (dhclient), so the log's path is written in."""
        path = os.path.join(self.dir, "hook")
        with open(path, "w") as f:
            f.write("#!/bin/sh\nEVENTS='%s'\n" % self.events_path + body)
        os.chmod(path, 0o755)
        return path

    def events(self):
        try:
            with open(self.events_path) as f:
                return [line.split() for line in f if line.strip()]
        except FileNotFoundError:
            return []

    def output(self):
        try:
            with open(self.out_path, errors="replace") as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def seen(self):
        return "events: %s\noutput (last 2000 bytes):\n%s" % (self.events(), self.output()[-2000:])

    def addr(self):
        """The IPv4 address on the interface, or None."""
        r = subprocess.run(["ip", "-n", self.ns, "-4", "-o", "addr", "show", "dev", self.dev], capture_output=True,
                           text=True)
        for line in r.stdout.splitlines():
            w = line.split()
            if "inet" in w:
                return w[w.index("inet") + 1].split("/")[0]
        return None

    def wait_bound(self, timeout_s=15):
        """The client says it is bound and the address is on the interface: (address, ms it took)."""
        t0 = self.started_ms
        ev = wait_for(lambda: [e for e in self.events() if e and e[0] in self.BOUND and len(e) > 1], timeout_s,
                      "%s to get a lease" % self.name, self.seen)
        a = wait_for(self.addr, 5, "the address on %s" % self.dev, self.seen)
        assert a == ev[0][1], (a, ev)
        return a, now_ms() - t0

    def wait_renewed(self, timeout_s=25):
        return wait_for(lambda: [e for e in self.events() if e and e[0] in self.RENEWED], timeout_s,
                        "%s to renew its lease" % self.name, self.seen)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


class Dhclient(Client):
    """Debian's isc-dhcp-client, with its own script (it never writes resolv.conf) and lease file."""
    name = "dhclient"
    BOUND = ("BOUND", "REBOOT")
    RENEWED = ("RENEW",)

    def start(self, extra_lease=None):
        hook = self._hook('echo "$reason $new_ip_address" >> "$EVENTS"\n'
                          'case "$reason" in\n'
                          'BOUND|REBOOT|RENEW|REBIND) ip addr replace "$new_ip_address/$new_subnet_mask" dev '
                          '"$interface" ;;\n'
                          'RELEASE|EXPIRE|STOP) ip -4 addr flush dev "$interface" ;;\n'
                          'esac\n')
        conf = os.path.join(self.dir, "dhclient.conf")
        with open(conf, "w") as f:
            f.write('send host-name "%s";\nrequest subnet-mask, broadcast-address, routers, domain-name-servers;\n'
                    'timeout 30;\nretry 1;\n' % self.hostname)
        self.leases = os.path.join(self.dir, "leases")
        with open(self.leases, "w") as f:
            f.write(extra_lease or "")
        self.pid = os.path.join(self.dir, "pid")
        self.base = ["dhclient", "-4", "-sf", hook, "-lf", self.leases, "-pf", self.pid, "-cf", conf]
        self.started_ms = now_ms()
        self._run(self.base + ["-d", "-v", self.dev])

    def release(self):
        r = subprocess.run(["ip", "netns", "exec", self.ns] + self.base + ["-r", self.dev], capture_output=True,
                           text=True, timeout=20, env=dict(os.environ, EVENTS=self.events_path))
        assert r.returncode == 0, r.stderr


class Udhcpc(Client):
    """BusyBox udhcpc (Debian's busybox-static), as OpenWrt and many small systems run it."""
    name = "udhcpc"
    BOUND = ("bound",)
    RENEWED = ("renew",)

    def start(self):
        hook = self._hook('echo "$1 $ip" >> "$EVENTS"\n'
                          'case "$1" in\n'
                          'bound|renew) ip addr replace "$ip/$mask" dev "$interface" ;;\n'
                          'deconfig) ip -4 addr flush dev "$interface" ;;\n'
                          'esac\n')
        self.started_ms = now_ms()
        self._run(["busybox", "udhcpc", "-f", "-i", self.dev, "-s", hook, "-x", "hostname:" + self.hostname,
                   "-t", "10", "-T", "1", "-A", "1"])

    def release(self):
        self.proc.send_signal(signal.SIGUSR2)   # udhcpc: release the lease, stay
        wait_for(lambda: [e for e in self.events()[1:] if e[0] == "deconfig"], 5, "udhcpc to release", self.seen)


class Dhcpcd(Client):
    """Roy Marples' dhcpcd (Debian's dhcpcd-base), configuring the interface itself; its hook only logs."""
    name = "dhcpcd"
    BOUND = ("BOUND", "REBOOT")
    RENEWED = ("RENEW",)
    MOUNTS = "mount -t tmpfs none /run && mkdir -p /run/dhcpcd && mount -t tmpfs none /var/lib/dhcpcd"

    def start(self):
        hook = self._hook('echo "$reason $new_ip_address" >> "$EVENTS"\n')
        self.started_ms = now_ms()
        self._run(["dhcpcd", "-B", "-4", "-f", "/dev/null", "-c", hook, "-h", self.hostname, "--noipv4ll",
                   "--nohook", "resolv.conf", self.dev], mount_script=self.MOUNTS, hold=True)

    def release(self):
        # the running dhcpcd's mount namespace holds its control socket (/run/dhcpcd); the shell that started it
        # (self.proc) is in that namespace with the machine's root, which nsenter -r keeps (without -r, nsenter -m
        # resets the root to the namespace's, which in a chroot is outside it: "dhcpcd not running")
        r = subprocess.run(["nsenter", "-t", str(self.proc.pid), "-m", "-n", "-r", "-w", "dhcpcd", "-4", "-k",
                            self.dev],
                           capture_output=True, text=True, timeout=20)
        assert r.returncode == 0, r.stdout + r.stderr
        wait_for(lambda: [e for e in self.events() if e[0] in ("RELEASE", "STOPPED")], 5, "dhcpcd to release",
                 self.seen)


class Networkd(Client):
    """systemd-networkd in a namespace: its /run a tmpfs of its own, /sys read-only so it does not wait for
    udev (systemd's udev_available()), no D-Bus. Its debug log on the console is the event log."""
    name = "networkd"
    BOUND = ("BOUND",)
    RENEWED = ("RENEW",)
    BIN = "/usr/lib/systemd/systemd-networkd"

    def start(self):
        netfile = os.path.join(self.dir, "50-%s.network" % self.dev)
        with open(netfile, "w") as f:
            f.write("[Match]\nName=%s\n[Network]\nDHCP=ipv4\nLinkLocalAddressing=no\nIPv6AcceptRA=no\n"
                    "[DHCPv4]\nSendHostname=yes\nHostname=%s\nSendRelease=yes\n" % (self.dev, self.hostname))
        mounts = ("mount -o remount,ro /sys && mount -t tmpfs none /run && mkdir -p /run/systemd/network "
                  "/run/systemd/netif && cp %s /run/systemd/network/ && chown -R systemd-network "
                  "/run/systemd/netif" % netfile)
        self.started_ms = now_ms()
        out = open(self.out_path, "ab")
        self.proc = subprocess.Popen(["ip", "netns", "exec", self.ns, "unshare", "-m", "--propagation", "private",
                                      "sh", "-c", mounts + " && exec " + self.BIN],
                                     stdout=out, stderr=out, stdin=subprocess.DEVNULL,
                                     env=dict(os.environ, SYSTEMD_LOG_LEVEL="debug", SYSTEMD_LOG_TARGET="console"))
        out.close()

    def events(self):
        ev = []
        for line in self.output().splitlines():
            if "DHCPv4 address" in line and "acquired from" in line:
                ev.append(["BOUND", line.split("DHCPv4 address ")[1].split("/")[0]])
            elif "REQUEST (renewing)" in line:
                ev.append(["RENEW"])
            elif "RELEASE" in line:
                ev.append(["RELEASE"])
        return ev

    def release(self):
        self.proc.send_signal(signal.SIGTERM)   # SendRelease=yes: the lease goes back as networkd stops
        self.proc.wait(timeout=10)


CLIENTS = (Dhclient, Udhcpc, Dhcpcd, Networkd)
