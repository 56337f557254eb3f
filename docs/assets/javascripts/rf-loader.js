// Attaches every `.rf-calculator` on the page to one Pyodide worker per visit.
//
// The build writes each calculator with its result already rendered, so this module
// only recomputes after an edit. mkdocs-material's instant navigation keeps this
// module alive across page views, so the worker and its state below live for the
// whole visit and calculators are re-attached on every page view.

const WORKER_URL = new URL("./rf-worker.js", import.meta.url);
const BOOT_TIMEOUT_MS = 60_000;
const INPUT_DEBOUNCE_MS = 250;

const STATUS = {
  booting: "Loading the Python runtime…",
  ready: "Ready: results are computed in your browser.",
  computed: "Computed in your browser.",
  invalid: "The table shows the last valid input.",
};

const FILE_PROTOCOL_FIX =
  "Serve the site over http, for example with `python -m http.server` in the site folder, instead of opening it from disk.";

const FIELD_SELECTOR = ".rf-calculator__spec, .rf-calculator__input-size, .rf-calculator__unit";

// Boot state shared by all calculators: "idle", "booting", "ready" or "failed".
const runtime = {
  state: "idle",
  worker: null,
  statusMessage: "",
  bootTimer: 0,
};

const calculators = new Set();
const pendingRequests = new Map(); // request id -> calculator
let nextRequestId = 1;

const visibilityObserver =
  "IntersectionObserver" in window
    ? new IntersectionObserver((entries) => {
        if (entries.some((entry) => entry.isIntersecting)) {
          startWorker();
        }
      })
    : null;

// --- Status lines ---------------------------------------------------------------

function setStatus(calculator, message, isError = false) {
  calculator.status.textContent = message;
  calculator.status.classList.toggle("rf-calculator__status--error", isError);
}

function forEachLiveCalculator(callback) {
  for (const calculator of calculators) {
    if (calculator.root.isConnected) {
      callback(calculator);
    } else {
      calculators.delete(calculator);
    }
  }
}

function showRuntimeStatus(message, isError = false) {
  runtime.statusMessage = message;
  forEachLiveCalculator((calculator) => setStatus(calculator, message, isError));
}

function failBoot(reason, fix) {
  if (runtime.state === "failed") {
    return;
  }
  runtime.state = "failed";
  clearTimeout(runtime.bootTimer);
  if (runtime.worker) {
    runtime.worker.terminate();
  }
  console.error("rf-lab: the Python runtime failed to start:", reason);
  showRuntimeStatus(
    `Recomputing in the browser is unavailable. ${reason} ${fix} The table shows the result computed when the page was built.`,
    true,
  );
}

// --- Worker ---------------------------------------------------------------------

function countBoot() {
  // Read by the browser tests to check that one visit boots one worker.
  const root = document.documentElement;
  root.dataset.rfBoots = String(Number(root.dataset.rfBoots || 0) + 1);
}

function startWorker() {
  if (runtime.state !== "idle") {
    return;
  }
  runtime.state = "booting";
  if (visibilityObserver) {
    visibilityObserver.disconnect();
  }

  if (location.protocol === "file:") {
    failBoot("The page was opened from disk (file://), where browsers restrict module scripts and workers.", FILE_PROTOCOL_FIX);
    return;
  }

  showRuntimeStatus(STATUS.booting);
  countBoot();
  try {
    runtime.worker = new Worker(WORKER_URL, { type: "module" });
  } catch (error) {
    failBoot(`Starting the worker ${WORKER_URL.href} failed: ${error.message}.`, "Reload the page.");
    return;
  }
  runtime.worker.addEventListener("message", handleWorkerMessage);
  runtime.worker.addEventListener("error", (event) => {
    event.preventDefault();
    const detail = event.message ? `: ${event.message}` : "";
    failBoot(
      `The worker script ${WORKER_URL.href} failed to load or run${detail}.`,
      "Check that the site was built completely and reload the page.",
    );
  });
  runtime.bootTimer = setTimeout(() => {
    failBoot(
      `The Python runtime did not start within ${BOOT_TIMEOUT_MS / 1000} s.`,
      "Reload the page; on a slow connection, wait for the download (about 14 MB) to finish first.",
    );
  }, BOOT_TIMEOUT_MS);
}

function handleWorkerMessage(event) {
  const message = event.data;
  if (runtime.state === "failed") {
    return;
  }
  switch (message.type) {
    case "stage":
      showRuntimeStatus(message.message);
      break;
    case "ready":
      runtime.state = "ready";
      clearTimeout(runtime.bootTimer);
      showRuntimeStatus(STATUS.ready);
      forEachLiveCalculator((calculator) => {
        if (calculator.waitingForRuntime) {
          sendRequest(calculator);
        }
      });
      break;
    case "error":
      failBoot(message.reason, message.fix);
      break;
    case "result":
      handleResult(message.id, message.reply);
      break;
    default:
      console.warn("rf-lab: unknown message from the worker:", message);
  }
}

// --- Requests and results ---------------------------------------------------------

