"""CPU time and memory of a server made of process trees (a JVM and its Cassandra; Postfix's master and
Dovecot's master with their children), read from /proc."""
import os
import threading
import time

HZ = os.sysconf('SC_CLK_TCK')


def _proc_table():
    """pid -> (ppid, own utime+stime, reaped children's cutime+cstime), in clock ticks."""
    table = {}
    for entry in os.listdir('/proc'):
        if not entry.isdigit():
            continue
        try:
            with open(f'/proc/{entry}/stat') as f:
                stat = f.read()
            fields = stat[stat.rindex(')') + 2:].split()  # fields[0] is field 3 of proc(5)
            table[int(entry)] = (int(fields[1]), int(fields[11]) + int(fields[12]), int(fields[13]) + int(fields[14]))
        except (OSError, ValueError, IndexError):
            pass
    return table


def _pss(pid):
    """Proportional set size: shared pages divided among the processes sharing them."""
    try:
        with open(f'/proc/{pid}/smaps_rollup') as f:
            for line in f:
                if line.startswith('Pss:'):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


class ProcessTrees:
    def __init__(self, pids):
        self.roots = [int(p) for p in str(pids).split(',') if p]
        self.peak_memory = 0
        self._stop = threading.Event()

    def stats(self, with_memory=True):
        """(CPU seconds per root tree, including children the root reaped; total Pss bytes)."""
        table = _proc_table()
        children = {}
        for pid, (ppid, *_rest) in table.items():
            children.setdefault(ppid, []).append(pid)
        cpus, memory = [], 0
        for root in self.roots:
            cpu = 0
            if root in table:
                cpu += table[root][2]
                stack = [root]
                while stack:
                    pid = stack.pop()
                    cpu += table[pid][1]
                    if with_memory:
                        memory += _pss(pid)
                    stack.extend(children.get(pid, []))
            cpus.append(cpu / HZ)
        return cpus, memory

    def cpu(self):
        return self.stats(False)[0]

    def start_sampling(self, interval=0.5):
        """Samples the total Pss every interval until stop_sampling(); the maximum is peak_memory."""
        def sample():
            while not self._stop.is_set():
                self.peak_memory = max(self.peak_memory, self.stats()[1])
                time.sleep(interval)
        threading.Thread(target=sample, daemon=True).start()

    def stop_sampling(self):
        self._stop.set()
