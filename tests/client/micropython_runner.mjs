// Run a Python script under real MicroPython (the WebAssembly build PyScript uses), with the pure
// parley modules in its virtual file system.
//
//   node tests/client/micropython_runner.mjs SCRIPT.py [MODULE.py ...]
//
// Each MODULE is written to /parley/<name> (an empty /parley/__init__.py is added if none is given).
// The interpreter is loaded from $PARLEY_NODE_MODULES (default: client/node_modules of this repo).
// Exit status: 0 if the script ran to the end, 1 if it raised (the Python traceback goes to stderr).
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const modulesDir = process.env.PARLEY_NODE_MODULES || path.resolve(here, "../../client/node_modules");
const entry = path.join(modulesDir, "@micropython/micropython-webassembly-pyscript/micropython.mjs");
const [script, ...modules] = process.argv.slice(2);
if (!script) {
  console.error("usage: node micropython_runner.mjs SCRIPT.py [MODULE.py ...]");
  process.exit(2);
}

const { loadMicroPython } = await import(pathToFileURL(entry).href);
const mp = await loadMicroPython({
  heapsize: 4 * 1024 * 1024,
  stdout: (line) => console.log(line),
  stderr: (line) => console.error(line),
});
mp.FS.mkdir("/parley");
const names = modules.map((file) => path.basename(file));
if (!names.includes("__init__.py")) mp.FS.writeFile("/parley/__init__.py", "");
for (const file of modules) mp.FS.writeFile(`/parley/${path.basename(file)}`, fs.readFileSync(file, "utf8"));

try {
  mp.runPython("import sys\nif '/' not in sys.path: sys.path.append('/')");
  mp.runPython(fs.readFileSync(script, "utf8"));
} catch (error) {
  if (error && error.name === "PythonError") {
    console.error(error.message);
    process.exit(1);
  }
  throw error;
}
