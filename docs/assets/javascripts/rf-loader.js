// Attaches every `.rf-calculator` on the page to one Pyodide worker per visit.
//
// The build writes each calculator with its result already rendered, so this module
// only recomputes after an edit. mkdocs-material's instant navigation keeps this
// module alive across page views, so the worker and its state below live for the
// whole visit and calculators are re-attached on every page view. A calculator
// built with `diagram=KIND` also gets its diagram redrawn with every result. Other
// widgets, such as exercises (rf-exercises.js), send their requests through `sendRequest`.

import { attachDiagrams } from "./rf-diagrams.js";
import { copyText, downloadText, showShareMessage } from "./rf-share.js";
import { StateError, decodeState, linkToState, scheduleUrlUpdate, stateInUrl } from "./rf-url-state.js";

const WORKER_URL = new URL("./rf-worker.js", import.meta.url);
const INPUT_DEBOUNCE_MS = 250;

// Default timeouts. A site can override them with data-rf-boot-timeout-ms and
// data-rf-timeout-ms on <html>, which the browser tests use to time out quickly.
const BOOT_TIMEOUT_MS = 60_000;
// Time the worker may spend on one request. A stopped worker is replaced by a new
// one, which boots again (about 4 s in the browser tests, with a warm cache).
const COMPUTE_TIMEOUT_MS = 10_000;

const STATUS = {
  booting: "Loading the Python runtime…",
  ready: "Ready: results are computed in your browser.",
  computed: "Computed in your browser.",
  invalid: "The table shows the last valid input.",
  timedOut: "The computation was stopped. The table shows the last valid input.",
};

const FILE_PROTOCOL_FIX =
  "Serve the site over http, for example with `python -m http.server` in the site folder, instead of opening it from disk.";

const FIELD_SELECTOR = ".rf-calculator__spec, .rf-calculator__input-size, .rf-calculator__unit";

// Boot state shared by all widgets: "idle", "booting", "ready" or "failed".
const runtime = {
  state: "idle",
  worker: null,
  statusMessage: "",
  bootTimer: 0,
  computeTimer: 0,
  readyTasks: [], // functions to run once the worker is ready
  failureTasks: [], // functions to call with (reason, fix) if the boot fails
  failure: null, // {reason, fix} after a failed boot
};

const calculators = new Set();
// Requests sent to the worker, in the order the worker handles them: request id ->
// {widget, kind: "compute" | "export" | "check", onReply, onTimeout, onRestart}.
// A widget is a calculator or an exercise: any object with its `root` element.
const pendingRequests = new Map();
let nextRequestId = 1;

function timeoutSetting(attribute, fallback) {
  const value = Number(document.documentElement.getAttribute(attribute));
  return Number.isFinite(value) && value > 0 ? value : fallback;
}

function formatSeconds(milliseconds) {
  return `${Number((milliseconds / 1000).toFixed(1))} s`;
}

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
  runtime.failure = { reason, fix };
  clearTimeout(runtime.bootTimer);
  if (runtime.worker) {
    runtime.worker.terminate();
  }
  runtime.readyTasks = [];
  const failureTasks = runtime.failureTasks;
  runtime.failureTasks = [];
  for (const task of failureTasks) {
    task(reason, fix);
  }
  console.error("rf-lab: the Python runtime failed to start:", reason);
  showRuntimeStatus(
    `Recomputing in the browser is unavailable. ${reason} ${fix} The table shows the result computed when the page was built.`,
    true,
  );
}

// --- Worker ---------------------------------------------------------------------

function countBoot() {
  // Read by the browser tests: one visit boots one worker, plus one per compute timeout.
  const root = document.documentElement;
  root.dataset.rfBoots = String(Number(root.dataset.rfBoots || 0) + 1);
}

export function startWorker() {
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
  let worker;
  try {
    worker = new Worker(WORKER_URL, { type: "module" });
  } catch (error) {
    failBoot(`Starting the worker ${WORKER_URL.href} failed: ${error.message}.`, "Reload the page.");
    return;
  }
  runtime.worker = worker;
  // Messages of a worker stopped after a timeout can still be queued, so they are dropped.
  worker.addEventListener("message", (event) => {
    if (worker === runtime.worker) {
      handleWorkerMessage(event);
    }
  });
  worker.addEventListener("error", (event) => {
    event.preventDefault();
    if (worker !== runtime.worker) {
      return;
    }
    const detail = event.message ? `: ${event.message}` : "";
    failBoot(
      `The worker script ${WORKER_URL.href} failed to load or run${detail}.`,
      "Check that the site was built completely and reload the page.",
    );
  });
  const bootTimeout = timeoutSetting("data-rf-boot-timeout-ms", BOOT_TIMEOUT_MS);
  runtime.bootTimer = setTimeout(() => {
    failBoot(
      `The Python runtime did not start within ${formatSeconds(bootTimeout)}.`,
      "Reload the page; on a slow connection, wait for the download (about 14 MB) to finish first.",
    );
  }, bootTimeout);
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
      runReadyTasks();
      break;
    case "error":
      failBoot(message.reason, message.fix);
      break;
    case "result":
      handleReply(message.id, message.reply);
      break;
    default:
      console.warn("rf-lab: unknown message from the worker:", message);
  }
}

