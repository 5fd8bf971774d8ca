// The virtual device's interpreter: real MicroPython (WebAssembly port) driven over pipes.
//
// Usage: node repl_worker.mjs [--heap BYTES] [--mount HOSTDIR:MPDIR]...
//
// host_tools/vdev/runtime.py owns this process. Both directions carry frames:
//   type (1 ASCII byte) | payload length (u32 little-endian) | payload
// Requests (stdin), handled one after another:
//   L path\0data   load a file into the filesystem (not journalled)
//   K path         create a directory tree (not journalled)
//   X code         run code at top level (__main__); output streams as O, then E?, D
//   C bytes        feed characters to MicroPython's own friendly REPL; then D, whose
//                  payload is u32 keys consumed + u8 1 if a key asked for a soft reset
//   I              start the friendly REPL (prints the banner and prompt); then D
// Replies and events (stdout):
//   R              ready
//   O bytes        what Python printed (raw: "\n", not "\r\n")
//   E type\0text   the exception that ended an X request (its traceback)
//   D              the request is finished (payload: see C)
//   F path\0data   a file opened for writing was closed: its whole content
//   M path | U path | V path | N old\0new    mkdir | unlink | rmdir | rename
// The F/M/U/V/N journal lets the host keep the filesystem when it has to kill this
// process (an endless loop cannot be interrupted inside WebAssembly). Journal frames are
// written synchronously while Python runs, so they survive such a kill.
import { readdirSync, readFileSync, statSync, writeSync } from "node:fs";
import { join } from "node:path";
import { loadMicroPython } from "@micropython/micropython-webassembly-pyscript";

let heap = 512 * 1024;
const mounts = [];
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  if (argv[i] === "--heap") heap = Number(argv[++i]);
  else if (argv[i] === "--mount") {
    const spec = argv[++i];
    const cut = spec.lastIndexOf(":");
    mounts.push([spec.slice(0, cut), spec.slice(cut + 1)]);
  } else throw new Error(`unknown argument ${argv[i]}`);
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));

function writeAll(buf) {
  let off = 0;
  while (off < buf.length) {
    try {
      off += writeSync(1, buf, off, buf.length - off);
    } catch (e) {
      if (e.code !== "EAGAIN") throw e;
      Atomics.wait(sleeper, 0, 0, 1); // the pipe is full: let the host read
    }
  }
}

function frame(type, payload = Buffer.alloc(0)) {
  const head = Buffer.alloc(5);
  head.write(type, 0, "latin1");
  head.writeUInt32LE(payload.length, 1);
  writeAll(Buffer.concat([head, payload]));
}

const joined = (...parts) =>
  Buffer.concat(parts.flatMap((p, i) => (i ? [Buffer.from([0]), Buffer.from(p)] : [Buffer.from(p)])));

// Python's output, batched: flushed when large, 20 ms after the last flush while code prints,
// after each friendly-REPL key (its echo) and at the end of a request. Output followed by
// an endless silent loop stays here: JavaScript gets no chance to run until it ends.
const outBuf = Buffer.alloc(16384);
let outLen = 0;
let lastFlush = Date.now();
function flushOut() {
  if (outLen) frame("O", Buffer.from(outBuf.subarray(0, outLen)));
  outLen = 0;
  lastFlush = Date.now();
}
function putChar(bytes) {
  for (const c of bytes) {
    outBuf[outLen++] = c;
    if (outLen === outBuf.length || Date.now() - lastFlush > 20) {
      flushOut();
    }
  }
}

const mp = await loadMicroPython({
  heapsize: heap,
  linebuffer: false,
  stdout: putChar,
  stderr: putChar,
});
const FS = mp.FS;

// The journal: hook the Emscripten FS calls MicroPython's os and open() end up in.
let journal = false;
const O_ACCMODE = 3;
function hook(name, after) {
  const original = FS[name].bind(FS);
  FS[name] = (...args) => {
    const result = original(...args);
    if (journal) after(result, ...args);
    return result;
  };
}
hook("open", (stream, path, flags) => {
  if (typeof flags === "number" && (flags & O_ACCMODE) !== 0) stream.vdevWritten = true;
});
const originalClose = FS.close.bind(FS);
FS.close = (stream) => {
  const path = stream.vdevWritten ? FS.getPath(stream.node) : null;
  originalClose(stream);
  if (!journal || path === null) return;
  const found = FS.analyzePath(path);
  if (found.exists && found.object === stream.node) frame("F", joined(path, FS.readFile(path)));
};
hook("mkdir", (_r, path) => frame("M", Buffer.from(absolute(path))));
hook("unlink", (_r, path) => frame("U", Buffer.from(absolute(path))));
hook("rmdir", (_r, path) => frame("V", Buffer.from(absolute(path))));
hook("rename", (_r, from, to) => frame("N", joined(absolute(from), absolute(to))));

function absolute(path) {
  return path.startsWith("/") ? path : `${FS.cwd().replace(/\/$/, "")}/${path}`;
}

function copyTree(src, dst) {
  FS.mkdirTree(dst);
  for (const name of readdirSync(src)) {
    if (name === "__pycache__") continue;
    const from = join(src, name);
    const to = `${dst}/${name}`;
    if (statSync(from).isDirectory()) copyTree(from, to);
    else FS.writeFile(to, readFileSync(from));
  }
}

// A device filesystem holds only what was put there: drop Emscripten's empty extras.
for (const dir of ["/home/web_user", "/home", "/tmp"]) {
  try {
    FS.rmdir(dir);
  } catch {
    // already gone or not empty: harmless
  }
}
for (const [src, dst] of mounts) copyTree(src, dst);

function splitAtNul(payload) {
  const cut = payload.indexOf(0);
  return [payload.subarray(0, cut).toString("utf8"), payload.subarray(cut + 1)];
}

function handle(type, payload) {
  if (type === "L") {
    const [path, data] = splitAtNul(payload);
    const dir = path.substring(0, path.lastIndexOf("/"));
    if (dir) FS.mkdirTree(dir);
    FS.writeFile(path, data);
    return;
  }
  if (type === "K") {
    FS.mkdirTree(payload.toString("utf8"));
    return;
  }
  const done = Buffer.alloc(5);
  let result = 0;
  journal = true;
  try {
    if (type === "X") {
      try {
        mp.runPython(payload.toString("utf8"));
      } catch (e) {
        flushOut();
        const kind = e.type ?? e.name ?? "Error";
        frame("E", joined(String(kind), String(e.message ?? e)));
      }
    } else if (type === "C") {
      // Stop at a key that ends the REPL (Ctrl-D: soft reset); report how far we got.
      let consumed = 0;
      for (const c of payload) {
        consumed++;
        result = mp.replProcessChar(c);
        flushOut();
        if (result) break;
      }
      done.writeUInt32LE(consumed, 0);
    } else if (type === "I") {
      mp.replInit();
    } else {
      throw new Error(`unknown request ${type}`);
    }
  } finally {
    journal = false;
  }
  flushOut();
  done[4] = result ? 1 : 0;
  frame("D", done);
}

let pending = Buffer.alloc(0);
process.stdin.on("data", (chunk) => {
  pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
  while (pending.length >= 5) {
    const size = pending.readUInt32LE(1);
    if (pending.length < 5 + size) break;
    const type = pending.toString("latin1", 0, 1);
    const payload = pending.subarray(5, 5 + size);
    pending = pending.subarray(5 + size);
    handle(type, payload);
  }
});
process.stdin.on("end", () => process.exit(0));
frame("R");