function sendRequest(calculator) {
  calculator.waitingForRuntime = false;
  const id = nextRequestId++;
  calculator.latestRequestId = id;
  calculator.requestStart = performance.now();
  pendingRequests.set(id, calculator);
  runtime.worker.postMessage({
    type: "compute",
    id,
    spec: calculator.spec.value,
    input_size: calculator.inputSize.value,
    unit: calculator.unit.value,
    printout: calculator.pendingPrintout,
    preset: calculator.pendingPreset,
  });
  calculator.pendingPrintout = "";
  calculator.pendingPreset = "";
}

function requestWhenReady(calculator) {
  startWorker();
  if (runtime.state === "ready") {
    sendRequest(calculator);
  } else if (runtime.state === "booting") {
    calculator.waitingForRuntime = true;
  }
}

function scheduleRequest(calculator) {
  clearTimeout(calculator.debounceTimer);
  calculator.debounceTimer = setTimeout(() => requestWhenReady(calculator), INPUT_DEBOUNCE_MS);
}

function convertPrintout(calculator) {
  // The worker converts the printout to layers, computes them, and returns both.
  clearTimeout(calculator.debounceTimer);
  calculator.pendingPrintout = calculator.printout.value;
  requestWhenReady(calculator);
}

function loadPreset(calculator, name) {
  // The worker replies with the preset's spec and its table.
  clearTimeout(calculator.debounceTimer);
  calculator.pendingPreset = name;
  requestWhenReady(calculator);
}

function formatError(error) {
  const message = error && error.message ? error.message : "The input is invalid.";
  const where = error && error.source === "printout" ? "Printout line" : "Line";
  if (error && error.line != null && error.column != null) {
    return `${where} ${error.line}, column ${error.column}: ${message}`;
  }
  if (error && error.line != null) {
    return `${where} ${error.line}: ${message}`;
  }
  return message;
}

function handleResult(id, reply) {
  const calculator = pendingRequests.get(id);
  pendingRequests.delete(id);
  if (!calculator || calculator.latestRequestId !== id || !calculator.root.isConnected) {
    return; // The calculator has sent a newer request, or the page has changed.
  }

  // Milliseconds from sending the request to its reply, read by the benchmark script.
  calculator.root.dataset.rfComputeMs = (performance.now() - calculator.requestStart).toFixed(2);
  calculator.root.dataset.rfResults = String(Number(calculator.root.dataset.rfResults || 0) + 1);

  if (reply && typeof reply.spec === "string") {
    calculator.spec.value = reply.spec;
  }
  if (reply && reply.ok) {
    // The HTML comes from rf_core, which escapes everything taken from the input.
    calculator.result.innerHTML = reply.html;
    calculator.error.textContent = "";
    calculator.error.hidden = true;
    setStatus(calculator, STATUS.computed);
  } else {
    calculator.error.textContent = formatError(reply && reply.error);
    calculator.error.hidden = false;
    setStatus(calculator, STATUS.invalid);
  }
}

// --- Attaching ------------------------------------------------------------------

function attach(root) {
  const calculator = {
    root,
    spec: root.querySelector(".rf-calculator__spec"),
    inputSize: root.querySelector(".rf-calculator__input-size"),
    unit: root.querySelector(".rf-calculator__unit"),
    error: root.querySelector(".rf-calculator__error"),
    status: root.querySelector(".rf-calculator__status"),
    result: root.querySelector(".rf-calculator__result"),
    debounceTimer: 0,
    latestRequestId: 0,
    waitingForRuntime: false,
    pendingPrintout: "",
    pendingPreset: "",
    requestStart: 0,
  };
  const missing = Object.entries(calculator).filter(([, value]) => value === null);
  if (missing.length > 0) {
    console.error("rf-lab: calculator lacks", missing.map(([key]) => key).join(", "), root);
    return;
  }

  // The paste box needs the runtime, so the build writes it hidden and it is shown here.
  const pasteBox = root.querySelector(".rf-calculator__paste");
  calculator.printout = root.querySelector(".rf-calculator__printout");
  const convertButton = root.querySelector(".rf-calculator__convert");
  if (pasteBox && calculator.printout && convertButton) {
    pasteBox.hidden = false;
    convertButton.addEventListener("click", () => convertPrintout(calculator));
  }

  const presetChoice = root.querySelector(".rf-calculator__preset");
  if (presetChoice) {
    presetChoice.closest(".rf-calculator__preset-field").hidden = false;
    presetChoice.addEventListener("change", () => {
      if (presetChoice.value) {
        loadPreset(calculator, presetChoice.value);
      }
    });
  }

  root.dataset.rfAttached = "1";
  calculators.add(calculator);
  root.addEventListener("focusin", startWorker);
  root.addEventListener("input", (event) => {
    if (event.target.matches(FIELD_SELECTOR)) {
      scheduleRequest(calculator);
    }
  });

  if (runtime.state === "idle") {
    if (visibilityObserver) {
      visibilityObserver.observe(root);
    }
  } else {
    setStatus(calculator, runtime.statusMessage, runtime.state === "failed");
  }
}

function attachAll() {
  forEachLiveCalculator(() => {}); // drops calculators of the previous page view
  for (const root of document.querySelectorAll(".rf-calculator")) {
    if (!root.dataset.rfAttached) {
      attach(root);
    }
  }
}

if (window.document$ && typeof window.document$.subscribe === "function") {
  window.document$.subscribe(attachAll);
} else if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", attachAll);
} else {
  attachAll();
}
