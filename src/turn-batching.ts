// Answers leave together at the end of each event-loop turn instead of one by one as each finishes.
//
// Under load one turn handles many requests (every connection with data waiting). Written one by one, each answer's
// send is followed by ~150 µs of work on the next request, so the client side (the load generator here, a proxy in
// production) has gone back to sleep every time and each send pays a full cross-CPU wake-up — on these virtual
// machines the single biggest kernel cost of a verification (perf: 12 % of the server's CPU in the hypervisor's
// interrupt path). Released together, the sends run back to back: the receiver is woken once and is still running
// for the next ones, and the kernel's network path stays warm. Measured with `npm run bench -- verify` (three
// alternating pairs): 165–193 → 136–149 µs of CPU per verification, +11–23 % req/s. An answer waits at most for
// the rest of its own turn (the check phase of the same loop iteration); an idle server adds one setImmediate.
type Fetch<A extends unknown[]> = (...args: A) => Response | Promise<Response>;

export interface TurnBatch {
  /** Resolves at the end of the current event-loop turn, together with every other answer of the turn. */
  end(): Promise<void>;
  /** `fetch` whose answers are released at the end of their turn. */
  answers<A extends unknown[]>(fetch: Fetch<A>): (...args: A) => Promise<Response>;
}

export function turnBatch(): TurnBatch {
  let waiting: (() => void)[] | null = null;
  const end = (): Promise<void> => {
    let list = waiting;
    if (!list) {
      const batch: (() => void)[] = (list = waiting = []);
      setImmediate(() => {
        waiting = null;
        for (const release of batch) release();
      });
    }
    const into = list;
    return new Promise((resolve) => into.push(resolve));
  };
  return {
    end,
    answers:
      (fetch) =>
      async (...args) => {
        const res = await fetch(...args);
        await end();
        return res;
      },
  };
}