function runReadyTasks() {
  const tasks = runtime.readyTasks;
  runtime.readyTasks = [];
  runtime.failureTasks = [];
  for (const task of tasks) {
    task();
  }
  forEachLiveCalculator((calculator) => {
    if (calculator.waitingForRuntime) {
      sendCompute(calculator);
    }
  });
}

// Runs `task` now if the worker is ready, or once it is. After a failed boot only
// `onFailure(reason, fix)` runs, if given: at once, or when the boot fails.
function whenReady(task, onFailure = null) {
  startWorker();
  if (runtime.state === "ready") {
    task();
  } else if (runtime.state === "booting") {
    runtime.readyTasks.push(task);
    if (onFailure) {
      runtime.failureTasks.push(onFailure);
    }
  } else if (runtime.state === "failed" && onFailure) {
    onFailure(runtime.failure.reason, runtime.failure.fix);
  }
}

// Returns "idle", "booting", "ready" or "failed".
export function runtimeState() {
  return runtime.state;
}

// --- Compute timeout --------------------------------------------------------------

// The timer runs while requests are pending and restarts with every reply, so it
// measures how long the worker has been busy with the oldest pending request.
function armComputeTimer() {
  if (runtime.computeTimer || pendingRequests.size === 0) {
    return;
  }
  const timeout = timeoutSetting("data-rf-timeout-ms", COMPUTE_TIMEOUT_MS);
  runtime.computeTimer = setTimeout(() => stopBusyWorker(timeout), timeout);
}

function restartComputeTimer() {
  clearTimeout(runtime.computeTimer);
  runtime.computeTimer = 0;
  armComputeTimer();
}

// Stops a worker that is stuck on a request, reports it on that request's widget
// and boots a new worker. Later requests never reached Python, so they are sent again.
function stopBusyWorker(timeout) {
  runtime.computeTimer = 0;
  const [stuckId, stuck] = pendingRequests.entries().next().value;
  const others = [...pendingRequests].filter(([id]) => id !== stuckId).map(([, entry]) => entry);
  pendingRequests.clear();
  runtime.worker.terminate();
  runtime.worker = null;
  runtime.state = "idle";
  console.warn(`rf-lab: request ${stuckId} (${stuck.kind}) took longer than ${timeout} ms; the worker was stopped.`);

  if (stuck.widget.root.isConnected) {
    stuck.onTimeout(timeout);
  }
  startWorker();
  for (const entry of others) {
    if (entry.widget.root.isConnected) {
      entry.onRestart();
    }
  }
}

// --- Requests and results ---------------------------------------------------------

function postRequest(widget, message, handlers) {
  const id = nextRequestId++;
  pendingRequests.set(id, { widget, kind: message.type, ...handlers });
  runtime.worker.postMessage({ ...message, id });
  armComputeTimer();
  return id;
}

function handleReply(id, reply) {
  const entry = pendingRequests.get(id);
  pendingRequests.delete(id);
  restartComputeTimer();
  if (entry && entry.widget.root.isConnected) {
    entry.onReply(reply, id);
  }
}

// Sends `message` to the worker once it is ready, booting it first if needed, and
// calls handlers.onReply(reply), onTimeout(milliseconds) or onFailure(reason, fix).
// A request stopped only because another one timed out is sent again.
export function sendRequest(widget, message, handlers) {
  const send = () =>
    postRequest(widget, message, {
      onReply: handlers.onReply,
      onTimeout: handlers.onTimeout,
      onRestart: () => whenReady(send, handlers.onFailure),
    });
  whenReady(send, handlers.onFailure);
}

function fieldState(calculator) {
  return { spec: calculator.spec.value, input_size: calculator.inputSize.value, unit: calculator.unit.value };
}

