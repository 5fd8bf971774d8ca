// A real MicroPython (the official WebAssembly port) answering requests on stdin.
//
// Usage: node worker.mjs [--heap BYTES] [--mount HOSTDIR:MPDIR]...
// Each mount copies a host directory tree into the runtime's in-memory
// filesystem (e.g. firmware/lib -> /lib, which is on MicroPython's sys.path).
// Requests are JSON lines: {"exec": code} runs Python, {"write": path, "data": text}
// or {"write": path, "b64": base64} writes a file. Every request gets one JSON line back:
// {"ok": bool, "out": captured stdout, "error": traceback or null}.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { loadMicroPython } from "@micropython/micropython-webassembly-pyscript";

let heap = 512 * 1024;
const mounts = [];
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  if (argv[i] === "--heap") heap = Number(argv[++i]);
  else if (argv[i] === "--mount") mounts.push(argv[++i].split(":"));
  else throw new Error(`unknown argument ${argv[i]}`);
}

let captured = [];
const mp = await loadMicroPython({
  heapsize: heap,
  linebuffer: false,
  stdout: (bytes) => captured.push(Buffer.from(bytes)),
  stderr: (bytes) => captured.push(Buffer.from(bytes)),
});

function copyTree(src, dst) {
  mp.FS.mkdirTree(dst);
  for (const name of readdirSync(src)) {
    if (name === "__pycache__") continue;
    const from = join(src, name);
    const to = `${dst}/${name}`;
    if (statSync(from).isDirectory()) copyTree(from, to);
    else mp.FS.writeFile(to, readFileSync(from));
  }
}
for (const [src, dst] of mounts) copyTree(src, dst);

function handle(req) {
  captured = [];
  let error = null;
  try {
    if (req.write !== undefined) {
      const dir = req.write.substring(0, req.write.lastIndexOf("/"));
      if (dir) mp.FS.mkdirTree(dir);
      mp.FS.writeFile(req.write, req.b64 !== undefined ? Buffer.from(req.b64, "base64") : req.data);
    } else {
      mp.runPython(req.exec);
    }
  } catch (e) {
    error = String(e.message ?? e);
  }
  const out = Buffer.concat(captured).toString("utf8");
  return { ok: error === null, out, error };
}

process.stdout.write(JSON.stringify({ ready: true }) + "\n");
const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
for await (const line of lines) {
  if (!line.trim()) continue;
  process.stdout.write(JSON.stringify(handle(JSON.parse(line))) + "\n");
}
