// Steps through the frames of every `rf-diagram` frames figure, one frame at a time.
//
// The build writes all frames into the SVG and shows one of them, with the step
// control hidden and a note for readers without JavaScript. This module shows the
// control, hides the note and, on every step, shows one frame and writes its
// caption into the live status line. mkdocs-material's instant navigation keeps
// the module alive, so it re-attaches on every page view through `document$`.
// The calculator loader calls `attachDiagrams` on the diagrams it redraws.

const FRAME_SELECTOR = ".rf-dg-frame";

function showFrame(figure, index) {
  const frames = figure.querySelectorAll(FRAME_SELECTOR);
  const count = frames.length;
  const current = Math.min(Math.max(index, 0), count - 1);
  frames.forEach((frame, position) => {
    if (position === current) {
      frame.removeAttribute("display");
    } else {
      frame.setAttribute("display", "none");
    }
  });

  const step = figure.querySelector(".rf-diagram__step");
  const value = figure.querySelector(".rf-diagram__value");
  const status = figure.querySelector(".rf-diagram__status");
  step.value = String(current);
  value.textContent = `${current + 1} of ${count}`;
  status.textContent = frames[current].dataset.caption || "";
  figure.querySelector(".rf-diagram__prev").disabled = current === 0;
  figure.querySelector(".rf-diagram__next").disabled = current === count - 1;
}

function attach(figure) {
  const controls = figure.querySelector(".rf-diagram__controls");
  const step = figure.querySelector(".rf-diagram__step");
  if (!controls || !step || figure.querySelectorAll(FRAME_SELECTOR).length === 0) {
    return;
  }
  figure.dataset.rfAttached = "true";
  controls.hidden = false;
  const note = figure.querySelector(".rf-diagram__no-script");
  if (note) {
    note.hidden = true;
  }

  step.addEventListener("input", () => showFrame(figure, Number(step.value)));
  figure.querySelector(".rf-diagram__prev").addEventListener("click", () => {
    showFrame(figure, Number(step.value) - 1);
  });
  figure.querySelector(".rf-diagram__next").addEventListener("click", () => {
    showFrame(figure, Number(step.value) + 1);
  });
  showFrame(figure, Number(step.value));
}

// Attaches the step control of every frames diagram inside `root` that has none yet.
export function attachDiagrams(root = document) {
  for (const figure of root.querySelectorAll('.rf-diagram[data-rf-diagram="frames"]')) {
    if (!figure.dataset.rfAttached) {
      attach(figure);
    }
  }
}

function attachAll() {
  attachDiagrams(document);
}

if (window.document$ && typeof window.document$.subscribe === "function") {
  window.document$.subscribe(attachAll);
} else if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", attachAll);
} else {
  attachAll();
}
