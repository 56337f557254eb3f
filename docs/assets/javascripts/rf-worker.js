// Module worker that boots Pyodide once, imports rf_core, renders calculators and
// checks exercises.
//
// Messages sent to the page:
//   {type: "stage", stage, message}   a boot stage has started
//   {type: "ready"}                   rf_core.widget and rf_core.exercises are imported
//   {type: "error", reason, fix}      boot failed; the worker stays unusable
//   {type: "result", id, reply}       reply of rf_core.widget.render_calculator_json
//                                     or export_calculator_json, or of
//                                     rf_core.exercises.check_answer_json
// Messages received:
//   {type: "compute", id, spec, input_size, unit, printout, preset, diagram}
//                                     diagram is null or {kind, layer, axis, id}
//   {type: "export", id, spec, input_size, unit, format}
//   {type: "check", id, ask, layer, unit, axis, input, spec, answer}
//
// Every URL comes from the manifest that the build hook writes next to the rf_core
// archive, and is checked to be on this site's origin before it is fetched.

const MANIFEST_URL = new URL("../rf-lab/manifest.json", import.meta.url);
const PACKAGE_DIR = "/home/pyodide/rf_lab";
const PYTHON_MODULES = ["rf_core.widget", "rf_core.exercises"];

const STAGES = {
  manifest: "Loading the Python runtime…",
  runtime: "Loading the Python runtime…",
  package: "Loading rf_core…",
  import: "Starting rf_core…",
};

// An error whose message is shown to the reader, with the step that fixes it.
class BootError extends Error {
  constructor(reason, fix) {
    super(reason);
    this.fix = fix;
  }
}

const SERVER_FIX =
  "Check that the site was built completely and that the server serves every file under assets/, then reload the page.";

function postStage(stage) {
  self.postMessage({ type: "stage", stage, message: STAGES[stage] });
}

function sameOriginUrl(relative, base) {
  const url = new URL(relative, base);
  if (url.origin !== self.location.origin) {
    throw new BootError(
      `The manifest points at ${url.href}, which is not on this site's origin ${self.location.origin}.`,
      "Rebuild the site: the manifest must use relative URLs.",
    );
  }
  return url;
}

async function fetchOk(url, resourceName) {
  let response;
  try {
    response = await fetch(url, { credentials: "same-origin" });
  } catch (error) {
    throw new BootError(`Fetching ${resourceName} from ${url.href} failed: ${error.message}.`, SERVER_FIX);
  }
  if (!response.ok) {
    throw new BootError(
      `Fetching ${resourceName} from ${url.href} failed with HTTP ${response.status}.`,
      SERVER_FIX,
    );
  }
  return response;
}

function wasmProblem(url, response) {
  if (!response.ok) {
    return new BootError(`The runtime file ${url} returned HTTP ${response.status}.`, SERVER_FIX);
  }
  const type = (response.headers.get("content-type") || "").split(";")[0].trim();
  if (type !== "application/wasm") {
    return new BootError(
      `The server sends ${url} as "${type || "no type"}", but browsers compile WebAssembly only when it is sent as "application/wasm".`,
      "Configure the web server to send .wasm files with Content-Type application/wasm (Python's http.server does so).",
    );
  }
  return null;
}

// Pyodide 314.0.8 fetches pyodide.asm.wasm with the global fetch and, when the
// binary cannot be compiled, only logs a warning and then waits forever. While the
// runtime starts, fetch is therefore wrapped: Pyodide's own request for the binary
// is checked for its status and MIME type, and a problem rejects `failure` with the
// reason. Checking the real response, not a separate request, keeps the binary to
// one download. `restore` puts the original fetch back.
function watchWasmFetch(indexUrl) {
  const wasmUrl = new URL("pyodide.asm.wasm", indexUrl).href;
  const originalFetch = self.fetch;
  let reportFailure;
  const failure = new Promise((resolve, reject) => {
    reportFailure = reject;
  });
  failure.catch(() => {}); // startPyodide races it; nothing else waits for it.

  self.fetch = async (resource, options) => {
    const address = resource instanceof Request ? resource.url : String(resource);
    if (new URL(address, self.location.href).href !== wasmUrl) {
      return originalFetch(resource, options);
    }
    let response;
    try {
      response = await originalFetch(resource, options);
    } catch (error) {
      reportFailure(new BootError(`Fetching ${wasmUrl} failed: ${error.message}.`, SERVER_FIX));
      throw error;
    }
    const problem = wasmProblem(wasmUrl, response);
    if (problem) {
      reportFailure(problem);
    }
    return response;
  };
  return {
    failure,
    restore() {
      self.fetch = originalFetch;
    },
  };
}

// Returns a message naming the first runtime file that is missing or has the wrong
// MIME type, or null when all look fine, so that a failed boot can name its cause.
async function describeBrokenRuntimeFile(indexUrl) {
  for (const name of ["pyodide.mjs", "pyodide.asm.mjs", "pyodide-lock.json", "python_stdlib.zip"]) {
    const url = new URL(name, indexUrl);
    try {
      const response = await fetch(url, { method: "HEAD", credentials: "same-origin" });
      if (!response.ok) {
        return `The runtime file ${url.href} returned HTTP ${response.status}.`;
      }
      const type = (response.headers.get("content-type") || "").split(";")[0].trim();
      if (name.endsWith(".mjs") && !type.endsWith("javascript")) {
        return `The server sends ${url.href} as "${type || "no type"}", but module scripts must be sent as "text/javascript".`;
      }
    } catch (error) {
      return `Fetching ${url.href} failed: ${error.message}.`;
    }
  }
  return null;
}

function toHex(buffer) {
  return Array.from(new Uint8Array(buffer), (byte) => byte.toString(16).padStart(2, "0")).join("");
}

