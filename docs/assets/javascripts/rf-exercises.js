// Attaches every `.rf-exercise` on the page: the reader types an answer, and the
// Pyodide worker of rf-loader.js checks it with rf_core.exercises.check_answer_json.
//
// The build writes each exercise with its answer field hidden, because checking
// needs the worker; this module shows the field. The result line only ever gets
// text (textContent), so nothing the reader typed becomes markup. mkdocs-material's
// instant navigation keeps the module alive, so it re-attaches through `document$`.

import { runtimeState, sendRequest, startWorker } from "./rf-loader.js";

const MESSAGES = {
  booting: "Loading the Python runtime to check your answer…",
  checking: "Checking…",
};

const SHOW_ANSWER_HINT = "Open “Show answer” below to compare your answer.";

// Reply statuses of rf_core.exercises.check_answer_json, plus "pending" while waiting.
const STATUSES = new Set(["correct", "not_yet", "invalid", "error"]);

function formatSeconds(milliseconds) {
  return `${Number((milliseconds / 1000).toFixed(1))} s`;
}

function showResult(exercise, status, message) {
  exercise.result.textContent = message;
  exercise.root.dataset.rfStatus = status;
}

function showReply(exercise, reply) {
  if (reply && STATUSES.has(reply.status) && typeof reply.message === "string") {
    showResult(exercise, reply.status, reply.message);
    return;
  }
  // The worker's reply when rf_core raised, which is a bug in rf_core.
  const reason = reply && reply.error && reply.error.message ? reply.error.message : "the reply was not understood";
  showResult(exercise, "error", `Checking failed: ${reason}. ${SHOW_ANSWER_HINT}`);
}

function check(exercise) {
  exercise.latestCheck += 1;
  const checkNumber = exercise.latestCheck;
  const isCurrent = () => checkNumber === exercise.latestCheck;
  showResult(exercise, "pending", runtimeState() === "ready" ? MESSAGES.checking : MESSAGES.booting);

  sendRequest(exercise, { type: "check", ...exercise.request, answer: exercise.input.value }, {
    onReply: (reply) => {
      if (isCurrent()) {
        showReply(exercise, reply);
      }
    },
    onTimeout: (timeout) => {
      if (isCurrent()) {
        showResult(exercise, "error", `Checking took longer than ${formatSeconds(timeout)} and was stopped. ${SHOW_ANSWER_HINT}`);
      }
    },
    onFailure: (reason, fix) => {
      if (isCurrent()) {
        showResult(
          exercise,
          "error",
          `Checking needs the Python runtime, which failed to start. ${reason} ${fix} ${SHOW_ANSWER_HINT}`,
        );
      }
    },
  });
}

function attach(root) {
  const exercise = {
    root,
    controls: root.querySelector(".rf-exercise__check"),
    input: root.querySelector(".rf-exercise__input"),
    button: root.querySelector(".rf-exercise__button"),
    result: root.querySelector(".rf-exercise__result"),
    latestCheck: 0,
  };
  const missing = Object.entries(exercise).filter(([, value]) => value === null);
  if (missing.length > 0) {
    console.error("rf-lab: exercise lacks", missing.map(([key]) => key).join(", "), root);
    return;
  }
  try {
    exercise.request = JSON.parse(root.dataset.rfExercise);
  } catch (error) {
    console.error("rf-lab: the exercise's data-rf-exercise is not valid JSON:", error.message, root);
    return;
  }

  root.dataset.rfAttached = "1";
  exercise.controls.hidden = false;
  exercise.input.addEventListener("focus", startWorker);
  exercise.input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.isComposing) {
      event.preventDefault();
      check(exercise);
    }
  });
  exercise.button.addEventListener("click", () => check(exercise));
}

function attachAll() {
  for (const root of document.querySelectorAll(".rf-exercise")) {
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
