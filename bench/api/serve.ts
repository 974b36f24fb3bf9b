// The benchmark server, in its own process so autocannon never shares its event loop:
//   node --expose-gc --import tsx bench/api/serve.ts [dialogs]
// Measures the store's heap per dialog while filling it (forced GC before and after), and what the
// API keeps beside it, then serves the real API app behind the real front end on 127.0.0.1 (and the
// floor, below, on a second port) and prints one JSON line with the ports,
// the memory figures and sample ids; stops on SIGTERM. A third port answers the same bytes from a bare
// node:net server (the runtime's own floor, below).
import { createServer, type AddressInfo } from 'node:net';
import { loadConfig } from '../../config/load.ts';
import { createApiApp } from '../../api/app.ts';
import { JSON_TYPE } from '../../api/errors.ts';
import { AccountIndex } from '../../api/account-index.ts';
import { authenticate, tokenIndex } from '../../api/auth.ts';
import { dialogBytes, followStore } from '../../api/dialog-json.ts';
import { visibleDialogs } from '../../api/scope.ts';
import { createHttpFrontEnd } from '../../http/server.ts';
import { silentLogger } from '../../lib/log.ts';
import { CallStore } from '../../store/call-store.ts';
import { dialogFields } from '../../store/dialog.ts';
import { insertDialogs } from './dialogs.ts';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) {
  process.stderr.write('run with node --expose-gc\n');
  process.exit(2);
}
// Heap plus ArrayBuffer memory: kept answer bytes live outside the V8 heap.
const settle = () => {
  for (let i = 0; i < 3; i++) gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
};

const n = Number(process.argv[2] ?? 10_000);
const config = loadConfig();
const store = new CallStore();
const before = settle();
const ids = insertDialogs(store, n);
const after = settle();

// What the API keeps beside the store: its account index, and the JSON bytes of dialogs it has
// answered with (here every dialog read whole and with the benchmark list's mask: the two masks a
// dialog keeps at most).
AccountIndex.of(store);
const withIndex = settle();
followStore(store);
const listMask = dialogFields.filter((f) => f === 'dialogid' || f === 'status' || f === 'legs');
for (const entry of store.all()) {
  dialogBytes(entry.dialog, dialogFields);
  dialogBytes(entry.dialog, listMask);
}
const withTexts = settle();

const alice = authenticate(tokenIndex(config), 'Bearer alice-token');
const visible = visibleDialogs(store, alice);
const sample = visible.find((e) => e.dialog.status === 'dialog')!;

const app = createApiApp({ config, store, logger: silentLogger });
const fe = createHttpFrontEnd({ fetch: (req, env) => app.fetch(req, env) });
const { port } = await fe.listen(0, '127.0.0.1');

// The floor: the same front end on a port of its own, answering every request with GET one's very
// bytes and headers without the app (no routing, token, scope or view). What the load generator
// measures against it is the least the harness and this machine can show for a GET of that size.
const floorBytes = dialogBytes(sample.dialog, dialogFields);
const floorHeaders = { 'content-type': JSON_TYPE };
const floor = createHttpFrontEnd({ fetch: () => new Response(floorBytes as Uint8Array<ArrayBuffer>, { status: 200, headers: floorHeaders }) });
const { port: floorPort } = await floor.listen(0, '127.0.0.1');

// Below the floor, Node itself: a bare node:net server in this process (the same heap) that writes
// the floor's answer, head included, once for each request head it sees (wrk and the open loop send
// bodiless GETs, one at a time per connection). No HTTP parser, no Request or Response, no timers.
const rawAnswer = Buffer.concat([
  Buffer.from(`HTTP/1.1 200 OK\r\ncontent-type: ${JSON_TYPE}\r\ncontent-length: ${floorBytes.length}\r\n\r\n`, 'latin1'),
  floorBytes,
]);
const raw = createServer((socket) => {
  socket.setNoDelay(true);
  socket.on('error', () => socket.destroy());
  socket.on('data', (chunk: Buffer) => {
    for (let at = chunk.indexOf('\r\n\r\n'); at !== -1; at = chunk.indexOf('\r\n\r\n', at + 4)) socket.write(rawAnswer);
  });
});
const rawPort = await new Promise<number>((resolve) => raw.listen(0, '127.0.0.1', () => resolve((raw.address() as AddressInfo).port)));

process.stdout.write(
  `${JSON.stringify({
    port,
    floorPort,
    rawPort,
    dialogs: ids.length,
    heapBefore: before,
    heapAfter: after,
    bytesPerDialog: (after - before) / ids.length,
    indexBytesPerDialog: (withIndex - after) / ids.length,
    textBytesPerDialog: (withTexts - withIndex) / ids.length,
    jsonBytesPerDialog: Buffer.byteLength(JSON.stringify(sample.dialog)),
    aliceVisible: visible.length,
    aliceAnswered: visible.filter((e) => e.dialog.status === 'dialog').length,
    sample: { dialogid: sample.dialog.dialogid, callid: sample.dialog.legs[1]!.callid },
  })}\n`,
);
process.on('SIGTERM', () => {
  void fe.close();
  void floor.close();
  raw.close();
  setTimeout(() => process.exit(0), 200).unref();
});
