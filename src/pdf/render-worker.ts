// The PDF worker thread: runs jobs posted by ./pool.ts off the main event loop (fonts are parsed once per thread).
import { parentPort } from 'node:worker_threads';
import { UnreadablePdf } from './inspect.js';
import { runPdfJob, type PdfJob } from './documents.js';

if (!parentPort) throw new Error('render-worker.ts runs as a worker thread');
const port = parentPort;

port.on('message', (message: { id: number; job: PdfJob }) => {
  runPdfJob(message.job).then(
    (result) => {
      // Hand the bytes over without a copy when they own their whole buffer (pdf-lib allocates a fresh one).
      const whole =
        result instanceof Uint8Array && result.byteOffset === 0 && result.byteLength === result.buffer.byteLength;
      const transfer = whole ? [result.buffer as ArrayBuffer] : [];
      port.postMessage({ id: message.id, ok: true, result }, transfer);
    },
    (error: unknown) => {
      port.postMessage({
        id: message.id,
        ok: false,
        error: {
          name: error instanceof UnreadablePdf ? 'UnreadablePdf' : 'Error',
          message: error instanceof Error ? error.message : String(error),
          stack: error instanceof Error ? error.stack : undefined,
        },
      });
    },
  );
});
