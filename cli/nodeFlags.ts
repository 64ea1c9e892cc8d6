/**
 * The V8 flags every launcher of the gateway gives Node: `npm start`, bin/parking.js, the systemd
 * unit and the benchmarks (deploy/test/launchers.test.ts keeps them in step). A 4 MiB semi-space
 * keeps the young generation at 8 MiB instead of Node's 32: at 10 000 spots the gateway holds
 * about 138 MB instead of 149 MB (bench C), which a 1 GB Raspberry Pi feels, while ingest stays
 * within the noise of bench A. The flag has to be on Node's command line: V8 sizes its heap at
 * start-up, before any of our code runs.
 */
export const GATEWAY_NODE_FLAGS: readonly string[] = ["--max-semi-space-size=4"];
