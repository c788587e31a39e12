// Per-thread scheduler figures of a process (Linux /proc/<pid>/task/*/schedstat): how much CPU the server's main
// thread got and how long it sat runnable waiting for one. On a shared machine this separates "the server was busy"
// from "the server was starved by its neighbours", which the latency figures alone cannot.
import fs from 'node:fs';

export interface ThreadTimes {
  /** The main thread (its thread id is the process id): the event loop that answers every request. */
  main: { cpu: number; wait: number };
  /** Every other thread together (PDF worker, V8 GC helpers, libuv pool), in seconds. */
  others: { cpu: number; wait: number };
}

/** Seconds on a CPU and waiting in the run queue so far, or null where /proc has no schedstat. */
export function threadTimes(pid: number | undefined): ThreadTimes | null {
  if (pid === undefined) return null;
  try {
    const times: ThreadTimes = { main: { cpu: 0, wait: 0 }, others: { cpu: 0, wait: 0 } };
    for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
      let line: string;
      try {
        line = fs.readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8');
      } catch {
        continue; // the thread ended between the listing and the read
      }
      const [cpu, wait] = line.trim().split(' ').map(Number);
      const into = Number(tid) === pid ? times.main : times.others;
      into.cpu += (cpu ?? 0) / 1e9;
      into.wait += (wait ?? 0) / 1e9;
    }
    return times;
  } catch {
    return null;
  }
}

/** The difference between two readings (after − before). */
export function threadDelta(before: ThreadTimes, after: ThreadTimes): ThreadTimes {
  return {
    main: { cpu: after.main.cpu - before.main.cpu, wait: after.main.wait - before.main.wait },
    others: { cpu: after.others.cpu - before.others.cpu, wait: after.others.wait - before.others.wait },
  };
}