// crypto.subtle exists only in secure contexts (https, localhost, 127.0.0.1). On a
// plain-http intranet host the digest is computed with Python's hashlib instead.
async function sha256Hex(pyodide, buffer) {
  if (self.crypto && self.crypto.subtle) {
    return toHex(await self.crypto.subtle.digest("SHA-256", buffer));
  }
  const hashlib = pyodide.pyimport("hashlib");
  const digest = hashlib.sha256(pyodide.toPy(new Uint8Array(buffer))).hexdigest();
  hashlib.destroy();
  return digest;
}

async function readManifest() {
  postStage("manifest");
  const response = await fetchOk(MANIFEST_URL, "the rf_core manifest");
  try {
    return await response.json();
  } catch (error) {
    throw new BootError(`The manifest ${MANIFEST_URL.href} is not valid JSON: ${error.message}.`, SERVER_FIX);
  }
}

async function startPyodide(indexUrl) {
  postStage("runtime");
  const moduleUrl = new URL("pyodide.mjs", indexUrl);
  let loadPyodide;
  try {
    ({ loadPyodide } = await import(moduleUrl.href));
  } catch (error) {
    const cause = (await describeBrokenRuntimeFile(indexUrl)) || `Importing ${moduleUrl.href} failed: ${error.message}.`;
    throw new BootError(cause, SERVER_FIX);
  }

  const wasmWatch = watchWasmFetch(indexUrl);
  try {
    // packageBaseUrl is set so that Pyodide's fallback package URL is this site too.
    const started = loadPyodide({
      indexURL: indexUrl.href,
      packageBaseUrl: indexUrl.href,
      stdout: (line) => console.log("[rf-lab python]", line),
      stderr: (line) => console.warn("[rf-lab python]", line),
    });
    return await Promise.race([started, wasmWatch.failure]);
  } catch (error) {
    if (error instanceof BootError) {
      throw error;
    }
    const cause = (await describeBrokenRuntimeFile(indexUrl)) || `Starting Pyodide failed: ${error.message}.`;
    throw new BootError(cause, SERVER_FIX);
  } finally {
    wasmWatch.restore();
  }
}

async function installPackage(pyodide, manifest) {
  postStage("package");
  const url = sameOriginUrl(manifest.package, MANIFEST_URL);
  const buffer = await (await fetchOk(url, "the rf_core archive")).arrayBuffer();

  const actual = await sha256Hex(pyodide, buffer);
  if (actual !== manifest.package_sha256) {
    throw new BootError(
      `The rf_core archive ${url.href} does not match the manifest: expected sha256 ${manifest.package_sha256}, actual ${actual}.`,
      "Reload the page without the browser cache (Shift+Reload); if that does not help, rebuild the site.",
    );
  }

  pyodide.unpackArchive(buffer, "zip", { extractDir: PACKAGE_DIR });
  const sys = pyodide.pyimport("sys");
  sys.path.insert(0, PACKAGE_DIR);
  sys.destroy();
}

// Returns the imported modules by name.
function importModules(pyodide) {
  postStage("import");
  const modules = {};
  for (const name of PYTHON_MODULES) {
    try {
      modules[name] = pyodide.pyimport(name);
    } catch (error) {
      throw new BootError(
        `Importing ${name} in the browser failed: ${error.message}`,
        "Rebuild the site; rf_core must import with the Python standard library only.",
      );
    }
  }
  return modules;
}

async function boot() {
  const manifest = await readManifest();
  const indexUrl = sameOriginUrl(manifest.pyodide_index, MANIFEST_URL);
  const pyodide = await startPyodide(indexUrl);
  await installPackage(pyodide, manifest);
  return importModules(pyodide);
}

const modulesReady = boot();

modulesReady.then(
  () => self.postMessage({ type: "ready" }),
  (error) => {
    const fix = error instanceof BootError ? error.fix : SERVER_FIX;
    self.postMessage({ type: "error", reason: error.message, fix });
  },
);

// The request fields of each message type, all strings, the fields of its optional
// diagram object, also strings, and the rf_core function that handles them.
const HANDLERS = {
  compute: {
    module: "rf_core.widget",
    fields: ["spec", "input_size", "unit", "printout", "preset"],
    diagramFields: ["kind", "layer", "axis", "id"],
    function: "render_calculator_json",
  },
  export: {
    module: "rf_core.widget",
    fields: ["spec", "input_size", "unit", "format"],
    diagramFields: [],
    function: "export_calculator_json",
  },
  check: {
    module: "rf_core.exercises",
    fields: ["ask", "layer", "unit", "axis", "input", "spec", "answer"],
    diagramFields: [],
    function: "check_answer_json",
  },
};

function stringFields(source, names) {
  return Object.fromEntries(names.map((name) => [name, String(source[name] ?? "")]));
}

function callHandler(modules, handler, request) {
  const fields = stringFields(request, handler.fields);
  if (handler.diagramFields.length > 0 && request.diagram) {
    fields.diagram = stringFields(request.diagram, handler.diagramFields);
  }
  try {
    return JSON.parse(modules[handler.module][handler.function](JSON.stringify(fields)));
  } catch (error) {
    // rf_core returns input errors in the reply, so an exception here is a bug in rf_core.
    return { ok: false, error: { message: `rf_core failed: ${error.message}`, line: null, column: null } };
  }
}

self.addEventListener("message", async (event) => {
  const request = event.data;
  const handler = request && Object.hasOwn(HANDLERS, request.type) ? HANDLERS[request.type] : null;
  if (!handler) {
    return;
  }
  let modules;
  try {
    modules = await modulesReady;
  } catch {
    return; // The boot error was already posted once.
  }
  self.postMessage({ type: "result", id: request.id, reply: callHandler(modules, handler, request) });
});
