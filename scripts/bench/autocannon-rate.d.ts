// autocannon's fixed-rate options, used by the load benchmark (merged into the Options of autocannon.d.ts).
declare module 'autocannon' {
  interface Options {
    /** Requests per second over all connections (autocannon corrects latencies for coordinated omission). */
    overallRate?: number;
    connectionRate?: number;
    ignoreCoordinatedOmission?: boolean;
  }
}