function sendCompute(calculator) {
  calculator.waitingForRuntime = false;
  const state = fieldState(calculator);
  calculator.requestStart = performance.now();
  const request = { type: "compute", ...state, printout: calculator.pendingPrintout, preset: calculator.pendingPreset };
  if (calculator.diagramBox) {
    // The box's data attributes are the diagram request that the build used.
    const { kind, layer, axis, id } = calculator.diagramBox.dataset;
    request.diagram = { kind, layer, axis, id };
  }
  calculator.latestRequestId = postRequest(
    calculator,
    request,
    {
      onReply: (reply, id) => handleComputeReply(calculator, id, state, reply),
      onTimeout: (timeout) => showComputeTimeout(calculator, timeout),
      onRestart: () => {
        calculator.waitingForRuntime = true;
      },
    },
  );
  calculator.pendingPrintout = "";
  calculator.pendingPreset = "";
}

function requestCompute(calculator) {
  startWorker();
  if (runtime.state === "ready") {
    sendCompute(calculator);
  } else if (runtime.state === "booting") {
    calculator.waitingForRuntime = true;
  }
}

function scheduleRequest(calculator) {
  clearTimeout(calculator.debounceTimer);
  calculator.debounceTimer = setTimeout(() => requestCompute(calculator), INPUT_DEBOUNCE_MS);
}

function convertPrintout(calculator) {
  // The layers no longer come from a built-in network, so the menu goes back to its prompt.
  const presetChoice = calculator.root.querySelector(".rf-calculator__preset");
  if (presetChoice) {
    presetChoice.value = "";
  }
  // The worker converts the printout to layers, computes them, and returns both.
  clearTimeout(calculator.debounceTimer);
  calculator.pendingPrintout = calculator.printout.value;
  requestCompute(calculator);
}

