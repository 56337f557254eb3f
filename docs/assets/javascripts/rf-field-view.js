// Makes every `rf-field-view` figure interactive: pick a layer, click a unit or
// move with the arrow keys, and see that unit's field on the picture.
//
// The build draws the initial layer and unit and writes into the figure's
// data-rf-field-view attribute, per layer and per axis, every unit's unclipped
// interval, clipped interval and centre, all computed by rf_core. This script only looks those numbers up and moves the drawing; it does
// no receptive field arithmetic. It needs no Python runtime, so it also works on
// pages opened from disk. It is a classic script, not a module, because browsers
// refuse module scripts on file:// pages. mkdocs-material's instant navigation
// keeps it alive across page views, so it re-attaches through `document$`.
(function () {
  "use strict";

  // Same sentence as rf_core.field_view.describe_unit.
  function describeUnit(layer, row, column) {
    const [top, bottom] = layer.rows.interval[row];
    const [left, right] = layer.columns.interval[column];
    const clippedRows = layer.rows.clipped[row];
    const clippedColumns = layer.columns.clipped[column];
    const clipped =
      clippedRows && clippedColumns
        ? `rows ${clippedRows[0]} to ${clippedRows[1]}, columns ${clippedColumns[0]} to ${clippedColumns[1]}`
        : "no input pixel reaches it";
    const centre = `(${layer.rows.centre[row]}, ${layer.columns.centre[column]})`;
    return (
      `Unit (${row}, ${column}) of ${layer.name} sees rows ${top} to ${bottom}, ` +
      `columns ${left} to ${right} (clipped: ${clipped}), centre ${centre}.`
    );
  }

  // Pixel p spans [p, p + 1) in the drawing.
  function setSpan(rect, rows, columns) {
    rect.setAttribute("x", String(columns[0]));
    rect.setAttribute("y", String(rows[0]));
    rect.setAttribute("width", String(columns[1] - columns[0] + 1));
    rect.setAttribute("height", String(rows[1] - rows[0] + 1));
  }

  // One path with a dot per unit, as rf_core.field_view_html writes it: each row
  // starts with an absolute move, then steps to the next dot with a relative one.
  function gridPath(layer) {
    const columns = layer.columns.centre;
    let steps = "";
    for (let index = 1; index < columns.length; index += 1) {
      steps += `m${columns[index] - columns[index - 1]} 0h0`;
    }
    return layer.rows.centre.map((row) => `M${columns[0] + 0.5} ${row + 0.5}h0${steps}`).join("");
  }

  // Index of the centre nearest to `position`, the first of equally near ones.
  function nearest(centres, position) {
    let best = 0;
    for (let index = 1; index < centres.length; index += 1) {
      if (Math.abs(centres[index] - position) < Math.abs(centres[best] - position)) {
        best = index;
      }
    }
    return best;
  }

  function clamp(value, size) {
    return Math.min(Math.max(value, 0), size - 1);
  }

  class FieldView {
    constructor(figure, data) {
      this.figure = figure;
      this.data = data;
      this.grid = figure.querySelector(".rf-field-view__grid");
      this.svg = this.grid.querySelector("svg");
      this.outside = this.svg.querySelector(".rf-fv-outside");
      this.units = this.svg.querySelector(".rf-fv-grid");
      this.unitLayers = this.svg.querySelectorAll("use.rf-fv-units");
      this.clipped = this.svg.querySelector(".rf-fv-clipped");
      this.unclipped = this.svg.querySelectorAll(".rf-fv-unclipped");
      this.centres = this.svg.querySelectorAll(".rf-fv-centre");
      this.status = figure.querySelector(".rf-field-view__status");
      this.menu = figure.querySelector(".rf-field-view__layer");
      this.layerIndex = data.layer;
      this.row = data.unit[0];
      this.column = data.unit[1];
    }

    get layer() {
      return this.data.layers[this.layerIndex];
    }

    attach() {
      this.figure.querySelector(".rf-field-view__controls").hidden = false;
      this.figure.querySelector(".rf-field-view__help").hidden = false;
      this.figure.querySelector(".rf-field-view__no-script").hidden = true;
      this.grid.tabIndex = 0;
      // A browser may restore another menu choice on reload; the drawing shows the built layer.
      this.menu.value = String(this.layerIndex);

      this.menu.addEventListener("change", () => this.chooseLayer(Number(this.menu.value)));
      this.grid.addEventListener("keydown", (event) => this.onKey(event));
      this.svg.addEventListener("click", (event) => this.onClick(event));
      this.figure.dataset.rfAttached = "true";
    }

    chooseLayer(index) {
      // Keep the selection where it was on the picture: take the new layer's unit
      // whose centre is nearest to the old unit's centre.
      const old = this.layer;
      const rowCentre = old.rows.centre[this.row];
      const columnCentre = old.columns.centre[this.column];
      this.layerIndex = index;
      const layer = this.layer;
      const [left, top, width, height] = layer.view;
      this.svg.setAttribute("viewBox", `${left} ${top} ${width} ${height}`);
      this.outside.setAttribute("x", String(left));
      this.outside.setAttribute("y", String(top));
      this.outside.setAttribute("width", String(width));
      this.outside.setAttribute("height", String(height));
      this.centres.forEach((circle) => circle.setAttribute("r", String(layer.ring)));
      this.units.setAttribute("d", gridPath(layer));
      this.unitLayers.forEach((use) => {
        const halo = use.classList.contains("rf-fv-units--halo");
        use.setAttribute("stroke-width", String(halo ? layer.halo : layer.dot));
      });
      this.select(nearest(layer.rows.centre, rowCentre), nearest(layer.columns.centre, columnCentre));
    }

    select(row, column) {
      const layer = this.layer;
      this.row = clamp(row, layer.rows.centre.length);
      this.column = clamp(column, layer.columns.centre.length);

      const clippedRows = layer.rows.clipped[this.row];
      const clippedColumns = layer.columns.clipped[this.column];
      if (clippedRows && clippedColumns) {
        setSpan(this.clipped, clippedRows, clippedColumns);
        this.clipped.removeAttribute("display");
      } else {
        this.clipped.setAttribute("display", "none");
      }
      this.unclipped.forEach((rect) => {
        setSpan(rect, layer.rows.interval[this.row], layer.columns.interval[this.column]);
      });
      this.centres.forEach((circle) => {
        circle.setAttribute("cx", String(layer.columns.centre[this.column] + 0.5));
        circle.setAttribute("cy", String(layer.rows.centre[this.row] + 0.5));
      });
      this.status.textContent = describeUnit(layer, this.row, this.column);
    }

    onKey(event) {
      const lastRow = this.layer.rows.centre.length - 1;
      const lastColumn = this.layer.columns.centre.length - 1;
      const moves = {
        ArrowUp: [this.row - 1, this.column],
        ArrowDown: [this.row + 1, this.column],
        ArrowLeft: [this.row, this.column - 1],
        ArrowRight: [this.row, this.column + 1],
        Home: event.ctrlKey ? [0, 0] : [this.row, 0],
        End: event.ctrlKey ? [lastRow, lastColumn] : [this.row, lastColumn],
      };
      const target = moves[event.key];
      if (!target || event.altKey || event.metaKey) {
        return;
      }
      event.preventDefault();
      this.select(target[0], target[1]);
    }

    onClick(event) {
      const matrix = this.svg.getScreenCTM();
      if (!matrix) {
        return;
      }
      const point = new DOMPoint(event.clientX, event.clientY).matrixTransform(matrix.inverse());
      // Centres are pixel indices, drawn at the middle of their pixel.
      this.select(nearest(this.layer.rows.centre, point.y - 0.5), nearest(this.layer.columns.centre, point.x - 0.5));
      this.grid.focus({ preventScroll: true });
    }
  }

  function attachAll() {
    for (const figure of document.querySelectorAll(".rf-field-view[data-rf-field-view]")) {
      if (figure.dataset.rfAttached) {
        continue;
      }
      let data;
      try {
        data = JSON.parse(figure.dataset.rfFieldView);
      } catch (error) {
        figure.querySelector(".rf-field-view__status").textContent =
          `This field view cannot start: its data is unreadable (${error.message}). Rebuild the site.`;
        continue;
      }
      new FieldView(figure, data).attach();
    }
  }

  // document$ announces every page view under instant navigation. On file://
  // pages mkdocs-material 9.8.1 turns instant navigation off and document$ never
  // emits, so the script also attaches once the document is parsed. attachAll
  // skips figures it attached before, so running it twice is harmless.
  if (window.document$ && typeof window.document$.subscribe === "function") {
    window.document$.subscribe(attachAll);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", attachAll);
  } else {
    attachAll();
  }
})();