function loadPreset(calculator, name) {
  // The worker replies with the preset's spec and its table.
  clearTimeout(calculator.debounceTimer);
  calculator.pendingPreset = name;
  requestCompute(calculator);
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

function showError(calculator, message) {
  calculator.error.textContent = message;
  calculator.error.hidden = false;
}

function showComputeTimeout(calculator, timeout) {
  showError(
    calculator,
    `The computation took longer than ${formatSeconds(timeout)} and was stopped. ` +
      "Shorten the spec (fewer layers or a shorter paste), then edit again.",
  );
  setStatus(calculator, STATUS.timedOut, true);
}

function handleComputeReply(calculator, id, state, reply) {
  if (calculator.latestRequestId !== id) {
    return; // The calculator has sent a newer request.
  }

  // Milliseconds from sending the request to its reply, read by the benchmark script.
  calculator.root.dataset.rfComputeMs = (performance.now() - calculator.requestStart).toFixed(2);
  calculator.root.dataset.rfResults = String(Number(calculator.root.dataset.rfResults || 0) + 1);

  if (reply && typeof reply.spec === "string") {
    calculator.spec.value = reply.spec;
    state = { ...state, spec: reply.spec };
  }
  if (reply && reply.ok) {
    // The HTML comes from rf_core, which escapes everything taken from the input.
    calculator.result.innerHTML = reply.html;
    showDiagram(calculator, reply.diagram);
    calculator.error.textContent = "";
    calculator.error.hidden = true;
    calculator.lastValidState = state;
    setStatus(calculator, STATUS.computed);
    scheduleUrlUpdate(calculator, state);
  } else {
    showError(calculator, formatError(reply && reply.error));
    setStatus(calculator, STATUS.invalid);
  }
}

// Shows the redrawn diagram, or why it cannot be drawn, in place of the previous one.
function showDiagram(calculator, diagram) {
  const box = calculator.diagramBox;
  if (!box || !diagram) {
    return;
  }
  if (typeof diagram.html === "string") {
    // The HTML comes from rf_core, which escapes everything taken from the input.
    box.innerHTML = diagram.html;
    attachDiagrams(box);
    return;
  }
  const message = document.createElement("p");
  message.className = "rf-calculator__diagram-message";
  message.textContent = `No diagram: ${diagram.error || "the diagram cannot be drawn."}`;
  box.replaceChildren(message);
}

// --- Sharing and export -------------------------------------------------------------

function copyLink(calculator) {
  const state = calculator.lastValidState ?? calculator.defaultState;
  const link = linkToState(calculator.root.dataset.rfCalculator, state);
  if (link === null) {
    showShareMessage(
      calculator,
      "The spec is too long for a link. Copy the layers from the text box and share them as text instead.",
      true,
    );
    return;
  }
  copyText(calculator, link, "Copied a link to this calculation.");
}

function exportResult(calculator, action) {
  const state = calculator.lastValidState;
  const format = calculator.format.value;
  const label = calculator.format.selectedOptions[0]?.textContent ?? format;
  if (!state) {
    showShareMessage(calculator, "There is no result to export yet. Correct the input first.", true);
    return;
  }
  if (runtime.state === "failed") {
    showShareMessage(calculator, "Exporting needs the Python runtime, which failed to start (see above).", true);
    return;
  }
  showShareMessage(calculator, `Preparing ${label}…`);
  const send = () =>
    postRequest(calculator, { type: "export", ...state, format }, {
      onReply: (reply) => finishExport(calculator, action, label, reply),
      onTimeout: (timeout) =>
        showShareMessage(calculator, `Exporting took longer than ${formatSeconds(timeout)} and was stopped.`, true),
      onRestart: () => whenReady(send),
    });
  whenReady(send);
}

function finishExport(calculator, action, label, reply) {
  if (!reply || !reply.ok) {
    showShareMessage(calculator, `Exporting failed: ${formatError(reply && reply.error)}`, true);
    return;
  }
  if (action === "download") {
    downloadText(calculator, reply.text, reply.filename, reply.media_type);
  } else {
    copyText(calculator, reply.text, `Copied the table as ${label}.`);
  }
}

// --- Attaching ------------------------------------------------------------------

// Applies and computes a calculator state from the page URL, and returns whether it
// did. An invalid state leaves the example in place and shows why.
function applyUrlState(calculator) {
  const encoded = stateInUrl(calculator.root.dataset.rfCalculator);
  if (encoded === null) {
    return false;
  }
  let state;
  try {
    state = decodeState(encoded);
  } catch (error) {
    if (!(error instanceof StateError)) {
      throw error;
    }
    showError(calculator, `The link's calculator state is invalid: ${error.message} The calculator shows its example instead.`);
    return false;
  }
  calculator.spec.value = state.spec;
  calculator.inputSize.value = state.input_size;
  calculator.unit.value = state.unit;
  requestCompute(calculator);
  return true;
}

function attachShareBar(calculator) {
  const bar = calculator.root.querySelector(".rf-calculator__share");
  const parts = {
    shareMessage: bar?.querySelector(".rf-calculator__share-message"),
    format: bar?.querySelector(".rf-calculator__format"),
    copyBox: calculator.root.querySelector(".rf-calculator__copy-box"),
    copyField: calculator.root.querySelector(".rf-calculator__copy-field"),
  };
  if (!bar || Object.values(parts).some((part) => !part)) {
    return; // Pages built before the share bar existed work without it.
  }
  Object.assign(calculator, parts);
  bar.hidden = false;
  bar.querySelector(".rf-calculator__link").addEventListener("click", () => copyLink(calculator));
  bar.querySelector(".rf-calculator__download").addEventListener("click", () => exportResult(calculator, "download"));
  bar.querySelector(".rf-calculator__copy").addEventListener("click", () => exportResult(calculator, "copy"));
}

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
  calculator.diagramBox = root.querySelector(".rf-calculator__diagram");
  // The example as built, and the last input that gave a table, which export and links use.
  calculator.defaultState = fieldState(calculator);
  calculator.lastValidState = calculator.error.hidden ? calculator.defaultState : null;

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
    const loadButton = root.querySelector(".rf-calculator__preset-load");
    loadButton?.addEventListener("click", () => {
      if (presetChoice.value) {
        loadPreset(calculator, presetChoice.value);
      } else {
        showError(calculator, "Choose a network in the Built-in network menu, then press Load.");
      }
    });
  }
  attachShareBar(calculator);

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
  return calculator;
}

function attachAll() {
  forEachLiveCalculator(() => {}); // drops calculators of the previous page view
  let firstFromUrl = null;
  for (const root of document.querySelectorAll(".rf-calculator")) {
    if (root.dataset.rfAttached) {
      continue;
    }
    const calculator = attach(root);
    if (calculator && applyUrlState(calculator) && !firstFromUrl) {
      firstFromUrl = calculator;
    }
  }
  // The fragment names no element, so the browser does not scroll to the shared calculator.
  if (firstFromUrl) {
    firstFromUrl.root.scrollIntoView({ block: "start" });
  }
}

if (window.document$ && typeof window.document$.subscribe === "function") {
  window.document$.subscribe(attachAll);
} else if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", attachAll);
} else {
  attachAll();
}
